// One MCP server for one execution, through the official MCP client: stdio
// (our process-group transport) or streamable HTTP. Its tools, filtered by
// enabledTools, each callable with a timeout and a cancel signal; a failure
// (a server that cannot start, answers garbage or dies mid-call) is a failed
// tool call with a message, never a hang.
import { GroupStdioTransport, type StdioServerParams } from "./stdio_transport.ts";
import type { McpProcessRecord } from "./process_record.ts";

export interface McpServerConfig {
  name: string;
  stdio?: StdioServerParams;
  http?: { url: string; headers?: Record<string, string> };
  enabledTools?: string[];
}

export interface ToolOutcome {
  ok: boolean;
  text: string;
}

export interface McpTool {
  server: string;
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  call(args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<ToolOutcome>;
}

export interface McpConnection {
  name: string;
  tools: McpTool[];
  /** Any MCP method (for `call: mcp`). */
  request(
    method: string,
    params: unknown,
    signal: AbortSignal,
    timeoutMs: number,
    schema: unknown,
  ): Promise<unknown>;
  close(): Promise<void>;
}

export class McpStartError extends Error {}

interface ListedTool {
  name: string;
  description?: string;
  inputSchema: unknown;
}

interface SdkClient {
  request(
    request: { method: string; params?: unknown },
    schema: unknown,
    options: { signal: AbortSignal; timeout: number },
  ): Promise<unknown>;
  onerror?: (err: unknown) => void;
  connect(transport: unknown, options: { signal: AbortSignal; timeout: number }): Promise<void>;
  listTools(
    params: undefined,
    options: { signal: AbortSignal },
  ): Promise<{ tools: ListedTool[] }>;
  callTool(
    params: { name: string; arguments: Record<string, unknown> },
    schema: undefined,
    options: { signal: AbortSignal; timeout: number },
  ): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000; // `npx -y` may download the server first

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The text the model reads from a tool's result. */
export function resultText(result: Record<string, unknown>): string {
  const content = result.content as { type: string; text?: string }[] | undefined;
  if (Array.isArray(content) && content.length > 0) {
    return content.map((part) => part.type === "text" ? part.text ?? "" : JSON.stringify(part))
      .join("\n");
  }
  if (result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  if (result.toolResult !== undefined) return JSON.stringify(result.toolResult);
  return "";
}

export async function connectMcpServer(
  config: McpServerConfig,
  options: {
    record?: McpProcessRecord;
    signal: AbortSignal;
    startTimeoutMs?: number;
    /** Do not ask for the tools (a `call: mcp` of another method). */
    noTools?: boolean;
  },
): Promise<McpConnection> {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  // The SDK's subpath types do not resolve under Deno's npm mapping: typed here.
  const client: SdkClient = new Client({ name: "stigmer", version: "1" });
  let lastError: string | undefined;
  client.onerror = (err: unknown) => (lastError = describe(err));
  let stdio: GroupStdioTransport | undefined;
  try {
    if (config.stdio) {
      const record = options.record;
      stdio = new GroupStdioTransport(config.stdio, {
        started: (pid) => record?.added(pid, config.stdio!.command),
        stopped: (pid) => record?.removed(pid),
      });
      await client.connect(stdio, {
        signal: options.signal,
        timeout: options.startTimeoutMs ?? START_TIMEOUT_MS,
      });
    } else if (config.http) {
      const { StreamableHTTPClientTransport } = await import(
        "@modelcontextprotocol/sdk/client/streamableHttp.js"
      );
      await client.connect(
        new StreamableHTTPClientTransport(new URL(config.http.url), {
          requestInit: { headers: config.http.headers ?? {} },
        }),
        { signal: options.signal, timeout: options.startTimeoutMs ?? START_TIMEOUT_MS },
      );
    } else {
      throw new Error("needs stdio {command, args} or http {url}");
    }
  } catch (err) {
    await client.close().catch(() => {});
    if (options.signal.aborted) throw options.signal.reason;
    const what = config.stdio
      ? `${config.stdio.command} ${(config.stdio.args ?? []).join(" ")}`.trim()
      : config.http?.url;
    const reason = err instanceof Deno.errors.NotFound
      ? `command "${config.stdio?.command}" not found`
      : describe(err);
    const stderr = stdio?.stderr ? `; its stderr: ${stdio.stderr.slice(-500)}` : "";
    throw new McpStartError(
      `MCP server "${config.name}" (${what}) did not start: ${reason}${stderr}`,
    );
  }

  const listed = options.noTools ? { tools: [] } : await client.listTools(undefined, {
    signal: options.signal,
  }).catch(
    async (err: unknown) => {
      await client.close().catch(() => {});
      throw new McpStartError(
        `MCP server "${config.name}" did not list its tools: ${describe(err)}`,
      );
    },
  );
  const enabled = config.enabledTools ? new Set(config.enabledTools) : undefined;
  const tools: McpTool[] = listed.tools
    .filter((t: ListedTool) => !enabled || enabled.has(t.name))
    .map((t: ListedTool): McpTool => ({
      server: config.name,
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema as Record<string, unknown>,
      async call(args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number) {
        try {
          const result = await client.callTool({ name: t.name, arguments: args }, undefined, {
            signal,
            timeout: timeoutMs,
          });
          const text = resultText(result);
          return { ok: result.isError !== true, text };
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          const stderr = stdio?.stderr ? ` (its stderr: ${stdio.stderr.slice(-300)})` : "";
          const detail = lastError && !describe(err).includes(lastError) ? `; ${lastError}` : "";
          return {
            ok: false,
            text: `the MCP server "${config.name}" failed: ${describe(err)}${detail}${stderr}`,
          };
        }
      },
    }));
  return {
    name: config.name,
    tools,
    request: (method, params, signal, timeoutMs, schema) =>
      client.request(
        { method, ...(params === undefined ? {} : { params }) },
        schema,
        { signal, timeout: timeoutMs },
      ),
    close: async () => {
      await client.close().catch(() => {});
    },
  };
}

/**
 * `call: mcp` in a workflow: one MCP method on a server started (or reached)
 * for this call only; the JSON-RPC result.
 */
export async function callMcpMethod(
  config: McpServerConfig,
  method: string,
  params: unknown,
  options: { record?: McpProcessRecord; signal: AbortSignal; timeoutMs: number },
): Promise<unknown> {
  const { ResultSchema } = await import("@modelcontextprotocol/sdk/types.js");
  const connection = await connectMcpServer(config, { ...options, noTools: true });
  try {
    return await connection.request(
      method,
      params,
      options.signal,
      options.timeoutMs,
      ResultSchema,
    );
  } finally {
    await connection.close();
  }
}
