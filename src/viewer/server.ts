// The run viewer (SPEC §12): an HTTP server inside the local daemon, on 127.0.0.1 and a port
// of its own, loaded only when `stigmer ui` first asks for it. It reads the store and follows
// runs in process (no gRPC round trip), and serves the embedded page (assets.gen.ts).
//
// Who may look: the URL `stigmer ui` prints carries a one-time token (32 random bytes, good for
// TOKEN_TTL_MS), exchanged for an HttpOnly, SameSite=Strict session cookie; every page, asset
// and API call without that cookie is refused (401) and shows nothing. A Host header other than
// 127.0.0.1:PORT or localhost:PORT (DNS rebinding) and a request from another origin (Origin,
// Sec-Fetch-Site: a page on another port of 127.0.0.1 is "same-site", so only "same-origin" and
// a typed URL, "none", pass) are refused (403).
import { stringify as toYaml } from "yaml";
import type { ResourceStore } from "../store/store.ts";
import type { ExecutionManager } from "../server/executions/manager.ts";
import type { ActivityTracker } from "../server/runtime.ts";
import { GrpcError, Status } from "../rpc/status.ts";
import type { Execution, ExecutionEvent } from "../model/execution.ts";
import { KINDS } from "../model/resource.ts";
import { APP_CSS, APP_JS, INDEX_HTML } from "./assets.gen.ts";

/** How long the link `stigmer ui` prints may wait to be opened (the CLI says so: LINK_LIFE). */
export const TOKEN_TTL_MS = 5 * 60_000;
/** Executions the list shows (newest first). */
const LIST_LIMIT = 200;
/** How often the live list looks for changes; SSE comments keep idle streams open. */
const LIST_POLL_MS = 1000;
const KEEPALIVE_MS = 15_000;

export interface ViewerParts {
  store: ResourceStore;
  executions: ExecutionManager;
  /** The organization the local daemon serves. */
  org: string;
  activity: ActivityTracker;
  log: { info(message: string): void; error(message: string): void };
}

export interface Viewer {
  port: number;
  /** A URL with a fresh one-time token. */
  newLink(): string;
  close(): Promise<void>;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "cross-origin-resource-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
};

function respond(status: number, body: BodyInit | null, type: string, extra = {}): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": type, ...extra },
  });
}

const text = (status: number, message: string) =>
  respond(status, `${message}\n`, "text/plain; charset=utf-8");
const json = (value: unknown, status = 200) =>
  respond(status, JSON.stringify(value), "application/json; charset=utf-8");

/** An execution as the page shows it (the output stays in the execution's own view). */
function summary(e: Execution) {
  return {
    id: e.id,
    kind: e.kind,
    target: e.targetName,
    targetId: e.targetId,
    phase: e.phase,
    error: e.error,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
  };
}

interface ListFilter {
  phase?: string;
  target?: string;
}

function filterFrom(url: URL): ListFilter {
  return {
    phase: url.searchParams.get("phase") || undefined,
    target: url.searchParams.get("target") || undefined,
  };
}

