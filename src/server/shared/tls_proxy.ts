// TLS in front of the gRPC server. grpc-js's TLS server does not work on
// Deno's node:http2 (the handshake is garbled), so Deno's own TLS listener
// takes the connections, negotiates h2 by ALPN, and pipes the decrypted bytes
// to the grpc-js server on a loopback port. Every call still needs a token.
export interface TlsProxy {
  port: number;
  close(): void;
}

export interface TlsProxyOptions {
  hostname: string;
  port: number;
  cert: string;
  key: string;
  /** The plaintext grpc-js server on loopback. */
  innerPort: number;
  onError(message: string): void;
}

export function startTlsProxy(options: TlsProxyOptions): TlsProxy {
  const listener = Deno.listenTls({
    hostname: options.hostname,
    port: options.port,
    cert: options.cert,
    key: options.key,
    alpnProtocols: ["h2"],
  });
  const open = new Set<Deno.Conn>();
  const serve = async (conn: Deno.TlsConn) => {
    let inner: Deno.TcpConn | undefined;
    open.add(conn);
    try {
      await conn.handshake();
      inner = await Deno.connect({ hostname: "127.0.0.1", port: options.innerPort });
      open.add(inner);
      await Promise.allSettled([
        conn.readable.pipeTo(inner.writable),
        inner.readable.pipeTo(conn.writable),
      ]);
    } catch (err) {
      // A client that fails the handshake (untrusted CA, wrong name) lands here.
      options.onError(`connection from ${addr(conn)}: ${(err as Error).message}`);
    } finally {
      for (const c of [conn, inner]) {
        if (!c) continue;
        open.delete(c);
        try {
          c.close();
        } catch { /* already closed by the pipe */ }
      }
    }
  };
  (async () => {
    try {
      for await (const conn of listener) void serve(conn);
    } catch { /* the listener was closed */ }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: () => {
      try {
        listener.close();
      } catch { /* already closed */ }
      for (const c of open) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
    },
  };
}

function addr(conn: Deno.Conn): string {
  const a = conn.remoteAddr as Deno.NetAddr;
  return `${a.hostname}:${a.port}`;
}
