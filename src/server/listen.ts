// Binding a grpc-js server, with the failure reasons people need to act on.
import * as grpc from "@grpc/grpc-js";
import type * as http2 from "node:http2";
import type * as net from "node:net";
import { MAX_MESSAGE_BYTES } from "../model/limits.ts";

export class AddressInUseError extends Error {}

/**
 * Streams one connection may open before the server asks the client to move
 * to a new one. Deno 2.9.6's HTTP/2 layer (nghttp2) aborts the whole process
 * (`find_stream_on_goaway_func: Assertion 'stream->closed_next == NULL'`) when
 * a client sends GOAWAY on a connection that has carried more than about 90
 * streams at once or a few hundred in all; no stream cap prevents it (tests/
 * daemon/load.test.ts). A GOAWAY the server sends itself is safe, so past this
 * budget the server drains the connection: streams in flight finish, new
 * calls go to a new connection (fetch and grpc-js clients reconnect), and the
 * server closes it once idle. The CLI makes a handful of calls per connection.
 */
export const STREAMS_PER_CONNECTION = 64;

/** The last stream id "all of them": the first, gentle phase of a GOAWAY (RFC 9113 §6.8). */
const MAX_STREAM_ID = 2 ** 31 - 1;

function drainBusyConnections(session: http2.ServerHttp2Session): void {
  let opened = 0, active = 0, draining = false;
  session.on("stream", (stream) => {
    active++;
    stream.on("close", () => {
      active--;
      if (draining && active === 0 && !session.closed) session.close();
    });
    if (++opened === STREAMS_PER_CONNECTION) {
      draining = true;
      try {
        session.goaway(0, MAX_STREAM_ID);
      } catch { /* already closing */ }
    }
  });
}

/** A connection and the streams it has open, for closing the idle ones at shutdown. */
interface Connection {
  session: http2.ServerHttp2Session;
  active: number;
}

const connectionsOf = new WeakMap<grpc.Server, Set<Connection>>();
/** The raw sockets under the sessions, by remote address: a session hides its own. */
const socketsOf = new WeakMap<grpc.Server, Map<string, net.Socket>>();

function socketKey(socket: { remoteAddress?: string; remotePort?: number }): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

function track(server: grpc.Server, h2: http2.Http2Server): void {
  const connections = connectionsOf.get(server) ?? new Set<Connection>();
  const sockets = socketsOf.get(server) ?? new Map<string, net.Socket>();
  connectionsOf.set(server, connections);
  socketsOf.set(server, sockets);
  h2.on("connection", (socket: net.Socket) => {
    const key = socketKey(socket);
    sockets.set(key, socket);
    socket.on("close", () => sockets.delete(key));
  });
  h2.on("session", (session: http2.ServerHttp2Session) => {
    const connection: Connection = { session, active: 0 };
    connections.add(connection);
    let peerLeaving = false;
    const disconnect = () => {
      try {
        sockets.get(socketKey(session.socket))?.destroy();
      } catch { /* already gone */ }
    };
    session.on("stream", (stream) => {
      connection.active++;
      stream.on("close", () => {
        if (--connection.active === 0 && peerLeaving) disconnect();
      });
    });
    // A client's GOAWAY makes node:http2 answer with a GOAWAY of its own (session.close());
    // in Deno 2.9.6 that answer aborts the process now and then (find_stream_on_goaway_func,
    // denoland/deno#36788): about one daemon in ten after a few refused calls, even when the
    // answer was deferred. The client opens no new stream after its GOAWAY, so none is needed:
    // its calls in flight finish, then the connection is simply disconnected.
    session.on("goaway", () => {
      peerLeaving = true;
      session.close = (callback?: () => void) => {
        if (callback) session.once("close", callback);
      };
      if (connection.active === 0) disconnect();
    });
    session.on("close", () => connections.delete(connection));
  });
}

/**
 * Closes the connections with no call in flight by closing their sockets,
 * without the GOAWAY a graceful shutdown sends: in Deno 2.9.6 a GOAWAY on a
 * long-idle connection aborts HTTP/2 clients such as grpc-js inside nghttp2
 * (denoland/deno#36788), while a closed socket is a plain disconnection that
 * every client reconnects from. Busy connections still get the graceful way.
 */
function closeIdleConnections(server: grpc.Server): void {
  const sockets = socketsOf.get(server);
  for (const { session, active } of connectionsOf.get(server) ?? []) {
    if (active > 0 || session.closed || session.destroyed) continue;
    try {
      sockets?.get(socketKey(session.socket))?.destroy();
    } catch { /* already gone */ }
  }
}

/** grpc-js keeps its HTTP/2 servers private; the version is pinned in deno.json. */
function http2ServersOf(server: grpc.Server): http2.Http2Server[] {
  const servers = (server as unknown as { http2Servers?: Map<http2.Http2Server, unknown> })
    .http2Servers;
  return servers ? [...servers.keys()] : [];
}

function netPermission(address: string): "granted" | "denied" | "unknown" {
  try {
    return Deno.permissions.querySync({ name: "net", host: address }).state === "granted"
      ? "granted"
      : "denied";
  } catch {
    return "unknown"; // a form Deno cannot parse (a bare IPv6 address): grpc-js will say more
  }
}

/** Binds and returns the port (useful when asked for port 0). */
export function bind(
  server: grpc.Server,
  address: string,
  credentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  // Without the permission, Node's listen throws from a later tick, outside bindAsync's callback,
  // and the bind would never settle: ask first, and fail with what the CLI explains.
  if (netPermission(address) === "denied") {
    return Promise.reject(
      new Deno.errors.NotCapable(
        `Requires net access to "${address}", run again with the --allow-net flag`,
      ),
    );
  }
  const before = new Set(http2ServersOf(server));
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (!err) {
        for (const h2 of http2ServersOf(server)) {
          if (before.has(h2)) continue;
          h2.on("session", drainBusyConnections);
          track(server, h2);
        }
        return resolve(port);
      }
      if (/EADDRINUSE|address already in use/i.test(err.message)) {
        reject(new AddressInUseError(`${address} is already in use by another program`));
      } else reject(err);
    });
  });
}

/** Server options shared by the daemon and the shared server. */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  // Bounded streams in flight per connection (memory); the abort above needs
  // the drain in bind(), not this cap.
  "grpc.max_concurrent_streams": 100,
  // The largest batch and its framing (src/model/limits.ts): a larger request
  // is refused (RESOURCE_EXHAUSTED) before it is read into memory.
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
};

/** Lets calls in flight finish, for up to `graceMs`, then cuts the rest. */
export function stopServer(server: grpc.Server, graceMs = 2000): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    closeIdleConnections(server);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
