// gRPC status codes (grpc/doc/statuscodes.md) and the error a call rejects with.

export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The trailer of a refused Apply: a Diagnostics message (proto/stigmer/v1/resource.proto). */
export const DIAGNOSTICS_TRAILER = "stigmer-diagnostics-bin";

export const STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Status).map(([name, code]) => [code, name]),
);

export interface GrpcErrorOptions {
  cause?: unknown;
  /** Binary metadata sent with the status (names end in "-bin"). */
  metadata?: Record<string, Uint8Array>;
}

export class GrpcError extends Error {
  readonly metadata: Record<string, Uint8Array>;
  constructor(readonly code: number, readonly details: string, options: GrpcErrorOptions = {}) {
    super(details || STATUS_NAMES[code] || `gRPC status ${code}`, { cause: options.cause });
    this.name = "GrpcError";
    this.metadata = options.metadata ?? {};
  }
}