export function startViewer(parts: ViewerParts): Promise<Viewer> {
  const { store, executions, org, activity, log } = parts;
  /** One-time tokens and when they expire. */
  const tokens = new Map<string, number>();
  const sessions = new Set<string>();
  /** Aborts every open stream when the daemon stops. */
  const closing = new AbortController();
  let port = 0;
  let cookieName = "";

  const hosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = () => new Set([...hosts()].map((h) => `http://${h}`));

  /** A refusal, or undefined when the request may go on to the routes. */
  function guard(request: Request): Response | undefined {
    if (!hosts().has(request.headers.get("host") ?? "")) {
      return text(403, "this viewer answers only at 127.0.0.1 or localhost");
    }
    const origin = request.headers.get("origin");
    if (origin !== null && !origins().has(origin)) {
      return text(403, "requests from other origins are refused");
    }
    const site = request.headers.get("sec-fetch-site");
    if (site !== null && site !== "same-origin" && site !== "none") {
      return text(403, "requests from other sites are refused");
    }
    if (request.method !== "GET" && request.method !== "HEAD" && origin === null) {
      return text(403, "a change needs the viewer's own origin");
    }
    return undefined;
  }

  function sessionOf(request: Request): string | undefined {
    for (const part of (request.headers.get("cookie") ?? "").split(";")) {
      const at = part.indexOf("=");
      if (at > 0 && part.slice(0, at).trim() === cookieName) {
        const value = part.slice(at + 1).trim();
        if (sessions.has(value)) return value;
      }
    }
    return undefined;
  }

  function exchange(token: string): Response {
    const expires = tokens.get(token);
    tokens.delete(token); // good once, whatever happens next
    if (expires === undefined || expires < Date.now()) {
      return text(
        401,
        "this link was already used or has expired: run `stigmer ui` for a new one",
      );
    }
    const session = randomToken();
    sessions.add(session);
    return respond(303, null, "text/plain; charset=utf-8", {
      location: "/",
      "set-cookie": `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`,
    });
  }

  /** Server-Sent Events: `produce` writes events until it returns or the client leaves. */
  function eventStream(
    produce: (
      send: (event: string, data: unknown) => Promise<void>,
      signal: AbortSignal,
    ) => Promise<void>,
  ): Response {
    // The stream's cancel() says the client left (request.signal would also fire, in Deno's
    // legacy behaviour, once a response completes, and warns about it).
    const left = new AbortController();
    const signal = AbortSignal.any([left.signal, closing.signal]);
    const encoder = new TextEncoder();
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const write = (chunk: string) => {
          if (signal.aborted) return;
          try {
            controller.enqueue(encoder.encode(chunk));
          } catch { /* the client left */ }
        };
        keepAlive = setInterval(() => write(": keep-alive\n\n"), KEEPALIVE_MS);
        const send = (event: string, data: unknown) => {
          write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
          return Promise.resolve();
        };
        produce(send, signal)
          .catch((err) => {
            if (!signal.aborted) send("failure", { message: (err as Error).message });
          })
          .finally(() => {
            clearInterval(keepAlive);
            try {
              controller.close();
            } catch { /* already closed */ }
          });
      },
      cancel() {
        clearInterval(keepAlive);
        left.abort();
      },
    });
    return respond(200, body, "text/event-stream; charset=utf-8");
  }

  async function listExecutions(filter: ListFilter) {
    const found: Execution[] = [];
    let pageToken = "";
    do {
      const page = await store.listExecutions(org, { pageSize: 100, pageToken });
      for (const e of page.items) {
        if (filter.phase && e.phase !== filter.phase) continue;
        if (filter.target && e.targetName !== filter.target && e.targetId !== filter.target) {
          continue;
        }
        found.push(e);
      }
      pageToken = page.nextPageToken;
    } while (pageToken && found.length < LIST_LIMIT);
    return found.slice(0, LIST_LIMIT).map(summary);
  }

  async function targets(): Promise<string[]> {
    const names = new Set<string>();
    for (const kind of ["Workflow", "Agent"] as const) {
      let pageToken = "";
      do {
        const page = await store.list(org, { kind, pageSize: 1000, pageToken });
        for (const r of page.items) names.add(r.metadata.name);
        pageToken = page.nextPageToken;
      } while (pageToken);
    }
    return [...names].sort();
  }

  async function execution(id: string) {
    const found = await store.getExecution(org, id);
    if (!found) return undefined;
    const workflow = found.kind === "WorkflowExecution"
      ? await store.getExecutionWorkflow(id)
      : null;
    return {
      execution: { ...summary(found), input: found.input, output: found.output ?? null },
      workflow: workflow ?? null,
      workflowYaml: workflow ? toYaml(workflow) : "",
      events: await store.listEvents(id),
    };
  }

  async function resources() {
    const kinds = [];
    for (const kind of KINDS) {
      const items = [];
      let pageToken = "";
      do {
        const page = await store.list(org, { kind, pageSize: 1000, pageToken });
        for (const r of page.items) {
          const manifest = {
            apiVersion: r.apiVersion,
            kind: r.kind,
            metadata: r.metadata,
            spec: r.spec,
          };
          items.push({ name: r.metadata.name, id: r.metadata.id, yaml: toYaml(manifest) });
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      kinds.push({ kind, items });
    }
    return { kinds };
  }

  async function api(request: Request, url: URL, path: string[]): Promise<Response> {
    const [first, id, action] = path;
    const get = request.method === "GET";
    if (first === "executions" && path.length === 1 && get) {
      return json({ executions: await listExecutions(filterFrom(url)), targets: await targets() });
    }
    if (first === "executions" && id === "stream" && path.length === 2 && get) {
      const filter = filterFrom(url);
      return eventStream(async (send, signal) => {
        let last = "";
        while (!signal.aborted) {
          const update = { executions: await listExecutions(filter), targets: await targets() };
          const now = JSON.stringify(update);
          if (now !== last) await send("executions", update);
          last = now;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, LIST_POLL_MS);
            function done() {
              clearTimeout(timer);
              signal.removeEventListener("abort", done);
              resolve();
            }
            signal.addEventListener("abort", done, { once: true });
          });
        }
      });
    }
    if (first === "executions" && id && path.length === 2 && get) {
      const found = await execution(id);
      return found ? json(found) : json({ error: `execution ${id} not found` }, 404);
    }
    if (first === "executions" && id && action === "events" && path.length === 3 && get) {
      const after = Number(url.searchParams.get("after") ?? "0") || 0;
      if (!(await store.getExecution(org, id))) {
        return json({ error: `execution ${id} not found` }, 404);
      }
      return eventStream(async (send, signal) => {
        await executions.watch(
          org,
          id,
          after,
          (event: ExecutionEvent) => send("event", event),
          signal,
        );
        if (!signal.aborted) {
          const ended = await store.getExecution(org, id);
          await send("end", ended ? summary(ended) : null);
        }
      });
    }
    if (first === "executions" && id && action === "cancel" && request.method === "POST") {
      return json({ execution: summary(await executions.cancel(org, id)) });
    }
    if (first === "executions" && id && action === "rerun" && request.method === "POST") {
      const before = await executions.get(org, id);
      const { message, ...input } = before.input as Record<string, unknown>;
      const agent = before.kind === "AgentExecution";
      const started = await executions.start({
        org,
        target: before.targetId,
        targetKind: agent ? "Agent" : "Workflow",
        input: agent ? input : before.input,
        message: agent ? String(message ?? "") : "",
      });
      return json({ execution: summary(started) });
    }
    if (first === "resources" && path.length === 1 && get) return json(await resources());
    return json({ error: "no such API" }, 404);
  }

  async function route(request: Request): Promise<Response> {
    const refused = guard(request);
    if (refused) return refused;
    const url = new URL(request.url);
    const token = url.searchParams.get("token");
    if (url.pathname === "/" && token !== null && request.method === "GET") return exchange(token);
    if (!sessionOf(request)) {
      return text(401, "not signed in: open the viewer with the URL `stigmer ui` prints");
    }
    if (request.method === "GET" && url.pathname === "/") {
      return respond(200, INDEX_HTML, "text/html; charset=utf-8");
    }
    if (request.method === "GET" && url.pathname === "/app.js") {
      return respond(200, APP_JS, "text/javascript; charset=utf-8");
    }
    if (request.method === "GET" && url.pathname === "/app.css") {
      return respond(200, APP_CSS, "text/css; charset=utf-8");
    }
    if (url.pathname.startsWith("/api/")) {
      const path = url.pathname.slice("/api/".length).split("/").filter((p) => p !== "")
        .map(decodeURIComponent);
      try {
        return await api(request, url, path);
      } catch (err) {
        if (err instanceof GrpcError) {
          const status = err.code === Status.NOT_FOUND
            ? 404
            : err.code === Status.FAILED_PRECONDITION || err.code === Status.INVALID_ARGUMENT
            ? 409
            : 500;
          return json({ error: err.details }, status);
        }
        log.error(`viewer ${request.method} ${url.pathname} failed: ${(err as Error).stack}`);
        return json({ error: (err as Error).message }, 500);
      }
    }
    return text(404, "not found");
  }

  const handler = async (request: Request): Promise<Response> => {
    // A look at the viewer counts as use of the daemon (its idle timeout), but an open
    // stream does not hold it: a forgotten tab must not keep the daemon up forever.
    activity.started();
    try {
      return await route(request);
    } finally {
      activity.ended();
    }
  };

  const ready = Promise.withResolvers<Viewer>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: closing.signal,
    onListen: ({ port: listening }) => {
      port = listening;
      cookieName = `stigmer_viewer_${port}`;
      ready.resolve({
        port,
        newLink() {
          const now = Date.now();
          for (const [t, expires] of tokens) if (expires < now) tokens.delete(t);
          const token = randomToken();
          tokens.set(token, now + TOKEN_TTL_MS);
          return `http://127.0.0.1:${port}/?token=${token}`;
        },
        async close() {
          closing.abort();
          await server.finished;
        },
      });
    },
    onError: (err) => {
      log.error(`viewer: ${(err as Error).stack ?? err}`);
      return text(500, "internal error");
    },
  }, handler);
  server.finished.catch((err) => ready.reject(err));
  return ready.promise;
}
