// What keeps a code-mode program inside its project.
//
// Deno checks `--allow-read` for file reads and computed dynamic imports, but a
// static import, or a dynamic import of a literal, is not a read in its
// permission model: `import t from "/etc/passwd" with { type: "text" }` loads
// under `--allow-read=<project>`, and `--deny-read` does not stop it either
// (measured with Deno 2.9; `--deny-import` covers remote hosts only). So the
// whole module graph (`deno info --json`, ~50 ms on a warm cache) is checked
// before the program runs: every local module must really (symlinks followed)
// be inside the project. And whatever Deno lets through (a symlink in the
// project read at run time), a secret of STIGMER_HOME in the program's output
// refuses the whole output.
import { fromFileUrl } from "../path.ts";
import { displayPath, isInside } from "./paths.ts";

/** What a program must never reach: paths to deny, and files whose secrets must never show. */
export interface CodeModeProtection {
  /** Files and directories (STIGMER_HOME's config and credentials, the data dir). */
  protectedPaths: string[];
  /** Secret-bearing files (daemon.token, credentials.yaml). */
  secretFiles: string[];
}

interface GraphDependency {
  specifier?: string;
  code?: { specifier?: string; span?: { start?: { line?: number; character?: number } } };
  type?: { specifier?: string; span?: { start?: { line?: number; character?: number } } };
}

interface GraphModule {
  specifier: string;
  local?: string;
  error?: string;
  dependencies?: GraphDependency[];
}

/** A module the program may not import, and where it is imported. */
export interface GraphViolation {
  file?: string;
  line: number;
  column: number;
  message: string;
}

/** Remote and package modules live in Deno's cache and cannot import local files. */
const CACHED_SCHEMES = new Set(["npm:", "jsr:", "node:", "https:", "http:", "data:"]);

async function realPathOrSelf(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return path; // a missing module: deno run reports it
  }
}

/**
 * Checks every module of `deno info --json` output: local ones must be inside
 * `root` (after following symlinks) and outside every protected path.
 */
export async function checkModuleGraph(
  graphJson: string,
  root: string,
  protectedPaths: string[],
  cwd: string,
): Promise<GraphViolation[]> {
  let graph: { modules?: GraphModule[]; redirects?: Record<string, string> };
  try {
    graph = JSON.parse(graphJson);
  } catch {
    return [{ line: 0, column: 0, message: "cannot read the program's module graph" }];
  }
  const modules = graph.modules ?? [];
  const realRoot = await realPathOrSelf(root);
  const realProtected = await Promise.all(protectedPaths.map(realPathOrSelf));
  const importers = new Map<string, { file?: string; line: number; column: number; as: string }>();
  for (const module of modules) {
    for (const dependency of module.dependencies ?? []) {
      for (const edge of [dependency.code, dependency.type]) {
        if (!edge?.specifier || importers.has(edge.specifier)) continue;
        importers.set(edge.specifier, {
          file: module.local,
          line: (edge.span?.start?.line ?? -1) + 1,
          column: (edge.span?.start?.character ?? -1) + 1,
          as: dependency.specifier ?? edge.specifier,
        });
      }
    }
  }
  const redirected = new Map(
    Object.entries(graph.redirects ?? {}).map(([from, to]) => [to, from]),
  );

  const violations: GraphViolation[] = [];
  for (const module of modules) {
    const url = module.specifier;
    const scheme = url.slice(0, url.indexOf(":") + 1);
    let why: string | undefined;
    let real: string | undefined;
    if (scheme === "file:") {
      let path: string;
      try {
        path = module.local ?? fromFileUrl(url);
      } catch {
        path = url;
      }
      real = await realPathOrSelf(path);
      if (!isInside(realRoot, real)) why = "outside the project";
      else if (realProtected.some((p) => isInside(p, real!))) why = "a file of STIGMER_HOME";
    } else if (!CACHED_SCHEMES.has(scheme)) {
      why = "not a file of the project or a package";
    }
    if (!why) continue;
    const from = importers.get(url) ?? importers.get(redirected.get(url) ?? "");
    const named = from?.as ?? url;
    const target = real && real !== named ? ` (${real})` : "";
    violations.push({
      file: from?.file,
      line: from && from.line > 0 ? from.line : 0,
      column: from && from.column > 0 ? from.column : 0,
      message: `imports "${named}"${target}, which is ${why}: a program may import only ` +
        `files inside ${displayPath(root, cwd)}, the Stigmer SDK and packages (npm:, jsr:, https:)`,
    });
  }
  return violations;
}

/** Values of `key: value` lines whose key names a secret, and bare lines (a token file). */
function secretValues(text: string): string[] {
  const values: string[] = [];
  for (const line of text.split("\n")) {
    const pair = /^\s*([A-Za-z_][\w.-]*)\s*:\s*(.*)$/.exec(line);
    const value = (pair ? pair[2] : line).trim().replace(/^(["'])(.*)\1$/, "$2");
    if (pair && !/token|secret|key|password/i.test(pair[1])) continue;
    if (value.length >= 12) values.push(value);
  }
  return values;
}

/** The secret file whose secret `output` contains, or undefined. Secrets are never returned. */
export async function leakedSecretFile(
  outputs: string[],
  secretFiles: string[],
): Promise<string | undefined> {
  for (const file of secretFiles) {
    const text = await Deno.readTextFile(file).catch(() => undefined);
    if (text === undefined) continue;
    // stdout carries the resources as JSON: look for the escaped form as well.
    const values = secretValues(text).flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]);
    if (values.some((value) => outputs.some((output) => output.includes(value)))) return file;
  }
  return undefined;
}
