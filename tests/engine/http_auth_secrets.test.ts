// call: http endpoint.authentication from secrets (RunOptions.secrets, what the daemon reads
// from its vault): `${ $secrets.x }` in credentials, and the DSL's secret-based form
// `{basic|bearer|digest|oauth2: {use: name}}` where the secret holds the scheme's fields,
// against a loopback server that checks the Authorization header.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ERROR_TYPES, WorkflowError } from "../../src/engine/mod.ts";
import { rejection, run, workflow } from "./helpers.ts";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const NONCE = "n0nce-secrets";
const PASSWORD = `pw-${crypto.randomUUID()}`;
const TOKEN = `tok-${crypto.randomUUID()}`;
const CLIENT_SECRET = `cs-${crypto.randomUUID()}`;
const ISSUED = `issued-${crypto.randomUUID()}`;

async function withServer(body: (base: string) => Promise<void>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const auth = req.headers.get("authorization") ?? "";
    const ok = (who: string) => Response.json({ who });
    if (url.pathname === "/realms/t/oauth2/token") {
      const form = new URLSearchParams(await req.text());
      return form.get("client_id") === "runtime" && form.get("client_secret") === CLIENT_SECRET
        ? Response.json({ access_token: ISSUED })
        : Response.json({ error: "invalid_client" }, { status: 401 });
    }
    if (url.pathname === "/basic" && auth === `Basic ${btoa(`ada:${PASSWORD}`)}`) {
      return ok("basic");
    }
    if (url.pathname === "/bearer" && auth === `Bearer ${TOKEN}`) return ok("bearer");
    if (url.pathname === "/oauth" && auth === `Bearer ${ISSUED}`) return ok("oauth2");
    if (url.pathname === "/digest") {
      const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(auth)?.[1] ?? "";
      const ha1 = md5(`ada:realm:${PASSWORD}`);
      const ha2 = md5(`${req.method}:${field("uri")}`);
      const expected = md5(
        `${ha1}:${NONCE}:${field("nc")}:${field("cnonce")}:${field("qop")}:${ha2}`,
      );
      if (field("response") === expected) return ok("digest");
      return new Response("", {
        status: 401,
        headers: { "www-authenticate": `Digest realm="realm", qop="auth", nonce="${NONCE}"` },
      });
    }
    return new Response("who are you?", { status: 401 });
  });
  try {
    await body(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

const get = (uri: string, authentication: unknown) => ({
  call: "http",
  with: { method: "get", endpoint: { uri, authentication } },
});

Deno.test("http auth from secrets: basic, bearer, digest and oauth2 by {use: secret}, and $secrets expressions", () =>
  withServer(async (base) => {
    const secrets = {
      login: { username: "ada", password: PASSWORD },
      token: TOKEN,
      tokenObject: { token: TOKEN },
      client: {
        authority: `${base}/realms/t`,
        client: { id: "runtime", secret: CLIENT_SECRET },
      },
      plainPassword: PASSWORD,
    };
    const cases: Array<[string, unknown, string]> = [
      ["/basic", { basic: { use: "login" } }, "basic"],
      ["/bearer", { bearer: { use: "token" } }, "bearer"],
      ["/bearer", { bearer: { use: "tokenObject" } }, "bearer"],
      ["/digest", { digest: { use: "login" } }, "digest"],
      ["/oauth", { oauth2: { use: "client" } }, "oauth2"],
      ["/bearer", { bearer: { token: "${ $secrets.token }" } }, "bearer"],
      ["/basic", { basic: { username: "ada", password: "${ $secrets.plainPassword }" } }, "basic"],
      ["/basic", { use: "fromSecret" }, "basic"],
    ];
    for (const [path, authentication, who] of cases) {
      const { output, hooks } = await run(
        workflow([{ call: get(`${base}${path}`, authentication) }], {
          use: {
            secrets: Object.keys(secrets),
            authentications: { fromSecret: { basic: { use: "login" } } },
          },
        }),
        {},
        { secrets },
      );
      assert.deepEqual(output, { who }, `${path} ${JSON.stringify(authentication)}`);
      const seen = JSON.stringify([output, hooks.events]);
      for (const value of [PASSWORD, TOKEN, CLIENT_SECRET, ISSUED]) {
        assert.ok(!seen.includes(value), `${path}: the events show a secret`);
      }
    }
  }));

Deno.test("http auth from secrets: a secret without the scheme's fields is a clear error, without its value", () =>
  withServer(async (base) => {
    const error = await rejection(run(
      workflow([{ call: get(`${base}/basic`, { basic: { use: "login" } }) }], {
        use: { secrets: ["login"] },
      }),
      {},
      { secrets: { login: PASSWORD } },
    ));
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.type, ERROR_TYPES.configuration);
    assert.match(
      error.message,
      /secret "login" must hold a JSON object with username and password/,
    );
    assert.match(error.message, /stigmer secret set login --from-stdin/);
    assert.ok(!error.message.includes(PASSWORD));

    const wrong = await rejection(run(
      workflow([{ call: get(`${base}/basic`, { basic: { use: "login" } }) }], {
        use: { secrets: ["login"] },
      }),
      {},
      { secrets: { login: { username: "ada", password: "not-it" } } },
    ));
    assert.ok(wrong instanceof WorkflowError);
    assert.equal(wrong.type, ERROR_TYPES.authentication);
  }));
