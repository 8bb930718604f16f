// `call: http`: one HTTP request. The output is the response content (JSON parsed when
// the content type says JSON, else text), the whole response (`output: response`) or the
// body in base64 (`output: raw`). Failures are communication errors carrying the status.
import { WorkflowError, workflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import { raceAbort } from "../signals.ts";
import { unsupportedScheme, unsupportedSchemeMessage } from "../../model/http_endpoint.ts";
import type { TaskCall, TaskKind, TaskResult } from "../task.ts";
import { prepareAuth, type PreparedAuth, sendAuthenticated } from "./http_auth.ts";

export type OutputFormat = "content" | "response" | "raw";

interface PreparedHttp {
  request: Template;
  /** The endpoint is a URI template ("…/pets/{petId}") filled from the input's fields. */
  uriTemplate: boolean;
  output: OutputFormat;
  redirect: boolean;
  auth?: PreparedAuth;
}

interface HttpArguments {
  method?: unknown;
  endpoint?: unknown;
  headers?: unknown;
  body?: unknown;
  query?: unknown;
}

const FIELDS = ["method", "endpoint", "headers", "body", "query", "output", "redirect"];
const ERROR_BODY_LIMIT = 1000;

export const httpTask: TaskKind<PreparedHttp> = {
  prepare(definition, at) {
    const args = definition.with as Record<string, unknown> | undefined;
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      at.problem("needs `with: {method, endpoint, headers?, body?, query?}`", "with");
      return { request: at.template(null), uriTemplate: false, output: "content", redirect: false };
    }
    for (const field of Object.keys(args)) {
      if (!FIELDS.includes(field)) {
        at.problem(`unknown HTTP call argument "${field}"`, `with/${field}`);
      }
    }
    if (typeof args.method !== "string" || !args.method) {
      at.problem("needs a method (get, post…)", "with/method");
    }
    const endpoint = args.endpoint;
    const uri = typeof endpoint === "string"
      ? endpoint
      : (endpoint as { uri?: unknown } | null)?.uri;
    if (typeof uri !== "string" || !uri) {
      at.problem("needs an endpoint: a URI or {uri}", "with/endpoint");
    } else if (!uri.includes("${")) {
      const scheme = unsupportedScheme(uri);
      if (scheme) at.problem(unsupportedSchemeMessage(scheme, uri), "with/endpoint");
    }
    const output = args.output ?? "content";
    if (output !== "content" && output !== "response" && output !== "raw") {
      at.problem("must be content, response or raw", "with/output");
    }
    if (args.redirect !== undefined && typeof args.redirect !== "boolean") {
      at.problem("must be true or false", "with/redirect");
    }
    const { method, headers, body, query } = args;
    const authentication = (endpoint as { authentication?: unknown } | null)?.authentication;
    const auth = typeof endpoint === "object" && authentication !== undefined
      ? prepareAuth(authentication, at, "with/endpoint/authentication")
      : undefined;
    return {
      auth,
      request: at.template({ method, endpoint: uri, headers, body, query }),
      uriTemplate: typeof uri === "string" && !uri.includes("${") && /\{[^}]+\}/.test(uri),
      output: output as OutputFormat,
      redirect: args.redirect === true,
    };
  },

  async run(prepared, call) {
    const args = evaluate(prepared.request, call.input, call.vars) as HttpArguments;
    const method = String(args.method).toUpperCase();
    let uri = String(args.endpoint);
    if (prepared.uriTemplate) uri = expandUriTemplate(uri, call.input);
    const url = parseUrl(uri);
    for (const [name, value] of Object.entries(asObject(args.query, "query"))) {
      if (value !== null && value !== undefined) url.searchParams.append(name, scalar(value));
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(asObject(args.headers, "headers"))) {
      if (value !== null && value !== undefined) headers.set(name, scalar(value));
    }
    let body: string | undefined;
    if (args.body !== undefined && args.body !== null) {
      if (typeof args.body === "string") body = args.body;
      else {
        body = JSON.stringify(args.body);
        if (!headers.has("content-type")) headers.set("content-type", "application/json");
      }
    }

    return await sendHttp({ method, url, headers, body }, prepared, call);
  },
};

