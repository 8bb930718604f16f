// src/path.ts stands in for node:path on POSIX (start-up cost): it must agree with it.
import { posix } from "node:path";
import { pathToFileURL } from "node:url";
import { assertEquals } from "../helpers/assert.ts";
import * as path from "../../src/path.ts";

const SAMPLES = [
  "",
  ".",
  "..",
  "/",
  "//",
  "a",
  "a/",
  "/a",
  "/a/",
  "a/b",
  "a//b",
  "a/./b",
  "a/../b",
  "../a",
  "../../a/b/..",
  "/a/b/../../..",
  "/a/b/c.yaml",
  "stigmer/**/*.yaml",
  "x/.hidden",
  ".env",
  "file.tar.gz",
  "/tmp/Stigmer.yaml/",
  "a b/c%20d",
];

Deno.test("path: join, resolve, dirname, basename, extname, relative agree with node:path", () => {
  for (const a of SAMPLES) {
    assertEquals(path.dirname(a), posix.dirname(a), `dirname(${a})`);
    assertEquals(path.basename(a), posix.basename(a), `basename(${a})`);
    assertEquals(path.basename(a, ".yaml"), posix.basename(a, ".yaml"), `basename(${a}, .yaml)`);
    assertEquals(path.extname(a), posix.extname(a), `extname(${a})`);
    assertEquals(path.isAbsolute(a), posix.isAbsolute(a), `isAbsolute(${a})`);
    assertEquals(path.resolve(a), posix.resolve(a), `resolve(${a})`);
    for (const b of SAMPLES) {
      assertEquals(path.join(a, b), posix.join(a, b), `join(${a}, ${b})`);
      assertEquals(path.resolve(a, b), posix.resolve(a, b), `resolve(${a}, ${b})`);
      assertEquals(path.relative(a, b), posix.relative(a, b), `relative(${a}, ${b})`);
    }
  }
});

Deno.test("path: file URLs both ways", () => {
  for (const p of ["/tmp/a b/c.ts", "/x/%41/ü.ts", "/"]) {
    assertEquals(path.toFileUrl(p).href, pathToFileURL(p).href, p);
    assertEquals(path.fromFileUrl(path.toFileUrl(p)), p, p);
  }
});
