// The local daemon's authenticator: one shared secret (daemon.token) that only
// the user can read, presented by every CLI call. A stranger on the port
// cannot use or impersonate the daemon.
import { GrpcError, Status } from "../rpc/status.ts";
import type { Principal } from "./grpc_adapter.ts";

const encoder = new TextEncoder();

/** Compares without leaking, through timing, how much of a guess was right. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a), y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}

export function localAuthenticator(
  secret: string,
): (authorization: string | undefined) => Principal {
  const principal: Principal = { name: "local", orgs: ["local"] };
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) {
      throw new GrpcError(
        Status.UNAUTHENTICATED,
        "missing token: this daemon only serves its own CLI",
      );
    }
    if (!constantTimeEqual(token, secret)) {
      throw new GrpcError(
        Status.UNAUTHENTICATED,
        "wrong token: this daemon only serves its own CLI",
      );
    }
    return principal;
  };
}

export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
