// An MCP stdio transport that owns a whole process group. Hand-written with a
// measured reason: the official SDK's and the AI SDK's stdio transports signal
// only their direct child, and under `npx` the tree is npm exec → sh → node, so
// the server itself was left running. Here the server starts detached (a new
// session: its process group id is its pid) and close() signals -pgid.
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { MCP_INHERITED_ENV } from "../rpc/mcp_inherited_env.ts";

export interface StdioServerParams {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface ProcessHooks {
  /** Called once the process runs, with its pid (= its process group id). */
  started?(pid: number): void | Promise<void>;
  /** Called once the whole group was stopped. */
  stopped?(pid: number): void | Promise<void>;
}

const STDERR_KEPT = 4000;
const STOP_GRACE_MS = 2000;

function killGroup(pgid: number, signal: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, signal);
    return true;
  } catch {
    return false; // the group is gone
  }
}

export class GroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  #child?: Deno.ChildProcess;
  #writer?: WritableStreamDefaultWriter<Uint8Array>;
  #stderr = "";
  #closed = false;
  #exit?: Promise<Deno.CommandStatus>;
  readonly #encoder = new TextEncoder();

  constructor(readonly params: StdioServerParams, private readonly hooks: ProcessHooks = {}) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The last lines the server wrote on stderr (to explain a failure). */
  get stderr(): string {
    return this.#stderr.trim();
  }

  async start(): Promise<void> {
    const env: Record<string, string> = {};
    for (const name of MCP_INHERITED_ENV) {
      const value = Deno.env.get(name);
      if (value !== undefined && !value.startsWith("()")) env[name] = value;
    }
    const command = new Deno.Command(this.params.command, {
      args: this.params.args ?? [],
      env: { ...env, ...this.params.env },
      clearEnv: true,
      cwd: this.params.cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    });
    this.#child = command.spawn(); // throws NotFound for an unknown command
    const pid = this.#child.pid;
    await this.hooks.started?.(pid);
    this.#writer = this.#child.stdin.getWriter();
    this.#exit = this.#child.status;
    void this.#readStdout(this.#child.stdout);
    void this.#readStderr(this.#child.stderr);
    void this.#exit.then((status) => {
      if (!this.#closed) {
        const why = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
        this.onerror?.(
          new Error(`the MCP server exited (${why})${this.stderr ? `: ${this.stderr}` : ""}`),
        );
        void this.close();
      }
    });
  }

  async #readStdout(stream: ReadableStream<Uint8Array>) {
    let buffer = "";
    try {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        buffer += text;
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          if (!line.trim()) continue;
          let message: JSONRPCMessage;
          try {
            message = deserializeMessage(line);
          } catch (err) {
            this.onerror?.(
              new Error(
                `the MCP server wrote something that is not JSON-RPC: ${line.slice(0, 200)}`,
                {
                  cause: err,
                },
              ),
            );
            continue;
          }
          this.onmessage?.(message);
        }
      }
    } catch { /* the process is gone */ }
  }

  async #readStderr(stream: ReadableStream<Uint8Array>) {
    try {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        this.#stderr = (this.#stderr + text).slice(-STDERR_KEPT);
      }
    } catch { /* the process is gone */ }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#writer || this.#closed) throw new Error("the MCP server is not running");
    await this.#writer.write(this.#encoder.encode(serializeMessage(message)));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pid = this.#child?.pid;
    try {
      await this.#writer?.close();
    } catch { /* already closed */ }
    if (pid !== undefined) {
      // The whole group, not only the direct child: npx's children are the server.
      killGroup(pid, "SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        this.#exit!.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS))),
      ]);
      clearTimeout(timer);
      // The direct child may be gone while the rest of its group lives on.
      if (exited) await new Promise((resolve) => setTimeout(resolve, 150));
      killGroup(pid, "SIGKILL");
      await this.#exit?.catch(() => {});
      await this.hooks.stopped?.(pid);
    }
    this.onclose?.();
  }
}
