// The warm commands load no Node layer: no `node:` module and no CommonJS package, which bring up
// Deno's Node compatibility layer and cost more than the rest of the command (BENCHMARKS.md).
// The graph is Deno's own (`deno info --json`); from each warm command's entry modules only
// static imports are followed (a dynamic import runs only when its branch does). Inside npm
// packages, the files the package's exports resolve to are read and their imports followed.
import { dirname, join } from "node:path";
import { assertEquals } from "../helpers/assert.ts";
import { REPO } from "../helpers/cli.ts";

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface Module {
  specifier: string;
  kind?: string;
  npmPackage?: string;
  dependencies?: Dependency[];
}
interface NpmPackage {
  name: string;
  version: string;
  dependencies: string[];
  localPath: string;
}
interface Graph {
  modules: Module[];
  npmPackages: Record<string, NpmPackage>;
  redirects: Record<string, string>;
}

const cli = (path: string) => `file://${REPO}/src/cli/${path}`;

/** What runs on each warm path: the entry, the parser, the command's module, error reporting. */
const PARSED = [
  `file://${REPO}/main.ts`,
  cli("working_dir.ts"), // main.ts imports it on every path
  cli("program.ts"),
  cli("parse_context.ts"),
  cli("fail.ts"),
];
/** Commands that call the backend also import, when they run, the local daemon's fast path. */
const BACKEND = [
  ...PARSED,
  `file://${REPO}/src/client/daemon/ensure_running.ts`,
  cli("progress.ts"),
];
const WARM: Record<string, string[]> = {
  "--help": [`file://${REPO}/main.ts`, cli("working_dir.ts"), cli("help_text.ts")],
  "version": [`file://${REPO}/main.ts`, cli("working_dir.ts"), cli("commands/version.ts")],
  "get": [...BACKEND, cli("commands/get.ts")],
  "apply": [...BACKEND, cli("commands/apply.ts")],
  "run": [...BACKEND, cli("commands/run.ts")],
  "executions list": [...BACKEND, cli("commands/executions/list.ts")],
  "executions get": [...BACKEND, cli("commands/executions/get.ts")],
  "executions cancel": [...BACKEND, cli("commands/executions/cancel.ts")],
  "server status": [...PARSED, cli("commands/server/status.ts")],
  "ui": [...BACKEND, cli("commands/ui.ts")],
  "stigmer <command> --help": PARSED,
};

async function moduleGraph(): Promise<Graph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", `${REPO}/deno.json`, `${REPO}/main.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

type Conditions = string | null | Conditions[] | { [key: string]: Conditions };

/** Deno resolves npm exports with these conditions, the first listed key that matches wins. */
const CONDITIONS = new Set(["deno", "node", "import", "default"]);

function resolveConditions(target: Conditions): string | undefined {
  if (target === null) return undefined;
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const found = resolveConditions(t);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(target)) {
    if (CONDITIONS.has(key)) {
      const found = resolveConditions(value);
      if (found) return found;
    }
  }
  return undefined;
}

interface PackageJson {
  type?: string;
  main?: string;
  exports?: Conditions | Record<string, Conditions>;
}

function readPackage(pkg: NpmPackage): PackageJson {
  return JSON.parse(Deno.readTextFileSync(join(pkg.localPath, "package.json")));
}

