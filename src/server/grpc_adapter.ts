// Turns ts-proto's plain service descriptors into grpc-js services, wrapping
// every handler with authentication, activity tracking and error mapping, so
// services only hold their own logic.
import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition, ServiceDefinition } from "../client/grpc_fetch.ts";
import { GrpcError, Status } from "../rpc/status.ts";
import { InvalidInputError, NotFoundError } from "../store/errors.ts";
import { UsageError, ValidationError } from "../errors.ts";

export interface CallContext {
  /** What the authenticator made of the caller (e.g. the orgs its token may use). */
  principal: Principal;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export interface Principal {
  name: string;
  /** Organizations this caller may read and write; "*" for all. */
  orgs: readonly string[];
}

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res> | Res;
export type StreamHandler<Req, Res> = (
  request: Req,
  ctx: CallContext,
  send: (message: Res) => Promise<void>,
) => Promise<void>;

type Req<M> = M extends { requestType: { decode(...a: never[]): infer T } } ? T : never;
type Res<M> = M extends { responseType: { decode(...a: never[]): infer T } } ? T : never;

export type Handlers<S extends ServiceDefinition> = {
  [K in keyof S["methods"]]: S["methods"][K]["responseStream"] extends true
    ? StreamHandler<Req<S["methods"][K]>, Res<S["methods"][K]>>
    : UnaryHandler<Req<S["methods"][K]>, Res<S["methods"][K]>>;
};

export interface ServerHooks {
  /** Throws a GrpcError (UNAUTHENTICATED…) to refuse the call. */
  authenticate(authorization: string | undefined, method: string): Principal;
  callStarted(method: string): void;
  callEnded(method: string): void;
  logError(method: string, err: unknown): void;
}

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof GrpcError) return { code: err.code, details: err.details };
  const details = err instanceof Error ? err.message : String(err);
  if (err instanceof NotFoundError) return { code: Status.NOT_FOUND, details };
  if (
    err instanceof InvalidInputError || err instanceof ValidationError || err instanceof UsageError
  ) {
    return { code: Status.INVALID_ARGUMENT, details };
  }
  return { code: Status.INTERNAL, details };
}

/** Errors the caller caused are answered, not logged as the server's faults. */
function isCallerError(err: unknown): boolean {
  return err instanceof GrpcError || err instanceof NotFoundError ||
    err instanceof InvalidInputError || err instanceof ValidationError || err instanceof UsageError;
}

function definitionFor(service: ServiceDefinition, method: MethodDefinition) {
  return {
    path: `/${service.fullName}/${method.name}`,
    requestStream: false,
    responseStream: method.responseStream,
    requestSerialize: (m: unknown) => Buffer.from(method.requestType.encode(m).finish()),
    requestDeserialize: (b: Buffer) => method.requestType.decode(b),
    responseSerialize: (m: unknown) => Buffer.from(method.responseType.encode(m).finish()),
    responseDeserialize: (b: Buffer) => method.responseType.decode(b),
    originalName: method.name,
  };
}

export function addService<S extends ServiceDefinition>(
  server: grpc.Server,
  service: S,
  handlers: Handlers<S>,
  hooks: ServerHooks,
): void {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(service.methods)) {
    const name = `${service.fullName}/${method.name}`;
    definition[key] = definitionFor(service, method);
    const handler = (handlers as Record<string, unknown>)[key] as (...args: unknown[]) => unknown;
    const context = (
      call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
    ) => {
      // The cancel listener goes on before anything can throw: calls refused
      // without one have crashed Deno 2.9.6's HTTP/2 layer (tests/daemon/auth.test.ts).
      const abort = new AbortController();
      (call as unknown as { on(event: string, f: () => void): void }).on(
        "cancelled",
        () => abort.abort(),
      );
      const authorization = call.metadata.get("authorization")[0]?.toString();
      const principal = hooks.authenticate(authorization, name);
      // Only an authenticated call is activity: a stranger cannot keep the daemon awake.
      hooks.callStarted(name);
      return { principal, signal: abort.signal };
    };
    if (method.responseStream) {
      implementation[key] = async (call: grpc.ServerWritableStream<unknown, unknown>) => {
        let ctx: CallContext | undefined;
        try {
          ctx = context(call);
          await handler(call.request, ctx, (message: unknown) =>
            new Promise<void>((resolve) => {
              // Respect back-pressure: wait for the drain when the buffer is full.
              if (call.write(message)) resolve();
              else call.once("drain", () => resolve());
            }));
          call.end();
        } catch (err) {
          if (!isCallerError(err)) hooks.logError(name, err);
          // emit("error"), not destroy(): grpc-js sends the status from _final, which a
          // destroyed stream never reaches (the client would wait forever).
          call.emit(
            "error",
            Object.assign(new Error(toServiceError(err).details), toServiceError(err)),
          );
        } finally {
          if (ctx) hooks.callEnded(name);
        }
      };
    } else {
      implementation[key] = async (
        call: grpc.ServerUnaryCall<unknown, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        let ctx: CallContext | undefined;
        try {
          ctx = context(call);
          callback(null, await handler(call.request, ctx));
        } catch (err) {
          if (!isCallerError(err)) hooks.logError(name, err);
          callback(toServiceError(err), null);
        } finally {
          if (ctx) hooks.callEnded(name);
        }
      };
    }
  }
  server.addService(definition as grpc.ServiceDefinition, implementation);
}
