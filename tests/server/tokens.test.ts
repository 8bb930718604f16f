// The shared server's tokens file, read through its schema, and the token
// comparison of both the shared server and the local daemon.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { constantTimeEqual, localAuthenticator } from "../../src/server/auth.ts";
import { addToken, hashToken, parseTokens, tokenAuthenticator } from "../../src/server/tokens.ts";
import { GrpcError, Status } from "../../src/rpc/status.ts";
import { StigmerError } from "../../src/errors.ts";

const HASH = hashToken("stg_secret");

function problemsOf(text: string): string {
  try {
    parseTokens(text, "tokens.yaml");
  } catch (err) {
    assert(err instanceof StigmerError, `expected a StigmerError, got ${err}`);
    return err.message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

Deno.test("tokens file: valid entries are read, hashes lower-cased, empty files hold no token", () => {
  assertEquals(
    parseTokens(
      `tokens:\n  - {name: ci, sha256: ${HASH.toUpperCase()}, orgs: [acme, beta]}\n`,
      "t",
    ),
    [{ name: "ci", sha256: HASH, orgs: ["acme", "beta"] }],
  );
  assertEquals(parseTokens("", "t"), []);
  assertEquals(parseTokens("tokens:\n", "t"), []);
});

Deno.test("tokens file: every bad entry is named with its number, name and what to fix", () => {
  const message = problemsOf(
    [
      "tokens:",
      `  - {name: ok, sha256: ${HASH}, orgs: [acme]}`,
      "  - {name: short, sha256: abc, orgs: [acme]}",
      `  - {name: noorgs, sha256: ${HASH}, orgs: []}`,
      `  - {sha256: ${HASH}, orgs: [acme]}`,
      `  - {name: blank, sha256: ${HASH}, orgs: [""]}`,
      `  - {name: scalar, sha256: ${HASH}, orgs: acme}`,
      "  - just a string",
    ].join("\n"),
  );
  assertEquals(message.split("\n"), [
    'tokens.yaml: token 2 ("short"): sha256 must be 64 hex digits (the SHA-256 of the token)',
    'tokens.yaml: token 3 ("noorgs"): orgs must list at least one organization',
    "tokens.yaml: token 4: name must be a text",
    'tokens.yaml: token 5 ("blank"): orgs must not hold an empty name',
    'tokens.yaml: token 6 ("scalar"): orgs must be a list of organizations',
    "tokens.yaml: token 7: must be a mapping {name, sha256, orgs}",
  ]);
});

Deno.test("tokens file: the wrong shape and broken YAML say so", () => {
  assertEquals(
    problemsOf("- a\n- b\n"),
    'tokens.yaml: the file must hold "tokens:", a list of {name, sha256, orgs}',
  );
  assertEquals(
    problemsOf("tokens: {name: x}\n"),
    "tokens.yaml: tokens must be a list of {name, sha256, orgs}",
  );
  assertMatch(problemsOf("tokens: [\n"), /^tokens\.yaml is not valid YAML: /);
});

Deno.test("token comparison: equal only when equal, whatever the lengths", () => {
  assert(constantTimeEqual("abc", "abc"));
  assert(constantTimeEqual("", ""));
  assert(!constantTimeEqual("abc", "abd"));
  assert(!constantTimeEqual("abc", "abcd"));
  assert(!constantTimeEqual("abcd", "abc"));
  assert(!constantTimeEqual("", "a"));
  assert(!constantTimeEqual("é", "e"));
});

function refusal(check: () => unknown): GrpcError {
  try {
    check();
  } catch (err) {
    assert(err instanceof GrpcError, `expected a GrpcError, got ${err}`);
    return err;
  }
  throw new Error("expected the call to be refused");
}

Deno.test("authenticators: the right token passes, near misses are refused", async () => {
  const daemon = localAuthenticator("s3cret");
  assertEquals(daemon("Bearer s3cret"), { name: "local", orgs: ["local"], admin: true });
  for (const header of [undefined, "Bearer s3cre", "Bearer s3cretx", "Bearer S3CRET", "s3cret"]) {
    assertEquals(refusal(() => daemon(header)).code, Status.UNAUTHENTICATED, String(header));
  }

  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/tokens.yaml`;
    const token = addToken(path, "ci", ["acme"]);
    assert(!Deno.readTextFileSync(path).includes(token), "the file holds the hash only");
    const server = tokenAuthenticator(path);
    assertEquals(server(`Bearer ${token}`), { name: "ci", orgs: ["acme"], admin: false });
    assertEquals(refusal(() => server(`Bearer ${token}x`)).code, Status.UNAUTHENTICATED);
    assertEquals(refusal(() => server(undefined)).code, Status.UNAUTHENTICATED);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
