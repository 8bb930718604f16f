// Modules loaded on demand go through src/lazy_import.ts: Deno reads a literal
// `import("./x.ts")` ahead and builds its whole graph before main runs, which cost
// every command about 60 ms here. These checks keep literal relative dynamic
// imports out of src/, and each lazyImport's type in step with the module it loads.
import { assertEquals } from "../helpers/assert.ts";
import { REPO } from "../helpers/cli.ts";

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "gen") files.push(...sources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".gen.ts")) files.push(path);
  }
  return files;
}

const FILES = sources(`${REPO}/src`).map((path) => ({
  name: path.slice(REPO.length + 1),
  text: Deno.readTextFileSync(path),
}));

Deno.test("no literal relative dynamic import under src/ (they cost every command their graph)", () => {
  const found = FILES.flatMap(({ name, text }) =>
    [...text.matchAll(
      // Not `typeof import(…)` nor a type such as `import("./x.ts").Name`: those load nothing.
      /(?<!typeof\s*)(?<![\w.])import\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*\)(?!\.[A-Z])/g,
    )]
      .map((m) => `${name}: import("${m[1]}")`)
  );
  assertEquals(found, [], "use lazyImport from src/lazy_import.ts");
});

Deno.test("each lazyImport loads the module its type names", () => {
  const calls = FILES.flatMap(({ name, text }) =>
    [...text.matchAll(/lazyImport<typeof import\("([^"]+)"\)>\(\s*"([^"]+)"/g)]
      .map((m) => ({ name, typed: m[1], loaded: m[2] }))
  );
  assertEquals(calls.filter((c) => c.typed !== c.loaded), []);
  // The pattern above sees the calls: there are many, spread over the CLI and the daemon.
  assertEquals(calls.length > 50, true, `only ${calls.length} lazyImport calls found`);
});
