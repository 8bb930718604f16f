// A small gRPC client on Deno's own fetch (HTTP/2, prior knowledge for
// plaintext, ALPN for TLS). It loads no Node layer and no grpc-js, which keeps
// every CLI command near the bare `deno run` floor (see BENCHMARKS.md).
//
// fetch hides HTTP trailers, so: errors that a server sends before any message
// arrive as "trailers-only" responses whose grpc-status is in the headers (this
// is what grpc-js does for every failing unary call); a unary call that ends
// with exactly one message succeeded; streams are finished by our own services
// with a terminal message, so a stream cut short is noticed by the caller.
import type { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { GrpcError, Status } from "../rpc/status.ts";

export interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: never): T;
}

export interface MethodDefinition {
  name: string;
  requestType: MessageType<unknown>;
  responseType: MessageType<unknown>;
  requestStream: boolean;
  responseStream: boolean;
}

export interface ServiceDefinition {
  fullName: string;
  methods: Record<string, MethodDefinition>;
}

export interface ChannelOptions {
  /** "host:port" (plaintext) or an http:// or https:// URL. */
  endpoint: string;
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** PEM CA certificates to trust in addition to the system's. */
  caCerts?: string[];
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class Channel {
  readonly baseUrl: string;
  readonly #client: Deno.HttpClient;
  readonly #headers: Record<string, string>;

  constructor(options: ChannelOptions) {
    this.baseUrl = /^https?:\/\//.test(options.endpoint)
      ? options.endpoint.replace(/\/+$/, "")
      : `http://${options.endpoint}`;
    const tls = this.baseUrl.startsWith("https://");
    this.#client = Deno.createHttpClient({
      // Plaintext gRPC needs HTTP/2 with prior knowledge; TLS negotiates it.
      http1: false,
      http2: true,
      ...(tls && options.caCerts ? { caCerts: options.caCerts } : {}),
    });
    this.#headers = {
      "content-type": "application/grpc+proto",
      "te": "trailers",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
  }

  close(): void {
    this.#client.close();
  }

  async #post(
    service: ServiceDefinition,
    method: MethodDefinition,
    request: unknown,
    options: CallOptions,
  ) {
    const message = method.requestType.encode(method.requestType.fromPartial(request as never))
      .finish();
    const body = new Uint8Array(5 + message.length);
    new DataView(body.buffer).setUint32(1, message.length);
    body.set(message, 5);
    const signals = [
      options.signal,
      options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
    ]
      .filter((s): s is AbortSignal => s !== undefined);
    const headers = options.timeoutMs
      ? { ...this.#headers, "grpc-timeout": `${Math.ceil(options.timeoutMs)}m` }
      : this.#headers;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/${service.fullName}/${method.name}`, {
        method: "POST",
        headers,
        body,
        client: this.#client,
        signal: signals.length === 0 ? undefined : AbortSignal.any(signals),
      });
    } catch (err) {
      throw transportError(err, this.baseUrl);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new GrpcError(
        httpToGrpc(response.status),
        `HTTP ${response.status} from ${this.baseUrl}`,
      );
    }
    const status = response.headers.get("grpc-status");
    if (status !== null && status !== "0") {
      await response.body?.cancel();
      const details = decodeURIComponent(response.headers.get("grpc-message") ?? "");
      throw new GrpcError(Number(status), details);
    }
    if (!(response.headers.get("content-type") ?? "").startsWith("application/grpc")) {
      await response.body?.cancel();
      throw new GrpcError(Status.UNKNOWN, `${this.baseUrl} does not speak gRPC`);
    }
    return response;
  }

  async unary<Res>(
    service: ServiceDefinition,
    method: MethodDefinition,
    request: unknown,
    options: CallOptions = {},
  ): Promise<Res> {
    const response = await this.#post(service, method, request, options);
    let messages: Uint8Array[];
    try {
      messages = splitFrames(new Uint8Array(await response.arrayBuffer()));
    } catch (err) {
      throw transportError(err, this.baseUrl);
    }
    if (messages.length !== 1) {
      throw new GrpcError(Status.INTERNAL, `expected one response message, got ${messages.length}`);
    }
    return method.responseType.decode(messages[0]) as Res;
  }

  async *serverStream<Res>(
    service: ServiceDefinition,
    method: MethodDefinition,
    request: unknown,
    options: CallOptions = {},
  ): AsyncGenerator<Res> {
    const response = await this.#post(service, method, request, options);
    const reader = response.body!.getReader();
    let buffer: Uint8Array = new Uint8Array(0);
    try {
      while (true) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          throw transportError(err, this.baseUrl);
        }
        if (chunk.done) break;
        buffer = concat(buffer, chunk.value);
        while (buffer.length >= 5) {
          const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
          if (buffer.length < 5 + length) break;
          yield method.responseType.decode(buffer.subarray(5, 5 + length)) as Res;
          buffer = buffer.slice(5 + length);
        }
      }
    } finally {
      reader.releaseLock();
      await response.body?.cancel().catch(() => {});
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function splitFrames(data: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (offset < data.length) {
    if (data[offset] !== 0) {
      throw new GrpcError(Status.INTERNAL, "compressed messages are not supported");
    }
    const length = view.getUint32(offset + 1);
    frames.push(data.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  return frames;
}

function httpToGrpc(status: number): number {
  if (status === 401) return Status.UNAUTHENTICATED;
  if (status === 403) return Status.PERMISSION_DENIED;
  if (status === 404) return Status.UNIMPLEMENTED;
  if ([429, 502, 503, 504].includes(status)) return Status.UNAVAILABLE;
  return Status.UNKNOWN;
}

function transportError(err: unknown, baseUrl: string): GrpcError {
  if (err instanceof GrpcError) return err;
  if (err instanceof DOMException && err.name === "TimeoutError") {
    return new GrpcError(Status.DEADLINE_EXCEEDED, `no answer from ${baseUrl} in time`, {
      cause: err,
    });
  }
  if (err instanceof DOMException && err.name === "AbortError") {
    return new GrpcError(Status.CANCELLED, "cancelled", { cause: err });
  }
  const text = String((err as Error)?.cause ?? err);
  return new GrpcError(
    Status.UNAVAILABLE,
    `cannot reach ${baseUrl}: ${text.replace(/^.*?Error: /, "")}`,
    {
      cause: err,
    },
  );
}

/** A typed client: one method per RPC, unary as promises, streams as async iterables. */
// deno-lint-ignore no-explicit-any
type Req<M> = M extends { requestType: MessageType<infer T> } ? Partial<T> | any : never;
type Res<M> = M extends { responseType: MessageType<infer T> } ? T : never;
export type Client<S extends ServiceDefinition> = {
  [K in keyof S["methods"]]: S["methods"][K]["responseStream"] extends true
    ? (request: Req<S["methods"][K]>, options?: CallOptions) => AsyncGenerator<Res<S["methods"][K]>>
    : (request: Req<S["methods"][K]>, options?: CallOptions) => Promise<Res<S["methods"][K]>>;
};

export function makeClient<S extends ServiceDefinition>(channel: Channel, service: S): Client<S> {
  const client: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    client[key] = method.responseStream
      ? (request: unknown, options?: CallOptions) =>
        channel.serverStream(service, method, request, options)
      : (request: unknown, options?: CallOptions) =>
        channel.unary(service, method, request, options);
  }
  return client as Client<S>;
}
