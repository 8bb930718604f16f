// Serves a directory over HTTP on loopback, as a release host or a code host would.
export function serveDirectory(root: string): { url: string; close(): Promise<void> } {
  const types: Record<string, string> = {
    ts: "application/typescript; charset=utf-8",
    json: "application/json",
    js: "application/javascript",
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.includes("..")) return new Response("no", { status: 400 });
    try {
      const body = await Deno.readFile(`${root}${path}`);
      const ext = path.slice(path.lastIndexOf(".") + 1);
      return new Response(body, {
        headers: { "content-type": types[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}
