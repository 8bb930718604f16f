import { assertEquals, assertNotEquals, assertRejects } from "../helpers/assert.ts";
import { canonicalJson } from "../../src/store/canonical_json.ts";
import { decodePageToken, encodePageToken } from "../../src/store/page_token.ts";
import { InvalidInputError } from "../../src/store/errors.ts";

Deno.test("canonicalJson sorts keys at every level, keeps array order", () => {
  assertEquals(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined }),
    '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
  );
  assertEquals(canonicalJson({ a: [2, 1] }) === canonicalJson({ a: [1, 2] }), false);
  assertEquals(canonicalJson({ when: new Date(0) }), '{"when":"1970-01-01T00:00:00.000Z"}');
});

Deno.test("page tokens round-trip and reject anything else", async () => {
  const token = encodePageToken(["Agent", "wörld/é+?"]);
  assertEquals(decodePageToken<[string, string]>(token, ["string", "string"]), [
    "Agent",
    "wörld/é+?",
  ]);
  assertEquals(/^[A-Za-z0-9_-]+$/.test(token), true); // safe in URLs and flags
  assertNotEquals(encodePageToken([1]), encodePageToken([2]));
  for (const bad of ["%%%", encodePageToken([1]), encodePageToken(["a"]), btoa("{}")]) {
    await assertRejects(
      () => Promise.try(() => decodePageToken<[string, string]>(bad, ["string", "string"])),
      InvalidInputError,
      "invalid page token",
    );
  }
});
