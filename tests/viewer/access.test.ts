// Who may see the run viewer: only a browser that opened the link `stigmer ui` printed. A request
// without the token's session, with a used token, with another daemon's token or cookie, for
// another host name (DNS rebinding) or from another origin gets 401/403 and no data. Two real
// daemons; raw HTTP on loopback for the requests a browser would not let a page forge, and a
// real Chromium for the page on another origin.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  executionHome,
  waitUntil,
  workflowManifest,
  writeProject,
} from "../executions/helpers.ts";
import { launchBrowser, viewerLink, waitInPage } from "./helpers.ts";

const waitUntilTrue = (what: string, check: () => boolean) =>
  waitUntil(what, () => check() || undefined, 30_000);

// Functions run in the page (waitForFunction, evaluate) see its DOM; Deno's types have no DOM.
// deno-lint-ignore no-explicit-any
declare const document: any;

interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** One HTTP/1.1 request over a plain socket: any Host, Origin or cookie, as a script could send. */
async function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const lines = [`${method} ${path} HTTP/1.1`, "Connection: close", "Content-Length: 0"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    await conn.write(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((all, c) => new Uint8Array([...all, ...c]), new Uint8Array()),
    );
    const at = text.indexOf("\r\n\r\n");
    const head = text.slice(0, at);
    return { status: Number(head.split(" ")[1]), head, body: text.slice(at + 4) };
  } finally {
    conn.close();
  }
}

/** The session cookie a fresh link gives (a GET of the link, as the browser does). */
async function signIn(url: string): Promise<string> {
  const port = Number(new URL(url).port);
  const { pathname, search } = new URL(url);
  const response = await raw(port, "GET", `${pathname}${search}`, {
    Host: `127.0.0.1:${port}`,
  });
  assertEquals(response.status, 303, response.head);
  const cookie = /^set-cookie: ([^;\r\n]+);([^\r\n]*)$/im.exec(response.head);
  assert(cookie, `no cookie in:\n${response.head}`);
  const attributes = cookie[2].toLowerCase();
  for (const attribute of ["httponly", "samesite=strict", "path=/"]) {
    assert(attributes.includes(attribute), `the cookie lacks ${attribute}: ${cookie[0]}`);
  }
  assert(/^location: \/\r?$/im.test(response.head), response.head);
  return cookie[1];
}

const PAGES = [
  "/",
  "/app.js",
  "/app.css",
  "/api/executions",
  "/api/executions/stream",
  "/api/resources",
];

