// A loopback HTTP server that counts the calls of durable runs: GET /hit/<run>/<n>
// answers {n} and counts "<run>/<n>", so a test can check that each completed call
// was made once (only a call in flight when its process died may repeat).
export interface HitCounter {
  port: number;
  /** "<run>/<n>" → how many times it was called. */
  hits: Map<string, number>;
  shutdown(): Promise<void>;
}

export function startHitCounter(): HitCounter {
  const hits = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const [, , run, n] = new URL(req.url).pathname.split("/");
    hits.set(`${run}/${n}`, (hits.get(`${run}/${n}`) ?? 0) + 1);
    return Response.json({ n: Number(n) });
  });
  return { port: server.addr.port, hits, shutdown: () => server.shutdown() };
}

/** The task `call<n>` of a workflow whose input carries `run`: one counted call. */
export function hitCall(port: number, n: number, exportAs?: string): Record<string, unknown> {
  return {
    [`call${n}`]: {
      call: "http",
      input: { from: "${ $workflow.input }" },
      with: { method: "get", endpoint: `http://127.0.0.1:${port}/hit/{run}/${n}` },
      ...(exportAs ? { export: { as: exportAs } } : {}),
    },
  };
}
