// Imports go one way (README, "How it fits together"). Every import under src/ —
// static, `export … from`, dynamic `import("…")` and `new URL("…", import.meta.url)` —
// is read from the source text and checked against the table below, which is the
// README's picture written as data. A new folder under src/ fails here until it is
// given a place in both.
import { assert, assertEquals } from "../helpers/assert.ts";
import { REPO } from "../helpers/cli.ts";

/** The line in the README that this table spells out. */
const DIRECTION = "cli → client → rpc ← server → store/engine";

/**
 * What each place under src/ may import (besides itself and the shared files at the top of
 * src/, such as errors.ts). agents, mcp, executions and secrets are the places the layout sketch
 * (STYLE.md) plans; the README describes them once they exist.
 */
const SERVER_SIDE = ["executions", "engine", "agents", "mcp", "secrets", "store"];
const MAY_IMPORT: Record<string, readonly string[]> = {
  cli: ["client", "rpc", "project", "model", "config"],
  client: ["rpc", "model", "config"],
  daemon: SERVER_SIDE.concat("server", "viewer", "rpc", "model", "config"),
  // The run viewer runs inside the daemon (loaded when first asked for) and reads its runs.
  viewer: ["server", "store", "model", "rpc"],
  server: SERVER_SIDE.concat("rpc", "project", "model", "config"),
  executions: ["engine", "agents", "mcp", "secrets", "store", "rpc", "model"],
  engine: ["model"],
  // project → engine: a workflow is checked by the code that runs it (SPEC §9), at apply.
  agents: ["mcp", "secrets", "store", "model"],
  mcp: ["rpc", "model"],
  secrets: ["store", "model"],
  store: ["model"],
  project: ["model", "sdk", "engine"],
  rpc: ["model"],
  model: [],
  config: [],
  sdk: [],
};

/** Files at the top of src/ (errors.ts, version.ts, …): anyone may import them; they import only each other. */
const TOP = "(top of src/)";

/**
 * The few files one process hosts from the other side of the wire: the hidden
 * daemon command runs the daemon in the CLI's process, `server run` the shared
 * server, `server token` writes the server's tokens file.
 */
const HOSTED: Record<string, readonly string[]> = {
  cli: [
    "src/daemon/main.ts",
    "src/server/shared/server.ts",
    "src/server/log.ts",
    "src/server/tokens.ts",
    // Local mode keeps secrets and sessions in the data dir: the CLI writes them there and the
    // daemon reads them at run time (a shared server's are behind its RPCs).
    "src/secrets/vault.ts",
    "src/agents/sessions.ts",
  ],
};

/** The pure model does no I/O: no Deno API, no Node built-in, no network. */
const PURE = ["model"];

// Skips the generated code's own imports (it only imports itself and npm packages).
const GENERATED = "src/rpc/gen/";

const SPECIFIER = new RegExp(
  [
    String.raw`\bfrom\s*["']([^"'\n]+)["']`,
    String.raw`\bimport\s+["']([^"'\n]+)["']`,
    String.raw`\bimport\s*\(\s*["'\x60]([^"'\x60\n]+)["'\x60]`,
    String.raw`\bnew\s+URL\s*\(\s*["'\x60]([^"'\x60\n]+)["'\x60]\s*,\s*import\.meta\.url`,
  ].join("|"),
  "g",
);

export interface Import {
  file: string; // relative to the repository, e.g. src/cli/main.ts
  line: number;
  specifier: string;
}

/** The relative imports of one file's text, with their lines. */
export function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match.slice(1).find((s) => s !== undefined)!;
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
    const line = text.slice(0, match.index).split("\n").length;
    found.push({ file, line, specifier });
  }
  return found;
}

/** "cli" for src/cli/…; TOP for a file at the top of src/. */
export function placeOf(path: string): string {
  const parts = path.split("/");
  return parts.length > 2 ? parts[1] : TOP;
}

export function resolve(file: string, specifier: string): string {
  return new URL(specifier, `file:///${file}`).pathname.slice(1);
}