Deno.test({
  name:
    "viewer: no token, a used token, another daemon's token or cookie, another host or origin: nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const a = await executionHome();
    const b = await executionHome();
    const chromium = await launchBrowser();
    let stranger: Deno.HttpServer<Deno.NetAddr> | undefined;
    try {
      const dir = await writeProject(a, "secretive", {
        "hidden.yaml": workflowManifest("hidden-pipeline", "    - only:\n        set: {x: 1}\n"),
      });
      await applyProject(a, dir);
      const run = await a.run(["run", "hidden-pipeline"]);
      assertExit(run, 0, "stigmer run hidden-pipeline");
      const id = /(wex-[0-9a-z]+)/.exec(run.stdout + run.stderr)?.[1];
      assert(id);
      const secrets = [id, "hidden-pipeline"];
      const noData = (response: RawResponse, what: string) => {
        for (const s of secrets) assert(!response.body.includes(s), `${what} showed ${s}`);
      };

      // The daemon loads the viewer only when `stigmer ui` asks for it.
      const before = JSON.parse(await Deno.readTextFile(`${a.dataDir}/daemon.json`));
      assertEquals(before.viewerPort, undefined);
      const linkA = await viewerLink(a);
      const linkB = await viewerLink(b);
      const host = { Host: `127.0.0.1:${linkA.port}` };
      // The daemon records the viewer's port in daemon.json.
      const info = JSON.parse(await Deno.readTextFile(`${a.dataDir}/daemon.json`));
      assertEquals(info.viewerPort, linkA.port);

      // Without the session: every page, asset and API is refused, with no data.
      for (const path of [...PAGES, `/api/executions/${id}`, `/api/executions/${id}/events`]) {
        const response = await raw(linkA.port, "GET", path, host);
        assertEquals(response.status, 401, `GET ${path} without a session`);
        noData(response, `GET ${path}`);
      }
      const post = await raw(linkA.port, "POST", `/api/executions/${id}/rerun`, {
        ...host,
        Origin: linkA.origin,
      });
      assertEquals(post.status, 401, "POST rerun without a session");

      // The link's token gives a session, once; the session sees the data (so the refusals
      // above and below are not vacuous).
      const cookieA = await signIn(linkA.url);
      const seen = await raw(linkA.port, "GET", "/api/executions", { ...host, Cookie: cookieA });
      assertEquals(seen.status, 200);
      assert(seen.body.includes(id), seen.body);
      const again = await raw(linkA.port, "GET", `/${new URL(linkA.url).search}`, host);
      assertEquals(again.status, 401, "a used token");
      assert(!/set-cookie/i.test(again.head), again.head);
      noData(again, "a used token");

      // Another daemon's token and cookie open nothing here (and B's token still works at B).
      const tokenB = new URL(linkB.url).searchParams.get("token");
      const foreign = await raw(linkA.port, "GET", `/?token=${tokenB}`, host);
      assertEquals(foreign.status, 401, "another daemon's token");
      assert(!/set-cookie/i.test(foreign.head));
      const cookieB = await signIn(linkB.url);
      const [nameB, valueB] = cookieB.split("=");
      const nameA = cookieA.split("=")[0];
      assert(nameA !== nameB, "each daemon names its cookie after its port");
      for (const cookie of [cookieB, `${nameA}=${valueB}`]) {
        const response = await raw(linkA.port, "GET", "/api/executions", {
          ...host,
          Cookie: cookie,
        });
        assertEquals(response.status, 401, `cookie ${cookie.slice(0, 30)}…`);
        noData(response, "another daemon's cookie");
      }

      // With a valid session still: another host name (DNS rebinding) or origin is refused.
      const refusals: [string, Record<string, string>][] = [
        ["a rebinding host name", { Host: `attacker.example:${linkA.port}`, Cookie: cookieA }],
        ["another origin", { ...host, Cookie: cookieA, Origin: "http://attacker.example" }],
        ["another port on loopback", {
          ...host,
          Cookie: cookieA,
          Origin: `http://127.0.0.1:${linkB.port}`,
        }],
        ["a cross-site fetch", { ...host, Cookie: cookieA, "Sec-Fetch-Site": "cross-site" }],
        ["a same-site fetch", { ...host, Cookie: cookieA, "Sec-Fetch-Site": "same-site" }],
      ];
      for (const [what, headers] of refusals) {
        for (const path of ["/api/executions", "/api/resources", "/"]) {
          const response = await raw(linkA.port, "GET", path, headers);
          assertEquals(response.status, 403, `${what}: GET ${path}`);
          noData(response, what);
        }
      }
      // A change (re-run) without the viewer's own Origin is refused, and nothing starts.
      for (
        const headers of [{}, { Origin: "http://attacker.example" }] as Record<string, string>[]
      ) {
        const response = await raw(linkA.port, "POST", `/api/executions/${id}/rerun`, {
          ...host,
          Cookie: cookieA,
          ...headers,
        });
        assertEquals(response.status, 403, `POST rerun with ${JSON.stringify(headers)}`);
      }
      const list = await a.run(["executions", "list", "-o", "json"]);
      assertEquals(JSON.parse(list.stdout).length, 1, "a refused re-run started nothing");

      // A real browser signed in to the viewer, on a page of another origin: its requests to the
      // viewer get 403, and the page reads nothing.
      const { page } = chromium;
      await page.goto((await viewerLink(a)).url, { waitUntil: "load" });
      await waitInPage(page, "the list", () => !!document.querySelector("table.executions"));
      stranger = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        () =>
          new Response(
            `<!doctype html><title>elsewhere</title><script>
            window.result = fetch(${JSON.stringify(`${linkA.origin}/api/executions`)},
              { credentials: "include" }).then((r) => r.text(), (e) => "refused: " + e.name);
            </script><script src=${JSON.stringify(`${linkA.origin}/app.js`)}></script>`,
            { headers: { "content-type": "text/html" } },
          ),
      );
      // Chromium blocks these responses before the page (CORS, CORP): their status is read from
      // the DevTools protocol's raw response headers.
      const urls = new Map<string, string>();
      const statusOf = new Map<string, number>();
      const cdp = await page.createCDPSession();
      await cdp.send("Network.enable");
      cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
      cdp.on("Network.responseReceivedExtraInfo", (e) => statusOf.set(e.requestId, e.statusCode));
      const toViewer = () =>
        [...urls].filter(([, url]) => url.startsWith(linkA.origin)).map(([r, url]) => ({
          url,
          status: statusOf.get(r),
        }));
      await page.goto(`http://127.0.0.1:${stranger.addr.port}/`, { waitUntil: "load" });
      const read = await page.evaluate(() =>
        (globalThis as unknown as { result: Promise<string> }).result
      );
      assert(read.startsWith("refused"), `the other origin read: ${read}`);
      assert(!read.includes(id));
      await waitUntilTrue(
        "both requests answered",
        () => toViewer().length === 2 && toViewer().every((r) => r.status !== undefined),
      );
      assertEquals(toViewer().map((r) => r.status), [403, 403], JSON.stringify(toViewer()));
    } finally {
      await stranger?.shutdown();
      await chromium.close();
      await a.cleanup();
      await b.cleanup();
    }
  },
});