/** The file a package subpath ("." or "./wire") loads. */
function packageEntry(pkg: NpmPackage, subpath: string): string {
  const json = readPackage(pkg);
  const exports = json.exports;
  let target: string | undefined;
  if (exports && typeof exports === "object" && !Array.isArray(exports)) {
    const keys = Object.keys(exports);
    const subpaths = keys.some((k) => k.startsWith("."));
    if (subpaths) target = resolveConditions((exports as Record<string, Conditions>)[subpath]);
    else if (subpath === ".") target = resolveConditions(exports);
  } else if (typeof exports === "string" && subpath === ".") {
    target = exports;
  }
  target ??= subpath === "." ? json.main ?? "index.js" : subpath;
  return join(pkg.localPath, target);
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;
const REQUIRE = /\brequire\s*\(\s*["']/;

/** Problems in the files an npm module loads: `node:` imports and CommonJS. */
function npmProblems(graph: Graph, packageId: string, subpath: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue: [string, string][] = [[
    packageId,
    packageEntry(graph.npmPackages[packageId], subpath),
  ]];
  while (queue.length) {
    const [id, file] = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const pkg = graph.npmPackages[id];
    const name = `${pkg.name}@${pkg.version}`;
    const source = Deno.readTextFileSync(file);
    const commonJs = file.endsWith(".cjs") ||
      (file.endsWith(".js") && readPackage(pkg).type !== "module") || REQUIRE.test(source);
    if (commonJs) problems.push(`${name}: CommonJS (${file.slice(pkg.localPath.length + 1)})`);
    for (const [, specifier] of source.matchAll(IMPORT)) {
      if (specifier.startsWith("node:")) {
        problems.push(`${name}: imports ${specifier}`);
      } else if (specifier.startsWith(".")) {
        let path = join(dirname(file), specifier);
        if (!/\.[cm]?js$/.test(path)) path += ".js";
        queue.push([id, path]);
      } else {
        const [scopeOrName, ...rest] = specifier.split("/");
        const depName = scopeOrName.startsWith("@")
          ? `${scopeOrName}/${rest.shift()}`
          : scopeOrName;
        const depId = depName === pkg.name
          ? id
          : pkg.dependencies.find((d) => graph.npmPackages[d].name === depName);
        if (!depId) {
          problems.push(`${name}: imports ${specifier}, a Node builtin or unknown package`);
          continue;
        }
        queue.push([
          depId,
          packageEntry(graph.npmPackages[depId], rest.length ? `./${rest.join("/")}` : "."),
        ]);
      }
    }
  }
  return problems;
}

/** Every problem reachable by static imports from these entry modules. */
function warmPathProblems(graph: Graph, entries: string[]): string[] {
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const problems = new Set<string>();
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const specifier = graph.redirects[queue[0]] ?? queue[0];
    queue.shift();
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    if (specifier.startsWith("node:")) {
      problems.add(`imports ${specifier}`);
      continue;
    }
    const module = bySpecifier.get(specifier);
    if (!module) throw new Error(`not in the module graph: ${specifier}`);
    if (module.kind === "npm") {
      const id = module.npmPackage!;
      const pkg = graph.npmPackages[id];
      const at = specifier.indexOf(`${pkg.name}@${pkg.version}`) +
        `${pkg.name}@${pkg.version}`.length;
      const subpath = specifier.slice(at) ? `.${specifier.slice(at)}` : ".";
      for (const p of npmProblems(graph, id, subpath)) problems.add(p);
      continue;
    }
    for (const dep of module.dependencies ?? []) {
      if (!dep.code || dep.isDynamic) continue;
      if (dep.code.specifier.startsWith("node:")) {
        problems.add(`${specifier.replace(`file://${REPO}/`, "")} imports ${dep.code.specifier}`);
      } else queue.push(dep.code.specifier);
    }
  }
  return [...problems].sort();
}

const GRAPH = moduleGraph();

/**
 * What is left, named so that this test fails both when it grows and when it is fixed (then
 * remove it here). Nothing today: paths go through src/path.ts, not node:path.
 */
const KNOWN: Record<string, string[]> = {};

for (const [command, entries] of Object.entries(WARM)) {
  Deno.test(`warm path of \`${command}\`: no node: module, no CommonJS package`, async () => {
    assertEquals(
      warmPathProblems(await GRAPH, entries),
      KNOWN[command] ?? [],
      `stigmer ${command}`,
    );
  });
}

Deno.test("the check finds a Node layer where there is one (the daemon's path)", async () => {
  const problems = warmPathProblems(await GRAPH, [`file://${REPO}/src/daemon/main.ts`]);
  if (!problems.some((p) => p.includes("node:"))) {
    throw new Error(`expected node: modules on the daemon's path, found: ${problems.join("; ")}`);
  }
});
