// `call: mcp` (DSL 1.0.3): one MCP method on a server reached over stdio or
// streamable HTTP, through the caller's hook (the backend's MCP client). The
// output is the JSON-RPC result; a failure is a runtime error.
import { WorkflowError, workflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import { raceAbort } from "../signals.ts";
import type { TaskKind } from "../task.ts";
import type { McpTransportSpec } from "../types.ts";

export const MCP_METHODS = [
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/read",
  "resources/templates/list",
];
const FIELDS = ["protocolVersion", "method", "parameters", "timeout", "transport", "client"];

export const mcpTask: TaskKind<Template> = {
  prepare(definition, at) {
    const args = definition.with as Record<string, unknown> | undefined;
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      at.problem("needs `with: {method, parameters?, transport: {stdio | http}}`", "with");
      return at.template(null);
    }
    for (const field of Object.keys(args)) {
      if (!FIELDS.includes(field)) {
        at.problem(
          `unknown MCP call argument "${field}" (use ${FIELDS.join(", ")})`,
          `with/${field}`,
        );
      }
    }
    if (typeof args.method !== "string" || !MCP_METHODS.includes(args.method)) {
      at.problem(`method must be one of ${MCP_METHODS.join(", ")}`, "with/method");
    }
    const transport = args.transport as Record<string, unknown> | undefined;
    const stdio = transport?.stdio as Record<string, unknown> | undefined;
    const http = transport?.http as Record<string, unknown> | undefined;
    if (!transport || typeof transport !== "object" || (!stdio === !http)) {
      at.problem(
        "needs transport with either stdio {command, arguments} or http {endpoint}",
        "with/transport",
      );
    } else if (stdio && typeof stdio.command !== "string") {
      at.problem("needs the command that starts the server", "with/transport/stdio/command");
    } else if (http && typeof http.endpoint !== "string") {
      at.problem("needs the server's endpoint URL", "with/transport/http/endpoint");
    }
    return at.template({ method: args.method, parameters: args.parameters ?? {}, transport });
  },

  async run(template, call) {
    const { method, parameters, transport } = evaluate(template, call.input, call.vars) as {
      method: string;
      parameters: unknown;
      transport: McpTransportSpec;
    };
    const signal = call.signal;
    const callMcp = call.run.hooks.callMcp;
    if (!callMcp) throw workflowError("runtime", "this backend cannot call MCP servers");
    try {
      const result = await raceAbort(
        callMcp({ method, parameters, transport, signal, task: call.task.path }),
        signal,
      );
      return { output: result };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof WorkflowError) throw error;
      throw workflowError(
        "runtime",
        `MCP ${method} failed: ${(error as Error)?.message ?? error}`,
        {
          title: "MCP call failed",
          cause: error,
        },
      );
    }
  },
};
