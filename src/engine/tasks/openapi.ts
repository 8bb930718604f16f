// `call: openapi`: the operation `operationId` of an OpenAPI 3 or Swagger 2 document
// (JSON or YAML, fetched from `document.endpoint` through the run's fetch, so the
// allowed-hosts rule applies), called with `parameters`: path, query and header
// parameters by name; the body is the parameter the document declares `in: body`
// (Swagger 2) or `parameters.body` (OpenAPI 3 requestBody). Output, redirect and
// authentication as `call: http`.
import { workflowError } from "../errors.ts";
import { evaluate, type Template } from "../expressions.ts";
import { raceAbort } from "../signals.ts";
import type { TaskCall, TaskKind } from "../task.ts";
import { type HttpOptions, parseUrl, scalar, sendHttp } from "./http.ts";
import { prepareAuth } from "./http_auth.ts";

interface PreparedOpenApi extends HttpOptions {
  document: Template;
  operationId: string;
  parameters?: Template;
}

const FIELDS = ["document", "operationId", "parameters", "authentication", "output", "redirect"];
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

interface Parameter {
  name: string;
  in: string;
}

export const openApiTask: TaskKind<PreparedOpenApi> = {
  prepare(definition, at) {
    const args = (definition.with ?? {}) as Record<string, unknown>;
    for (const field of Object.keys(args)) {
      if (!FIELDS.includes(field)) {
        at.problem(`unknown OpenAPI call argument "${field}"`, `with/${field}`);
      }
    }
    const document = args.document as { endpoint?: unknown } | undefined;
    const endpoint = document?.endpoint;
    const uri = typeof endpoint === "string" ? endpoint : (endpoint as { uri?: unknown })?.uri;
    if (typeof uri !== "string") {
      at.problem("needs document.endpoint: the URI of the OpenAPI document", "with/document");
    }
    if (typeof args.operationId !== "string" || !args.operationId) {
      at.problem("needs the operationId to call", "with/operationId");
    }
    const output = args.output ?? "content";
    if (!["content", "response", "raw"].includes(String(output))) {
      at.problem("must be content, response or raw", "with/output");
    }
    return {
      document: at.template(uri ?? ""),
      operationId: String(args.operationId),
      parameters: args.parameters === undefined ? undefined : at.template(args.parameters),
      output: output as HttpOptions["output"],
      redirect: args.redirect === true,
      auth: args.authentication === undefined
        ? undefined
        : prepareAuth(args.authentication, at, "with/authentication"),
    };
  },

  async run(prepared, call) {
    const documentUrl = parseUrl(String(evaluate(prepared.document, call.input, call.vars)));
    const spec = await fetchDocument(documentUrl, call);
    const found = findOperation(spec, prepared.operationId);
    if (!found) {
      throw workflowError(
        "configuration",
        `the OpenAPI document ${documentUrl.href} has no operation "${prepared.operationId}"`,
        { title: "Operation not found" },
      );
    }
    const values =
      (prepared.parameters ? evaluate(prepared.parameters, call.input, call.vars) : {}) as Record<
        string,
        unknown
      >;
    const params = [...(found.pathItem.parameters ?? []), ...(found.operation.parameters ?? [])]
      .map((p) => resolveRef(spec, p) as Parameter);
    let path = found.path;
    const query = new URLSearchParams();
    const headers = new Headers();
    let body: unknown;
    for (const param of params) {
      const value = values?.[param.name];
      if (param.in === "body") {
        body = value;
        continue;
      }
      if (value === undefined || value === null) continue;
      if (param.in === "path") {
        path = path.replaceAll(`{${param.name}}`, encodeURIComponent(scalar(value)));
      } else if (param.in === "query") {
        for (const item of Array.isArray(value) ? value : [value]) {
          query.append(param.name, scalar(item));
        }
      } else if (param.in === "header") headers.set(param.name, scalar(value));
    }
    if (found.operation.requestBody && values?.body !== undefined) body = values.body;
    const url = new URL(`${baseUrl(spec, documentUrl).replace(/\/$/, "")}${path}`);
    for (const [name, value] of query) url.searchParams.append(name, value);
    let text: string | undefined;
    if (body !== undefined) {
      text = typeof body === "string" ? body : JSON.stringify(body);
      if (typeof body !== "string") headers.set("content-type", "application/json");
    }
    return await sendHttp(
      { method: found.method.toUpperCase(), url, headers, body: text },
      prepared,
      call,
    );
  },
};

type Spec = Record<string, unknown>;

async function fetchDocument(url: URL, call: TaskCall): Promise<Spec> {
  let text: string;
  try {
    const response = await raceAbort(call.run.fetch(url, { signal: call.signal }), call.signal);
    text = await raceAbort(response.text(), call.signal);
    if (!response.ok) {
      throw workflowError(
        "communication",
        `GET ${url.href} (the OpenAPI document) returned ${response.status}`,
        {
          status: response.status,
        },
      );
    }
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason;
    if (error instanceof Error && error.name === "WorkflowError") throw error;
    throw workflowError(
      "communication",
      `getting the OpenAPI document ${url.href} failed: ${(error as Error).message}`,
    );
  }
  try {
    const trimmed = text.trimStart();
    if (trimmed.startsWith("{")) return JSON.parse(text);
    const { parse } = await import("yaml");
    return parse(text) as Spec;
  } catch (error) {
    throw workflowError(
      "validation",
      `${url.href} is not an OpenAPI document: ${(error as Error).message}`,
    );
  }
}

function findOperation(spec: Spec, operationId: string) {
  const paths = (spec.paths ?? {}) as Record<string, Record<string, unknown>>;
  for (const [path, pathItem] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = pathItem?.[method] as
        | { operationId?: string; parameters?: unknown[]; requestBody?: unknown }
        | undefined;
      if (operation?.operationId === operationId) {
        return { path, method, operation, pathItem: pathItem as { parameters?: unknown[] } };
      }
    }
  }
  return undefined;
}

/** `{$ref: "#/components/parameters/x"}` inside the same document. */
function resolveRef(spec: Spec, value: unknown): unknown {
  const ref = (value as { $ref?: unknown })?.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return value;
  let node: unknown = spec;
  for (const part of ref.slice(2).split("/")) {
    node = (node as Record<string, unknown>)?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return node;
}

/** OpenAPI 3: servers[0].url (relative to the document); Swagger 2: scheme://host/basePath. */
function baseUrl(spec: Spec, documentUrl: URL): string {
  const servers = spec.servers as Array<{ url?: string }> | undefined;
  if (servers?.[0]?.url) return new URL(servers[0].url, documentUrl).href;
  if (spec.swagger) {
    const schemes = spec.schemes as string[] | undefined;
    const scheme = schemes?.includes(documentUrl.protocol.slice(0, -1))
      ? documentUrl.protocol.slice(0, -1)
      : schemes?.[0] ?? documentUrl.protocol.slice(0, -1);
    return `${scheme}://${(spec.host as string | undefined) ?? documentUrl.host}${
      (spec.basePath as string | undefined) ?? ""
    }`;
  }
  return documentUrl.origin;
}
