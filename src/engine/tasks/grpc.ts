// `call: grpc`: one unary call of `method` on `service` (package.Service) at host:port,
// the message types read from `proto` (a .proto file fetched from an http(s) URL through
// the run's fetch, or read from a file:// URL), `arguments` as the request (expressions
// evaluated); the output is the reply as JSON (longs and enums as strings). Plaintext
// unless the port is 443 (TLS). A failed call is a communication error with the gRPC status.
import { workflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import { raceAbort } from "../signals.ts";
import type { TaskCall, TaskKind } from "../task.ts";

interface PreparedGrpc {
  proto: Template;
  service: Template;
  method: string;
  arguments?: Template;
}

const FIELDS = ["proto", "service", "method", "arguments", "authentication"];

export const grpcTask: TaskKind<PreparedGrpc> = {
  prepare(definition, at) {
    const args = (definition.with ?? {}) as Record<string, unknown>;
    for (const field of Object.keys(args)) {
      if (!FIELDS.includes(field)) {
        at.problem(`unknown gRPC call argument "${field}"`, `with/${field}`);
      }
    }
    if (args.authentication !== undefined) {
      at.problem("authentication of gRPC calls is not run yet", "with/authentication");
    }
    const endpoint = (args.proto as { endpoint?: unknown } | undefined)?.endpoint;
    const uri = typeof endpoint === "string" ? endpoint : (endpoint as { uri?: unknown })?.uri;
    if (typeof uri !== "string") {
      at.problem("needs proto.endpoint: the URI of the .proto file", "with/proto");
    }
    const service = args.service as { name?: unknown; host?: unknown } | undefined;
    if (typeof service?.name !== "string" || typeof service?.host !== "string") {
      at.problem("needs service {name, host, port?}", "with/service");
    }
    if (typeof args.method !== "string") at.problem("needs the method to call", "with/method");
    return {
      proto: at.template(uri ?? ""),
      service: at.template(service ?? {}),
      method: String(args.method),
      arguments: args.arguments === undefined ? undefined : at.template(args.arguments),
    };
  },

  async run(prepared, call) {
    const protoUri = String(evaluate(prepared.proto, call.input, call.vars));
    const service = evaluate(prepared.service, call.input, call.vars) as {
      name: string;
      host: string;
      port?: number;
    };
    const request = prepared.arguments ? evaluate(prepared.arguments, call.input, call.vars) : {};
    const protobuf = (await import("protobufjs")).default;
    const root = protobuf.parse(await readProto(protoUri, call)).root;
    let method;
    try {
      const svc = root.lookupService(service.name);
      method = svc.methods[prepared.method];
    } catch { /* reported below */ }
    if (!method) {
      throw workflowError(
        "configuration",
        `${protoUri} has no method ${prepared.method} in a service ${service.name}`,
        { title: "gRPC method not found" },
      );
    }
    if (method.requestStream || method.responseStream) {
      throw workflowError(
        "configuration",
        `${service.name}.${prepared.method} streams: only unary calls are run`,
      );
    }
    method.resolve();
    const requestType = method.resolvedRequestType!;
    const responseType = method.resolvedResponseType!;
    const problem = requestType.verify(request as Record<string, unknown>);
    if (problem) throw workflowError("validation", `gRPC arguments: ${problem}`);

    const grpc = await import("@grpc/grpc-js");
    const { Buffer } = await import("node:buffer"); // loaded here: node: modules are not free
    const port = service.port ?? 443;
    const credentials = port === 443
      ? grpc.credentials.createSsl()
      : grpc.credentials.createInsecure();
    const client = new grpc.Client(`${service.host}:${port}`, credentials);
    const target = `${service.name}/${prepared.method} at ${service.host}:${port}`;
    try {
      const reply = await raceAbort(
        new Promise<unknown>((resolve, reject) => {
          const pending = client.makeUnaryRequest(
            `/${service.name}/${prepared.method}`,
            (value: unknown) =>
              Buffer.from(requestType.encode(requestType.fromObject(value as object)).finish()),
            (bytes: Uint8Array) =>
              responseType.toObject(responseType.decode(bytes), {
                longs: String,
                enums: String,
                bytes: String,
                defaults: true,
              }),
            request,
            (error: { code?: number; details?: string; message: string } | null, value?: unknown) =>
              error ? reject(error) : resolve(value),
          );
          call.signal.addEventListener("abort", () => pending.cancel(), { once: true });
        }),
        call.signal,
      );
      return { output: reply };
    } catch (error) {
      if (call.signal.aborted) throw call.signal.reason;
      const e = error as { code?: number; details?: string; message: string };
      throw workflowError("communication", `${target} failed: ${e.details || e.message}`, {
        title: "gRPC call failed",
        status: grpcToHttp(e.code),
        cause: error,
      });
    } finally {
      client.close();
    }
  },
};

async function readProto(uri: string, call: TaskCall): Promise<string> {
  try {
    if (uri.startsWith("file:")) return await Deno.readTextFile(new URL(uri));
    const response = await raceAbort(call.run.fetch(uri, { signal: call.signal }), call.signal);
    const text = await raceAbort(response.text(), call.signal);
    if (!response.ok) throw new Error(`it answered ${response.status}`);
    return text;
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason;
    throw workflowError(
      "communication",
      `reading the proto file ${uri} failed: ${(error as Error).message}`,
    );
  }
}

/** The HTTP status closest to a gRPC status code (for `status` in the error). */
function grpcToHttp(code: number | undefined): number {
  const map: Record<number, number> = {
    1: 499,
    2: 500,
    3: 400,
    4: 504,
    5: 404,
    6: 409,
    7: 403,
    8: 429,
    9: 400,
    10: 409,
    11: 400,
    12: 501,
    13: 500,
    14: 503,
    15: 500,
    16: 401,
  };
  return map[code ?? 2] ?? 500;
}
