// What the execution tests share: a test home, project files written to disk, a
// live view of a CLI process that is still running, and small local HTTP servers
// (a fake LLM, a fake API).
import { type CliResult, makeTestHome, type TestHome } from "../helpers/cli.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { readDaemonInfo } from "../../src/rpc/daemon_info.ts";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../src/rpc/gen/stigmer/v1/execution.ts";
import { lastUser, type ScriptedModel, startScriptedModel } from "../helpers/scripted_model.ts";

export const LOCAL_ENDPOINT = 'endpoint: "127.0.0.1:0"';

/** config.yaml for a local backend on a free port, with extra lines under backend.local. */
export function localConfig(extra: Record<string, string | Record<string, string>> = {}): string {
  let text = `backend:\n  local:\n    ${LOCAL_ENDPOINT}\n`;
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value === "string") text += `    ${key}: ${JSON.stringify(value)}\n`;
    else {
      text += `    ${key}:\n`;
      for (const [k, v] of Object.entries(value)) text += `      ${k}: ${JSON.stringify(v)}\n`;
    }
  }
  return text;
}

/** A test home (see tests/helpers/cli.ts) with a local backend on a free port. */
export function executionHome(config = localConfig()): Promise<TestHome> {
  return makeTestHome(config);
}

/** A Deno.test body with its own execution home, cleaned up (daemon stopped) whatever happens. */
export function withExecutionHome(
  fn: (home: TestHome) => Promise<void>,
  config?: string,
): () => Promise<void> {
  return async () => {
    const home = await executionHome(config);
    try {
      await fn(home);
    } finally {
      await home.cleanup();
    }
  };
}

/** Exit code, with the whole output in the message when it differs. */
export function assertExit(result: CliResult, code: number, what = "the command"): void {
  assertEquals(
    result.code,
    code,
    `${what} exited ${result.code}, expected ${code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
  );
}

export function assertIncludes(text: string, part: string, what = "the output"): void {
  assert(text.includes(part), `${what} should include ${JSON.stringify(part)}:\n${text}`);
}

/** Writes a project (Stigmer.yaml + manifests) and returns its directory. */
export async function writeProject(
  home: TestHome,
  name: string,
  manifests: Record<string, string>,
): Promise<string> {
  const dir = `${home.home}/${name}`;
  await Deno.mkdir(`${dir}/stigmer`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/Stigmer.yaml`,
    `name: ${name}\nresources: ["stigmer/**/*.yaml"]\n`,
  );
  for (const [file, text] of Object.entries(manifests)) {
    const path = `${dir}/stigmer/${file}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  return dir;
}

/**
 * A Workflow manifest around a `do:` list written in YAML (indented by the caller for `  do:`);
 * `specYaml` goes before it (e.g. `  schedule:` or `  use:` and their lines).
 */
export function workflowManifest(name: string, doYaml: string, specYaml = ""): string {
  return `apiVersion: agentic.stigmer.ai/v1
kind: Workflow
metadata:
  name: ${name}
spec:
  document:
    dsl: "1.0.0"
    namespace: tests
    name: ${name}
    version: "0.1.0"
${specYaml}  do:
${doYaml.replace(/^\n/, "")}`;
}

/** A workflow that sets, waits `wait` (an ISO 8601 duration), then sets again. */
export function waitingWorkflow(name: string, wait: string): string {
  return workflowManifest(
    name,
    `
    - before:
        set:
          ready: true
    - pause:
        wait: ${wait}
    - after:
        set:
          done: true
`,
  );
}

/** Applies a project and checks it succeeded. */
export async function applyProject(home: TestHome, dir: string): Promise<CliResult> {
  const result = await home.run(["apply", "--dir", dir]);
  assertExit(result, 0, "stigmer apply");
  return result;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until check() gives a value (not undefined/false), or fails after timeoutMs. */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(everyMs);
  }
}

/** The execution id in a "Started wex-…" line. */
export function startedId(text: string): string | undefined {
  return /Started ((?:wex|aex)-[0-9a-z]+)/.exec(text)?.[1];
}

/** Parses every stdout line as JSON (NDJSON); fails on the first line that does not parse. */
export function ndjson(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((line) => line !== "").map((line, i) => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line}`);
    }
  });
}