/** Each import that goes against the table, as a sentence saying what to do. */
export function violations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const { file, line, specifier } of imports) {
    const target = resolve(file, specifier);
    if (!target.startsWith("src/")) {
      out.push(`${file}:${line} imports ${target}, outside src/`);
      continue;
    }
    const from = placeOf(file);
    const to = placeOf(target);
    if (from === to || to === TOP) continue;
    if (from === TOP) {
      out.push(
        `${file}:${line} imports ${target}: a file at the top of src/ imports only its peers`,
      );
      continue;
    }
    if (!(from in MAY_IMPORT)) {
      out.push(
        `${file}:${line}: src/${from} has no place in the README's layout; add it there and here`,
      );
      continue;
    }
    if (MAY_IMPORT[from].includes(to) || HOSTED[from]?.includes(target)) continue;
    out.push(`${file}:${line} imports ${target}: ${from} may not import ${to} (${DIRECTION})`);
  }
  return out;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${REPO}/${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

async function allImports(): Promise<Import[]> {
  const imports: Import[] = [];
  for (const file of await sourceFiles("src")) {
    if (file.startsWith(GENERATED)) continue;
    imports.push(...importsOf(file, await Deno.readTextFile(`${REPO}/${file}`)));
  }
  return imports;
}

Deno.test("every import under src/ goes the README's way", async () => {
  const imports = await allImports();
  // Reading imports as text must find the real ones: several hundred, dynamic ones too.
  assert(imports.length > 300, `only ${imports.length} imports found: is the reader broken?`);
  assert(imports.some((i) => i.file === "src/cli/main.ts" && i.specifier.includes("program.ts")));
  const missing = imports.filter((i) => {
    try {
      Deno.statSync(`${REPO}/${resolve(i.file, i.specifier)}`);
      return false;
    } catch {
      return true;
    }
  });
  assertEquals(missing.map((i) => `${i.file}:${i.line} ${i.specifier}`), [], "imports of no file");
  assertEquals(violations(imports), []);
});

Deno.test("the README states the direction this test enforces, for every place under src/", async () => {
  const readme = await Deno.readTextFile(`${REPO}/README.md`);
  assert(readme.includes(DIRECTION), `README.md does not say "${DIRECTION}"`);
  for await (const entry of Deno.readDir(`${REPO}/src`)) {
    if (!entry.isDirectory) continue;
    assert(entry.name in MAY_IMPORT, `src/${entry.name}/ has no place in this test's table`);
    assert(readme.includes(`src/${entry.name}/`), `README.md does not describe src/${entry.name}/`);
  }
});

Deno.test("the pure model does no I/O", async () => {
  for (const place of PURE) {
    for (const file of await sourceFiles(`src/${place}`)) {
      const text = await Deno.readTextFile(`${REPO}/${file}`);
      const io = /\bDeno\.|["']node:|\bfetch\s*\(/.exec(text);
      assert(!io, `${file} does I/O (${io?.[0]}): it belongs in src/project/ or another place`);
    }
  }
});

Deno.test("the checker catches imports against the direction, static and dynamic", () => {
  const text = [
    `import { Status } from "../rpc/status.ts";`,
    `export { run } from "../cli/main.ts";`,
    `const m = await import("../client/grpc_fetch.ts");`,
    `const u = new URL("../../project/project.ts", import.meta.url);`,
    `import "./local.ts";`,
  ].join("\n");
  const found = importsOf("src/server/x.ts", text);
  assertEquals(found.map((i) => i.line), [1, 2, 3, 4, 5]);
  const bad = violations(found);
  assertEquals(bad.length, 3, bad.join("\n"));
  assert(bad[0].startsWith("src/server/x.ts:2 imports src/cli/main.ts: server may not import cli"));
  assert(bad[1].includes("server may not import client"));
  assert(bad[2].includes("imports project/project.ts, outside src/"));
  assertEquals(violations(importsOf("src/model/x.ts", `import "../config/config.ts";`)).length, 1);
  assertEquals(violations(importsOf("src/cli/x.ts", `import("../daemon/main.ts")`)), []);
  assertEquals(violations(importsOf("src/cli/x.ts", `import("../daemon/log.ts")`)).length, 1);
  assertEquals(violations(importsOf("src/engine/x.ts", `import "../errors.ts";`)), []);
  assertEquals(violations(importsOf("src/errors.ts", `import "./cli/main.ts";`)).length, 1);
  assertEquals(violations(importsOf("src/store/x.ts", `import "../config/paths.ts";`)).length, 1);
});
