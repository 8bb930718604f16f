// What the resource tests share: a temporary home (tests/helpers/cli.ts) with
// checks on each run, projects written into it, and readers for the output.
import { dirname, join } from "node:path";
import {
  type CliResult,
  daemonsOf,
  makeTestHome,
  REPO,
  type RunOptions,
  type TestHome,
} from "../helpers/cli.ts";
import { assert, assertEquals } from "../helpers/assert.ts";

export const API = "apiVersion: agentic.stigmer.ai/v1";

export interface ResourceHome extends TestHome {
  /** Runs the CLI; fails the test if the output holds a stack trace of the CLI. */
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  /** Runs the CLI and insists on the exit code, showing the output when it differs. */
  expect(code: number, args: string[], options?: RunOptions): Promise<CliResult>;
  /** Writes files (path → text) under `dir`, relative to the home. Returns the absolute dir. */
  write(dir: string, files: Record<string, string>): Promise<string>;
  /** Pids of this home's daemon processes (also those not yet in daemon.json). */
  daemonPids(): number[];
}

/** A stack frame in the CLI's own code, as an unhandled error prints. */
const CLI_FRAME = new RegExp(`^\\s+at .*${REPO}/`, "m");

export function assertExit(result: CliResult, code: number, what: string): void {
  assertEquals(
    result.code,
    code,
    `${what} exited ${result.code}, expected ${code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
  );
}

export async function makeResourceHome(): Promise<ResourceHome> {
  const base = await makeTestHome();
  const run = async (args: string[], options?: RunOptions) => {
    const result = await base.run(args, options);
    if (!args.includes("--debug")) {
      // A code-mode program's own trace is the user's to read; the CLI's is not.
      assert(
        !CLI_FRAME.test(result.stderr) && !CLI_FRAME.test(result.stdout),
        `stigmer ${args.join(" ")} printed a stack trace:\n${result.stderr}`,
      );
    }
    return result;
  };
  return {
    ...base,
    run,
    expect: async (code, args, options) => {
      const result = await run(args, options);
      assertExit(result, code, `stigmer ${args.join(" ")}`);
      return result;
    },
    write: async (dir, files) => {
      const root = join(base.home, dir);
      for (const [path, text] of Object.entries(files)) {
        await Deno.mkdir(dirname(join(root, path)), { recursive: true });
        await Deno.writeTextFile(join(root, path), text);
      }
      return root;
    },
    daemonPids: () => daemonsOf(base.dataDir),
  };
}

/** A Deno.test body with its own home, its daemons stopped and its files removed afterwards. */
export function withResourceHome(fn: (home: ResourceHome) => Promise<void>): () => Promise<void> {
  return async () => {
    const home = await makeResourceHome();
    try {
      await fn(home);
    } finally {
      await home.cleanup();
    }
  };
}

// ---- manifests ----

export function agentYaml(
  name: string,
  options: { instructions?: string; skills?: string[]; labels?: Record<string, string> } = {},
): string {
  const labels = Object.entries(options.labels ?? {});
  return [
    API,
    "kind: Agent",
    "metadata:",
    `  name: ${name}`,
    ...(labels.length ? ["  labels:", ...labels.map(([k, v]) => `    ${k}: ${v}`)] : []),
    "spec:",
    `  instructions: ${JSON.stringify(options.instructions ?? `You are ${name}.`)}`,
    ...(options.skills ? [`  skills: [${options.skills.join(", ")}]`] : []),
    "",
  ].join("\n");
}

export function skillYaml(name: string): string {
  return `${API}
kind: Skill
metadata:
  name: ${name}
spec:
  description: The ${name} skill
  content: "# ${name}"
`;
}

export function projectYaml(name: string, extra = ""): string {
  return `name: ${name}\n${extra}`;
}

// ---- reading the CLI's output ----

export interface ApplyRow {
  kind: string;
  name: string;
  action: string;
  version: string;
  id: string;
}

/** The rows of the `KIND NAME ACTION VERSION ID` table (header checked). */
export function applyTable(stdout: string): ApplyRow[] {
  const lines = stdout.trim().split("\n");
  assertEquals(lines[0].trim().split(/\s+/), ["KIND", "NAME", "ACTION", "VERSION", "ID"]);
  return lines.slice(1).map((line) => {
    const [kind, name, action, version, id] = line.trim().split(/\s+/);
    return { kind, name, action, version, id };
  });
}

/** Rows of any table as string arrays, without the header. */
export function tableRows(stdout: string): string[][] {
  return stdout.trim().split("\n").slice(1).filter((l) => l.trim()).map((l) =>
    l.trim().split(/\s+/)
  );
}

export interface ResourceDoc {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    id: string;
    version: number;
    project: string;
    labels: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

/** `get <kind> -o json`, as documents. */
export async function listJson(home: ResourceHome, kind: string): Promise<ResourceDoc[]> {
  const result = await home.expect(0, ["get", kind, "-o", "json"], { cwd: home.home });
  return JSON.parse(result.stdout);
}

/** Every resource of every kind, as "Kind/name@version#id", sorted: to prove nothing changed. */
export async function storeSnapshot(home: ResourceHome): Promise<string[]> {
  const kinds = ["agents", "workflows", "skills", "mcpservers", "environments"];
  const lists = await Promise.all(kinds.map((kind) => listJson(home, kind)));
  return lists.flat()
    .map((r) => `${r.kind}/${r.metadata.name}@${r.metadata.version}#${r.metadata.id}`)
    .sort();
}