const decoder = new TextDecoder();

/** A CLI process still running: its output so far, and a way to wait for a line. */
export class LiveProcess {
  stdout = "";
  stderr = "";
  readonly child: Deno.ChildProcess;
  readonly #pumps: Promise<void>[];

  constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.#pumps = [
      this.#pump(child.stdout, (t) => (this.stdout += t)),
      this.#pump(child.stderr, (t) => (this.stderr += t)),
    ];
  }

  async #pump(stream: ReadableStream<Uint8Array>, add: (text: string) => void): Promise<void> {
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  }

  /** Waits until stderr (or stdout) matches. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    return waitUntil(
      `${pattern} in the output of the CLI\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`,
      () => pattern.exec(this.stderr) ?? pattern.exec(this.stdout) ?? undefined,
      timeoutMs,
      20,
    );
  }

  async result(): Promise<CliResult> {
    const status = await this.child.status;
    await Promise.all(this.#pumps);
    return { code: status.code, stdout: this.stdout, stderr: this.stderr };
  }
}

/** Starts a CLI command in the background. */
export function spawnCli(home: TestHome, args: string[], cwd?: string): LiveProcess {
  return new LiveProcess(home.spawn(args, cwd ? { cwd } : undefined));
}

/** The pid of this home's daemon, from daemon.json. */
export function daemonPid(home: TestHome): number | undefined {
  return readDaemonInfo(`${home.dataDir}/daemon.json`)?.pid;
}

/**
 * True while the process exists and is not a zombie. Asks `ps`: Deno wants
 * --allow-all to read /proc/<pid>, which these tests do not have.
 */
export function alive(pid: number): boolean {
  const out = new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(pid)], stderr: "null" })
    .outputSync();
  const stat = new TextDecoder().decode(out.stdout).trim();
  return out.success && stat !== "" && !stat.startsWith("Z");
}

/** A gRPC channel to this home's daemon, with its token: for what 50 CLI processes would cost. */
export function daemonChannel(home: TestHome): Channel {
  const info = readDaemonInfo(`${home.dataDir}/daemon.json`);
  if (!info) throw new Error(`no daemon.json in ${home.dataDir}`);
  const token = Deno.readTextFileSync(`${home.dataDir}/daemon.token`).trim();
  return new Channel({ endpoint: `${info.host}:${info.port}`, token });
}

export function executionClient(channel: Channel) {
  return makeClient(channel, ExecutionServiceDefinition);
}

/** `stigmer executions get ID --json`, parsed. */
export async function getExecution(home: TestHome, id: string): Promise<Record<string, unknown>> {
  const result = await home.run(["executions", "get", id, "--json"]);
  assertExit(result, 0, `stigmer executions get ${id} --json`);
  return JSON.parse(result.stdout);
}

// ---- local HTTP servers -------------------------------------------------------

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface LocalServer {
  url: string;
  port: number;
  requests: Recorded[];
  close(): Promise<void>;
}

/** A Deno.serve server on 127.0.0.1, a free port, recording every request. */
export function serveLocal(
  handler: (request: Recorded) => Response | Promise<Response>,
): LocalServer {
  const requests: Recorded[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const text = await req.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch { /* not JSON: keep the text */ }
    const recorded: Recorded = {
      method: req.method,
      path: new URL(req.url).pathname,
      headers: Object.fromEntries(req.headers),
      body,
    };
    requests.push(recorded);
    return await handler(recorded);
  });
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => server.shutdown(),
  };
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
}

/** The reply the fake LLM gives to a user message. */
export function fakeReply(userMessage: string): string {
  return `Hello! You said: ${userMessage}`;
}

/**
 * A fake LLM provider: Ollama's POST /api/chat and the OpenAI-compatible
 * POST /v1/chat/completions (streaming or not), answering fakeReply(last user message).
 */
export function startFakeLlm(): ScriptedModel {
  return startScriptedModel((messages) => ({ text: fakeReply(lastUser(messages)) }));
}

/** A loopback port with nothing listening on it. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
