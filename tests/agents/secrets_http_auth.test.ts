// Secrets in a workflow (DSL `use.secrets`, SPEC §11) through the real CLI and daemon:
// `stigmer secret set --from-stdin`, then `call: http` authenticated by basic from a
// secret holding {username, password} (via use.authentications) and by bearer from
// `${ $secrets.x }` and from `{use: x}`, against a loopback server that checks the
// Authorization header. $secrets shows only the declared secrets; a declared secret
// that is not set fails the run naming it; no value is found anywhere a run wrote.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  assertIncludes,
  executionHome,
  ndjson,
  serveLocal,
  workflowManifest,
  writeProject,
} from "../executions/helpers.ts";
import { filesContaining } from "../helpers/files.ts";

const PASSWORD = `pw-${crypto.randomUUID()}`;
const TOKEN = `tok-${crypto.randomUUID()}`;
const BASIC = `Basic ${btoa(`ada:${PASSWORD}`)}`;

function manifest(name: string, use: string, doYaml: string): string {
  return workflowManifest(name, doYaml, use ? `  use:\n${use}\n` : "");
}

Deno.test("use.secrets: http basic and bearer from secrets through the CLI and daemon, values found nowhere", async () => {
  const api = serveLocal(({ path, headers }) => {
    const auth = headers.authorization ?? "";
    if (path === "/basic" && auth === BASIC) return Response.json({ who: "basic" });
    if (path === "/bearer" && auth === `Bearer ${TOKEN}`) return Response.json({ who: "bearer" });
    return new Response("who are you?", { status: 401 });
  });
  const home = await executionHome();
  const outputs: string[] = [];
  try {
    const login = await home.run(["secret", "set", "login", "--from-stdin"], {
      stdin: JSON.stringify({ username: "ada", password: PASSWORD }),
    });
    assertExit(login, 0, "stigmer secret set login --from-stdin");
    const token = await home.run(["secret", "set", "api_token", "--from-stdin"], {
      stdin: `${TOKEN}\n`,
    });
    assertExit(token, 0, "stigmer secret set api_token --from-stdin");
    const other = await home.run(["secret", "set", "unrelated", "--from-stdin"], {
      stdin: "not-for-this-workflow",
    });
    assertExit(other, 0, "stigmer secret set unrelated --from-stdin");
    outputs.push(login.stdout, login.stderr, token.stdout, token.stderr);

    const call = (name: string, path: string, auth: string, extra = "") => `
    - ${name}:
        call: http
        with:
          method: get
          endpoint:
            uri: ${api.url}${path}
            authentication:
${auth}${extra}`;
    const dir = await writeProject(home, "authed", {
      "authed.yaml": manifest(
        "authed",
        `    secrets: [login, api_token]
    authentications:
      loginAuth:
        basic:
          use: login`,
        call("viaBasic", "/basic", "              use: loginAuth") +
          call(
            "viaBearerExpression",
            "/bearer",
            "              bearer:\n                token: ${ $secrets.api_token }",
          ) +
          call(
            "viaBearerSecret",
            "/bearer",
            "              bearer:\n                use: api_token",
          ) +
          `
    - visible:
        set:
          secrets: \${ $secrets | keys }
          said: \${ "token is " + $secrets.api_token }
`,
      ),
      // A caller that declares no secret: the sub-workflow reads its own use.secrets.
      "caller.yaml": manifest(
        "caller",
        "",
        `    - sub:
        run:
          workflow:
            namespace: tests
            name: authed
            version: "0.1.0"
`,
      ),
      "missing.yaml": manifest(
        "needsmissing",
        "    secrets: [api_token, absent]",
        `    - never:
        set:
          x: 1
`,
      ),
    });
    const apply = await applyProject(home, dir);
    outputs.push(apply.stdout, apply.stderr);

    const run = await home.run(["run", "authed", "--json"]);
    outputs.push(run.stdout, run.stderr);
    assertExit(run, 0, "stigmer run authed");
    const events = ndjson(run.stdout);
    // Only the declared secrets are in $secrets, and a value read in an expression is hidden.
    assertEquals(events.at(-1)!.data, { secrets: ["api_token", "login"], said: "token is ***" });
    assertEquals(
      api.requests.map((r) => [r.path, r.headers.authorization]),
      [["/basic", BASIC], ["/bearer", `Bearer ${TOKEN}`], ["/bearer", `Bearer ${TOKEN}`]],
    );

    const caller = await home.run(["run", "caller", "--json"]);
    outputs.push(caller.stdout, caller.stderr);
    assertExit(caller, 0, "stigmer run caller (run: workflow authed)");
    assertEquals(ndjson(caller.stdout).at(-1)!.data, {
      secrets: ["api_token", "login"],
      said: "token is ***",
    });
    assertEquals(api.requests.length, 6);

    const missing = await home.run(["run", "needsmissing"]);
    outputs.push(missing.stdout, missing.stderr);
    assertExit(missing, 1, "a run whose declared secret is not set");
    assertIncludes(missing.stderr, 'secret "absent" is not set');
    assertIncludes(missing.stderr, "stigmer secret set absent");

    const id = events[0].executionId as string;
    const get = await home.run(["executions", "get", id, "--json"]);
    outputs.push(get.stdout, get.stderr);
    const logs = await home.run(["server", "logs"]);
    outputs.push(logs.stdout, logs.stderr);

    for (const value of [PASSWORD, TOKEN, BASIC]) {
      for (const [i, text] of outputs.entries()) {
        assert(!text.includes(value), `output #${i} shows a secret:\n${text}`);
      }
      assertEquals(await filesContaining(home.home, value), []);
    }
  } finally {
    await home.cleanup();
    await api.close();
  }
});