/** What `call: http` and `call: openapi` share: the request, its authentication and output. */
export interface HttpOptions {
  output: OutputFormat;
  redirect: boolean;
  auth?: PreparedAuth;
}

/** Sends one request and makes the task's output of its response (or a typed error). */
export async function sendHttp(
  request: { method: string; url: URL; headers: Headers; body?: string },
  prepared: HttpOptions,
  call: TaskCall,
): Promise<TaskResult> {
  const { method, url, headers, body } = request;
  const target = `${method} ${url.href}`;
  const signal = call.signal;
  let response: Response;
  const send = (sent: Headers) =>
    raceAbort(
      call.run.fetch(url, {
        method,
        headers: sent,
        body,
        signal,
        // Without `redirect: true` a 3xx is an error (spec), so do not follow it.
        redirect: prepared.redirect ? "follow" : "manual",
      }),
      signal,
    );
  try {
    response = prepared.auth
      ? await sendAuthenticated(
        prepared.auth,
        call.input,
        call.vars,
        { method, url, headers },
        send,
        call.run.fetch,
        signal,
      )
      : await send(headers);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof WorkflowError) throw error;
    throw workflowError("communication", `${target} failed: ${(error as Error).message}`, {
      title: "HTTP request failed",
      cause: error,
    });
  }

  const okLimit = prepared.redirect ? 400 : 300;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await raceAbort(response.arrayBuffer(), signal));
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw workflowError(
      "communication",
      `${target}: reading the response failed: ${(error as Error).message}`,
      {
        title: "HTTP request failed",
        status: response.status,
        cause: error,
      },
    );
  }
  if (response.status < 200 || response.status >= okLimit) {
    const text = new TextDecoder().decode(bytes.subarray(0, ERROR_BODY_LIMIT)).trim();
    const statusLine = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    const kind = prepared.auth && response.status === 401
      ? "authentication"
      : prepared.auth && response.status === 403
      ? "authorization"
      : "communication";
    throw workflowError(kind, `${target} returned ${statusLine}`, {
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: text ? `${target} returned ${statusLine}: ${text}` : undefined,
    });
  }

  if (prepared.output === "raw") return { output: toBase64(bytes) };
  const content = decodeContent(
    bytes,
    response.headers.get("content-type"),
    target,
    response.status,
  );
  if (prepared.output === "content") return { output: content };
  return {
    output: {
      request: { method, uri: url.href, headers: Object.fromEntries(headers) },
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      content,
    },
  };
}

function decodeContent(
  bytes: Uint8Array,
  contentType: string | null,
  target: string,
  status: number,
): unknown {
  if (bytes.length === 0) return null;
  const text = new TextDecoder().decode(bytes);
  if (!contentType || !/\bjson\b|\+json/i.test(contentType)) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw workflowError(
      "communication",
      `${target} answered ${contentType} that is not valid JSON: ${(error as Error).message}`,
      { title: "Invalid JSON response", status },
    );
  }
}

/** RFC 6570 simple expansion, as the DSL defines it: `{name}` from the input's top-level fields. */
function expandUriTemplate(uri: string, input: unknown): string {
  return uri.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = input !== null && typeof input === "object"
      ? (input as Record<string, unknown>)[name]
      : undefined;
    if (value === undefined || value === null) return "";
    if (typeof value === "object") {
      throw workflowError(
        "expression",
        `endpoint {${name}}: the input's "${name}" is not a string, number or boolean`,
      );
    }
    return encodeURIComponent(String(value));
  });
}

export function parseUrl(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw workflowError(
      "validation",
      `invalid endpoint URI "${uri}" (it must be absolute, like https://host/path)`,
    );
  }
  // fetch would read file: URLs from disk (and the permission error then names no host).
  const scheme = unsupportedScheme(url.href);
  if (scheme) throw workflowError("validation", unsupportedSchemeMessage(scheme, uri));
  return url;
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw workflowError("validation", `with.${field} must be an object of name: value pairs`);
  }
  return value as Record<string, unknown>;
}

export function scalar(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const CHUNK = 0x8000; // String.fromCharCode takes its arguments on the stack
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}
