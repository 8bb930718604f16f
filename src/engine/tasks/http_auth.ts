// `endpoint.authentication` of `call: http`: basic, bearer, digest (RFC 7616, MD5 or
// SHA-256) and oauth2 client credentials, inline or by name from `use.authentications`.
// Credentials never appear in outputs, events or errors.
import { workflowError } from "../errors.ts";
import { evaluate, type Template, type Vars } from "../expressions.ts";
import { raceAbort } from "../signals.ts";
import type { PrepareContext } from "../task.ts";

const SCHEMES = ["basic", "bearer", "digest", "oauth2", "oidc"] as const;
type Scheme = typeof SCHEMES[number];

export interface PreparedAuth {
  scheme: Scheme;
  spec: Template;
  /** `{scheme: {use: name}}`: the secret (in use.secrets) holding the fields. */
  secret?: string;
}

/** Prepares `authentication` (inline or `{use: name}`); undefined after a problem. */
export function prepareAuth(
  value: unknown,
  at: PrepareContext,
  field: string,
): PreparedAuth | undefined {
  let policy = value as Record<string, unknown> | null;
  if (policy && typeof policy === "object" && typeof policy.use === "string") {
    const named = (at.document.use as { authentications?: Record<string, unknown> } | undefined)
      ?.authentications?.[policy.use];
    if (named === undefined) {
      at.problem(`no authentication named "${policy.use}" in use.authentications`, `${field}/use`);
      return undefined;
    }
    policy = named as Record<string, unknown>;
  }
  if (policy === null || typeof policy !== "object" || Array.isArray(policy)) {
    at.problem(`must be {${SCHEMES.join("|")}: …} or {use: name}`, field);
    return undefined;
  }
  const scheme = SCHEMES.find((s) => s in policy!);
  if (!scheme) {
    at.problem(`needs one of ${SCHEMES.join(", ")}`, field);
    return undefined;
  }
  const spec = policy[scheme] as Record<string, unknown> | null;
  if (spec === null || typeof spec !== "object") {
    at.problem("must be an object", `${field}/${scheme}`);
    return undefined;
  }
  if (scheme === "oidc") {
    at.problem("oidc authentication is not run yet: use oauth2 with the token endpoint", field);
    return undefined;
  }
  if (typeof spec.use === "string") {
    // The DSL's secret-based form: the named secret holds the scheme's fields.
    const declared = (at.document.use as { secrets?: unknown } | undefined)?.secrets;
    if (!Array.isArray(declared) || !declared.includes(spec.use)) {
      at.problem(
        `secret "${spec.use}" is not declared: list it in use.secrets`,
        `${field}/${scheme}/use`,
      );
      return undefined;
    }
    return { scheme, spec: at.template({}), secret: spec.use };
  }
  if (scheme === "oauth2") {
    const grant = spec.grant ?? "client_credentials";
    if (grant !== "client_credentials") {
      at.problem(
        `only the client_credentials grant is run here (not ${grant})`,
        `${field}/oauth2/grant`,
      );
    }
    if (typeof spec.authority !== "string") {
      at.problem("needs the authority (the token issuer's base URI)", `${field}/oauth2/authority`);
    }
  }
  return { scheme, spec: at.template(spec) };
}

/** The fields of `{scheme: {use: secret}}`: the secret's JSON object (a bare token for bearer). */
function secretFields(auth: PreparedAuth, vars: Vars): Record<string, unknown> {
  const name = auth.secret!;
  const value = (vars.secrets?.value as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) {
    throw workflowError("authorization", `secret "${name}" is not available to this run`, {
      title: "Secret not available",
    });
  }
  if (typeof value === "string" && auth.scheme === "bearer") return { token: value };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const fields = FIELDS[auth.scheme];
    throw workflowError(
      "configuration",
      `secret "${name}" must hold a JSON object with ${fields} for ${auth.scheme} authentication; ` +
        `set it with: stigmer secret set ${name} --from-stdin`,
    );
  }
  const fields = value as Record<string, unknown>;
  if (auth.scheme === "oauth2" && (fields.grant ?? "client_credentials") !== "client_credentials") {
    throw workflowError(
      "configuration",
      `only the client_credentials grant is run here (secret "${name}" says ${fields.grant})`,
    );
  }
  return fields;
}

const FIELDS: Record<Scheme, string> = {
  basic: "username and password",
  digest: "username and password",
  bearer: "token (or hold the bare token)",
  oauth2: "authority, client {id, secret} and optionally scopes, audiences, endpoints",
  oidc: "authority and client",
};

type Send = (headers: Headers) => Promise<Response>;

