// call: http endpoint.authentication against a loopback server: basic, bearer (with an
// expression), reusable `use.authentications`, digest (RFC 7616 challenge), oauth2 client
// credentials; a refusal is an authentication error; credentials never reach outputs or events.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ERROR_TYPES, WorkflowError } from "../../src/engine/mod.ts";
import { rejection, run, workflow } from "./helpers.ts";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const NONCE = "abc123nonce";

/** A loopback server whose /secure answers only the right credentials for `scheme`. */
async function withAuthServer(body: (base: string, tokens: string[]) => Promise<void>) {
  const tokens: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const auth = req.headers.get("authorization") ?? "";
    if (url.pathname === "/realms/test/oauth2/token") {
      const form = new URLSearchParams(await req.text());
      if (
        form.get("grant_type") === "client_credentials" && form.get("client_id") === "runtime" &&
        form.get("client_secret") === "s3cret" && form.get("scope") === "pets:read"
      ) {
        tokens.push("issued");
        return Response.json({ access_token: "oauth-token", token_type: "Bearer" });
      }
      return Response.json({ error: "invalid_client" }, { status: 401 });
    }
    const ok = (who: string) => Response.json({ who });
    if (url.pathname === "/basic" && auth === `Basic ${btoa("ada:pw")}`) return ok("basic");
    if (url.pathname === "/bearer" && auth === "Bearer tok-42") return ok("bearer");
    if (url.pathname === "/oauth" && auth === "Bearer oauth-token") return ok("oauth2");
    if (url.pathname === "/digest") {
      const m = /response="([0-9a-f]+)".*/.exec(auth);
      const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(auth)?.[1] ?? "";
      if (m) {
        const ha1 = md5(`ada:test-realm:pw`);
        const ha2 = md5(`${req.method}:${field("uri")}`);
        const expected = md5(
          `${ha1}:${NONCE}:${field("nc")}:${field("cnonce")}:${field("qop")}:${ha2}`,
        );
        if (m[1] === expected && field("username") === "ada") return ok("digest");
      }
      return new Response("", {
        status: 401,
        headers: {
          "www-authenticate":
            `Digest realm="test-realm", qop="auth", nonce="${NONCE}", algorithm=MD5`,
        },
      });
    }
    return new Response("who are you?", { status: 401 });
  });
  try {
    await body(`http://127.0.0.1:${server.addr.port}`, tokens);
  } finally {
    await server.shutdown();
  }
}

const get = (uri: string, authentication: unknown, extra: Record<string, unknown> = {}) => ({
  call: "http",
  with: { method: "get", endpoint: { uri, authentication }, ...extra },
});

Deno.test("http auth: basic, bearer from an expression, digest, oauth2 client credentials", () =>
  withAuthServer(async (base, tokens) => {
    const cases: Array<[string, unknown, string]> = [
      ["/basic", { basic: { username: "ada", password: "pw" } }, "basic"],
      ["/bearer", { bearer: { token: "${ .token }" } }, "bearer"],
      ["/digest", { digest: { username: "ada", password: "pw" } }, "digest"],
      ["/oauth", {
        oauth2: {
          authority: `${base}/realms/test`,
          grant: "client_credentials",
          client: { id: "runtime", secret: "s3cret" },
          scopes: ["pets:read"],
        },
      }, "oauth2"],
    ];
    for (const [path, authentication, who] of cases) {
      const { output, hooks } = await run(
        workflow([{ call: get(`${base}${path}`, authentication, { output: "response" }) }]),
        { token: "tok-42" },
      );
      const response = output as { content: unknown; request: { headers: object } };
      assert.deepEqual(response.content, { who }, path);
      const seen = JSON.stringify([output, hooks.events]);
      for (const secret of ["pw", "tok-42", "s3cret", "oauth-token", btoa("ada:pw")]) {
        assert.ok(
          !seen.includes(`"${secret}`) && !seen.includes(` ${secret}`),
          `${path}: ${secret}`,
        );
      }
      assert.ok(!("authorization" in response.request.headers));
    }
    assert.deepEqual(tokens, ["issued"]);
  }));

Deno.test("http auth: reusable use.authentications, and a refusal is an authentication error", () =>
  withAuthServer(async (base) => {
    const { output } = await run(
      workflow([{ call: get(`${base}/bearer`, { use: "petStore" }) }], {
        use: { authentications: { petStore: { bearer: { token: "${ .token }" } } } },
      }),
      { token: "tok-42" },
    );
    assert.deepEqual(output, { who: "bearer" });

    const error = await rejection(run(
      workflow([{ call: get(`${base}/basic`, { basic: { username: "ada", password: "wrong" } }) }]),
    ));
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.type, ERROR_TYPES.authentication);
    assert.equal(error.status, 401);
    assert.equal(error.instance, "/do/0/call");
    assert.ok(!error.message.includes("wrong"));

    const oauth = await rejection(run(workflow([{
      call: get(`${base}/oauth`, {
        oauth2: { authority: `${base}/realms/test`, client: { id: "runtime", secret: "bad" } },
      }),
    }])));
    assert.ok(oauth instanceof WorkflowError);
    assert.equal(oauth.type, ERROR_TYPES.authentication);
    assert.ok(!oauth.message.includes("bad"));
  }));

Deno.test("http auth: an unknown reusable authentication is refused before the run", async () => {
  const { validateWorkflowDocument } = await import("../../src/engine/mod.ts");
  const problems = await validateWorkflowDocument(
    workflow([{ call: get("http://127.0.0.1:1/x", { use: "nope" }) }]),
  );
  assert.deepEqual(problems, [{
    path: "do/0/call/with/endpoint/authentication/use",
    message: 'no authentication named "nope" in use.authentications',
  }]);
});
