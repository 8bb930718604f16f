// The local daemon's authenticator: one shared secret (daemon.token) that only
// the user can read, presented by every CLI call. A stranger on the port
// cannot use or impersonate the daemon.
// Server side only (the daemon and `server run` already run on the Node layer
// for gRPC), so node:crypto is fine here; the CLI never imports this module.
import { createHash, timingSafeEqual } from "node:crypto";
import { GrpcError, Status } from "../rpc/status.ts";
import type { Principal } from "./grpc_adapter.ts";

/**
 * Compares without leaking, through timing, how much of a guess was right, or
 * its length: both sides are hashed to 32 bytes, then compared in constant time.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}

export function localAuthenticator(
  secret: string,
): (authorization: string | undefined) => Principal {
  const principal: Principal = { name: "local", orgs: ["local"], admin: true };
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