/** Sends the request with the credentials the policy says. */
export async function sendAuthenticated(
  auth: PreparedAuth,
  input: unknown,
  vars: Vars,
  request: { method: string; url: URL; headers: Headers },
  send: Send,
  fetcher: typeof fetch,
  signal: AbortSignal,
): Promise<Response> {
  const spec = auth.secret === undefined
    ? evaluate(auth.spec, input, vars) as Record<string, unknown>
    : secretFields(auth, vars);
  const headers = new Headers(request.headers);
  switch (auth.scheme) {
    case "basic":
      headers.set(
        "authorization",
        `Basic ${btoa(`${text(spec.username, "username")}:${text(spec.password, "password")}`)}`,
      );
      return await send(headers);
    case "bearer":
      headers.set("authorization", `Bearer ${text(spec.token, "token")}`);
      return await send(headers);
    case "oauth2": {
      const token = await clientCredentialsToken(spec, fetcher, signal);
      headers.set("authorization", `Bearer ${token}`);
      return await send(headers);
    }
    case "digest": {
      const first = await send(headers);
      const challenge = first.headers.get("www-authenticate");
      if (first.status !== 401 || !challenge || !/^digest\s/i.test(challenge)) return first;
      await first.body?.cancel();
      // Web Crypto has no MD5; node:crypto is loaded only here (node: modules are not free).
      const { createHash } = await import("node:crypto");
      headers.set(
        "authorization",
        digestAuthorization(
          createHash,
          parseChallenge(challenge),
          text(spec.username, "username"),
          text(spec.password, "password"),
          request.method,
          `${request.url.pathname}${request.url.search}`,
        ),
      );
      return await send(headers);
    }
    default:
      throw workflowError("configuration", `${auth.scheme} authentication is not run here`);
  }
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string" && typeof value !== "number") {
    throw workflowError("authentication", `the authentication's ${what} is missing`, {
      title: "Authentication failed",
    });
  }
  return String(value);
}

async function clientCredentialsToken(
  spec: Record<string, unknown>,
  fetcher: typeof fetch,
  signal: AbortSignal,
): Promise<string> {
  const endpoints = (spec.endpoints ?? {}) as { token?: string };
  const client = (spec.client ?? {}) as { id?: string; secret?: string; authentication?: string };
  // The token path extends the authority's own path (…/realms/x + /oauth2/token).
  const path = endpoints.token ?? "/oauth2/token";
  const authority = text(spec.authority, "authority").replace(/\/$/, "");
  let tokenUrl: URL;
  try {
    tokenUrl = new URL(path.includes("://") ? path : `${authority}/${path.replace(/^\//, "")}`);
  } catch {
    throw workflowError("configuration", `invalid OAuth2 token endpoint ${authority} + ${path}`);
  }
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  const id = text(client.id, "client id");
  const secret = client.secret === undefined ? undefined : String(client.secret);
  if (client.authentication === "client_secret_basic") {
    headers.set("authorization", `Basic ${btoa(`${id}:${secret ?? ""}`)}`);
  } else {
    form.set("client_id", id);
    if (secret !== undefined) form.set("client_secret", secret);
  }
  const scopes = spec.scopes as unknown[] | undefined;
  if (scopes?.length) form.set("scope", scopes.join(" "));
  const audiences = spec.audiences as unknown[] | undefined;
  if (audiences?.length) form.set("audience", audiences.join(" "));
  let response: Response;
  try {
    response = await raceAbort(
      fetcher(tokenUrl, { method: "POST", headers, body: form.toString(), signal }),
      signal,
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw workflowError(
      "authentication",
      `getting an OAuth2 token from ${tokenUrl.origin} failed: ${(error as Error).message}`,
      { title: "Authentication failed" },
    );
  }
  const body = await raceAbort(response.text(), signal);
  let token: unknown;
  try {
    token = JSON.parse(body).access_token;
  } catch { /* reported below */ }
  if (!response.ok || typeof token !== "string") {
    throw workflowError(
      "authentication",
      `the OAuth2 token endpoint ${tokenUrl.origin}${tokenUrl.pathname} answered ${response.status} without an access_token`,
      { title: "Authentication failed", status: 401 },
    );
  }
  return token;
}

function parseChallenge(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of header.replace(/^digest\s+/i, "").matchAll(/(\w+)=("([^"]*)"|[^,\s]*)/g)) {
    out[match[1].toLowerCase()] = match[3] ?? match[2];
  }
  return out;
}

/** RFC 7616 (qop=auth, or none): the Authorization header answering `challenge`. */
function digestAuthorization(
  createHash: (algorithm: string) => { update(s: string): { digest(e: "hex"): string } },
  challenge: Record<string, string>,
  username: string,
  password: string,
  method: string,
  uri: string,
): string {
  const algorithm = (challenge.algorithm ?? "MD5").toUpperCase();
  const hashName = algorithm.startsWith("SHA-256") ? "sha256" : "md5";
  const h = (value: string) => createHash(hashName).update(value).digest("hex");
  const realm = challenge.realm ?? "";
  const nonce = challenge.nonce ?? "";
  const cnonce = crypto.randomUUID().replaceAll("-", "");
  const nc = "00000001";
  let ha1 = h(`${username}:${realm}:${password}`);
  if (algorithm.endsWith("-SESS")) ha1 = h(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const qop = challenge.qop?.split(",").map((q) => q.trim()).includes("auth") ? "auth" : undefined;
  const response = qop
    ? h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : h(`${ha1}:${nonce}:${ha2}`);
  const parts = [
    `username="${username}"`,
    `realm="${realm}"`,
    `nonce="${nonce}"`,
    `uri="${uri}"`,
    `algorithm=${challenge.algorithm ?? "MD5"}`,
    `response="${response}"`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque="${challenge.opaque}"`);
  return `Digest ${parts.join(", ")}`;
}
