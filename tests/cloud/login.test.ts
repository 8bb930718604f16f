// `stigmer login`, cloud commands and `logout` through the real CLI against a
// real `stigmer server run` over TLS (SQLite store), with the bad inputs the
// issue lists: wrong token, revoked token, plaintext off loopback, untrusted
// CA, host name mismatch, an org the token may not use.
import { type CliResult, makeTestHome, type TestHome } from "../helpers/cli.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, assertNoDaemon, assertNoStackTrace } from "../cli/helpers.ts";
import { denoCacheDir } from "../../src/config/environment.ts";
import { makeTestCerts, type TestCerts } from "./tls_certs.ts";
import { createToken, type ServerProcess, startServer } from "./server_process.ts";

interface World {
  home: TestHome;
  certs: TestCerts;
  server: ServerProcess;
  tokensFile: string;
  token: string;
  cli(
    args: string[],
    options?: { stdin?: string; env?: Record<string, string>; cwd?: string },
  ): Promise<CliResult>;
}

function withWorld(fn: (w: World) => Promise<void>): () => Promise<void> {
  return async () => {
    const home = await makeTestHome("");
    const certs = await makeTestCerts();
    const tokensFile = `${home.home}/tokens.yaml`;
    const token = await createToken(home.home, tokensFile, "ci-acme", ["acme"]);
    const server = await startServer({
      home: home.home,
      tokensFile,
      certFile: certs.certFile,
      keyFile: certs.keyFile,
    });
    const cli: World["cli"] = async (args, options = {}) => {
      const result = await home.run(args, {
        cwd: options.cwd,
        stdin: options.stdin,
        env: { DENO_DIR: denoCacheDir(), ...options.env },
      });
      assertNoStackTrace(result, `stigmer ${args.join(" ")}`);
      return result;
    };
    try {
      await fn({ home, certs, server, tokensFile, token, cli });
      assertNoDaemon(home); // cloud mode never starts the local daemon
    } finally {
      await server.stop();
      await home.cleanup();
      await Deno.remove(certs.dir, { recursive: true });
    }
  };
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

async function login(w: World, extra: string[] = []) {
  return await w.cli(
    ["login", "--endpoint", w.server.url, "--ca-file", w.certs.caFile, "--token-stdin", ...extra],
    { stdin: `${w.token}\n` },
  );
}

Deno.test(
  "server token create prints the token once and stores only its hash, 0600",
  withWorld(async (w) => {
    const text = await Deno.readTextFile(w.tokensFile);
    assert(!text.includes(w.token), "the tokens file holds the token in clear");
    assertMatch(text, /name: ci-acme[\s\S]*sha256: [0-9a-f]{64}[\s\S]*- acme/);
    assertEquals((await Deno.stat(w.tokensFile)).mode! & 0o777, 0o600);
    assertMatch(w.token, /^stg_[A-Za-z0-9_-]{40,}$/);
    const again = await w.cli([
      "server",
      "token",
      "create",
      "--name",
      "ci-acme",
      "--org",
      "x",
      "--tokens",
      w.tokensFile,
    ]);
    assertExit(again, 2, "a duplicate name");
    assertMatch(again.stderr, /already exists/);
  }),
);

Deno.test(
  "login verifies, saves 0600 and switches to cloud; commands use it; logout returns to local",
  withWorld(async (w) => {
    const result = await login(w);
    assertExit(result, 0, "login");
    assertMatch(result.stderr, /Logged in to https:\/\/localhost:\d+ \(organizations: acme\)/);
    assert(!result.stdout.includes(w.token) && !result.stderr.includes(w.token));
    const credentials = `${w.home.home}/credentials.yaml`;
    assertEquals((await Deno.stat(credentials)).mode! & 0o777, 0o600);
    assert((await Deno.readTextFile(credentials)).includes(w.token));
    assertMatch(await Deno.readTextFile(`${w.home.home}/config.yaml`), /type: cloud/);

    const status = await w.cli(["backend", "status", "--json"]);
    assertExit(status, 0, "backend status");
    assert(!status.stdout.includes(w.token), "backend status printed the token");
    const report = JSON.parse(status.stdout);
    assertEquals([report.mode, report.endpoint, report.loggedIn], ["cloud", w.server.url, true]);

    // The token may use one organization only: login selected it, so no --org is needed.
    assertMatch(result.stderr, /Organization: acme \(the only one this token may use\)/);
    const selected = await w.cli(["get", "workflows"]);
    assertExit(selected, 0, "get with the organization login selected");
    assertMatch(await Deno.readTextFile(`${w.home.home}/config.yaml`), /organization: acme/);

    const project = await Deno.makeTempDir({ dir: w.home.home });
    await Deno.writeTextFile(
      `${project}/Stigmer.yaml`,
      "name: demo\nresources: ['stigmer/*.yaml']\n",
    );
    await Deno.mkdir(`${project}/stigmer`);
    await Deno.writeTextFile(
      `${project}/stigmer/wf.yaml`,
      `apiVersion: agentic.stigmer.ai/v1\nkind: Workflow\nmetadata:\n  name: hello\nspec:\n  document:\n    dsl: "1.0.0"\n    namespace: t\n    name: hello\n    version: "0.1.0"\n  do:\n    - a:\n        set:\n          x: 1\n`,
    );
    const applied = await w.cli(["apply", "--dir", project, "--org", "acme"]);
    assertExit(applied, 0, "apply in cloud mode");
    assertMatch(
      applied.stderr,
      /Using cloud backend https:\/\/localhost:\d+ \(organization: acme\)/,
    );
    const got = await w.cli(["get", "workflow", "hello", "--org", "acme", "-o", "json"]);
    assertExit(got, 0, "get in cloud mode");
    assertEquals(JSON.parse(got.stdout).metadata.org, "acme");

    // An org the token may not use: PERMISSION_DENIED, explained.
    const other = await w.cli(["get", "workflows", "--org", "globex"]);
    assertExit(other, 1, "get in another org");
    assertMatch(other.stderr, /may not use organization "globex"/);
    assertMatch(other.stderr, /hint: choose an organization your token may use/);

    const out = await w.cli(["logout"]);
    assertExit(out, 0, "logout");
    assert(!(await exists(credentials)), "logout left the credentials");
    assertMatch(await Deno.readTextFile(`${w.home.home}/config.yaml`), /type: local/);
  }),
);

Deno.test(
  "login takes the token from STIGMER_TOKEN when stdin is not a terminal",
  withWorld(async (w) => {
    const result = await w.cli(
      ["login", "--endpoint", w.server.url, "--ca-file", w.certs.caFile],
      { env: { STIGMER_TOKEN: w.token } },
    );
    assertExit(result, 0, "login with STIGMER_TOKEN");
    assert((await Deno.readTextFile(`${w.home.home}/credentials.yaml`)).includes(w.token));
  }),
);

async function assertNothingSaved(w: World) {
  assert(!(await exists(`${w.home.home}/credentials.yaml`)), "credentials were saved");
  const config = await Deno.readTextFile(`${w.home.home}/config.yaml`).catch(() => "");
  assert(!/type: cloud/.test(config), "backend.type was set to cloud");
}

Deno.test(
  "a wrong token is refused by login and nothing is saved",
  withWorld(async (w) => {
    const result = await w.cli(
      ["login", "--endpoint", w.server.url, "--ca-file", w.certs.caFile, "--token-stdin"],
      { stdin: "stg_not-a-real-token\n" },
    );
    assertExit(result, 1, "login with a wrong token");
    assertMatch(result.stderr, /refused the token: invalid or revoked token/);
    assertMatch(result.stderr, /nothing was saved/);
    await assertNothingSaved(w);
  }),
);

Deno.test(
  "certificates that do not match are refused: untrusted CA, no CA, wrong host name",
  withWorld(async (w) => {
    const untrusted = await w.cli(
      ["login", "--endpoint", w.server.url, "--ca-file", w.certs.otherCaFile, "--token-stdin"],
      { stdin: w.token },
    );
    assertExit(untrusted, 1, "login with another CA");
    assertMatch(
      untrusted.stderr,
      /TLS certificate of https:\/\/localhost:\d+ was refused: it is not signed by a trusted authority/,
    );
    const noCa = await w.cli(["login", "--endpoint", w.server.url, "--token-stdin"], {
      stdin: w.token,
    });
    assertExit(noCa, 1, "login without the CA");
    assertMatch(noCa.stderr, /hint: if the server uses a private CA: stigmer login --ca-file/);
    // The certificate names "localhost" only.
    const byIp = w.server.url.replace("localhost", "127.0.0.1");
    const mismatch = await w.cli(
      ["login", "--endpoint", byIp, "--ca-file", w.certs.caFile, "--token-stdin"],
      { stdin: w.token },
    );
    assertExit(mismatch, 1, "login to a name the certificate does not hold");
    assertMatch(mismatch.stderr, /was refused: it is not valid for this host name/);
    await assertNothingSaved(w);
  }),
);

Deno.test(
  "plaintext to a host that is not loopback is refused before any token is sent",
  withWorld(async (w) => {
    const result = await w.cli(
      ["login", "--endpoint", "http://stigmer.example.com:8080", "--token-stdin"],
      { stdin: w.token },
    );
    assertExit(result, 2, "login over plaintext");
    assertMatch(result.stderr, /refusing plaintext to stigmer.example.com:8080/);
    await assertNothingSaved(w);
  }),
);

Deno.test(
  "a token removed from the tokens file stops working without a restart",
  withWorld(async (w) => {
    assertExit(await login(w), 0, "login");
    assertExit(await w.cli(["get", "workflows", "--org", "acme"]), 0, "get before revoking");
    // Keep another token, remove ci-acme: the server re-reads the file on the next call.
    await createToken(w.home.home, w.tokensFile, "other", ["acme"]);
    const text = await Deno.readTextFile(w.tokensFile);
    const kept = text.replace(/ {2}- name: ci-acme\n(?: {4}.*\n| {6}.*\n)*/, "");
    assert(kept !== text && !kept.includes("ci-acme"), kept);
    await Deno.writeTextFile(w.tokensFile, kept);
    const after = await w.cli(["get", "workflows", "--org", "acme"]);
    assertExit(after, 1, "get after revoking");
    assertMatch(after.stderr, /invalid or revoked token/);
    assertMatch(after.stderr, /hint: run: stigmer login/);
  }),
);

Deno.test(
  "login with a token for several organizations selects none; cloud mode then requires one",
  withWorld(async (w) => {
    const token = await createToken(w.home.home, w.tokensFile, "two", ["acme", "globex"]);
    const result = await w.cli(
      ["login", "--endpoint", w.server.url, "--ca-file", w.certs.caFile, "--token-stdin"],
      { stdin: `${token}\n` },
    );
    assertExit(result, 0, "login");
    assertMatch(result.stderr, /Choose an organization: stigmer context set --org acme/);
    // The organization is required in cloud mode (SPEC §4).
    const noOrg = await w.cli(["get", "workflows"]);
    assertExit(noOrg, 2, "get without an org");
    assertMatch(noOrg.stderr, /organization not set for cloud mode/);
  }),
);

const WORKFLOW = (name: string) =>
  `apiVersion: agentic.stigmer.ai/v1\nkind: Workflow\nmetadata:\n  name: ${name}\nspec:\n  document:\n    dsl: "1.0.0"\n    namespace: t\n    name: ${name}\n    version: "0.1.0"\n  do:\n    - a:\n        set:\n          x: 1\n`;

Deno.test(
  "apply --dir B inside project A takes B's organization, never A's",
  withWorld(async (w) => {
    assertExit(await login(w), 0, "login");
    // The token's only organization was selected by login: forget it, so that B has no source.
    assertExit(await w.cli(["config", "unset", "context.organization"]), 0, "config unset");
    const write = async (dir: string, files: Record<string, string>) => {
      for (const [path, text] of Object.entries(files)) {
        await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
        await Deno.writeTextFile(`${dir}/${path}`, text);
      }
    };
    // A, the current directory, names an organization this token may not use.
    const a = `${w.home.home}/a`;
    await write(a, {
      "Stigmer.yaml": "name: a\norganization: globex\n",
      "stigmer/wf.yaml": WORKFLOW("from-a"),
    });
    // B names none; C names acme.
    const b = `${w.home.home}/b`;
    await write(b, { "Stigmer.yaml": "name: b\n", "stigmer/wf.yaml": WORKFLOW("from-b") });
    const c = `${w.home.home}/c`;
    await write(c, {
      "Stigmer.yaml": "name: c\norganization: acme\n",
      "stigmer/wf.yaml": WORKFLOW("from-c"),
    });

    // B has no organization and there is no other source: asked for, not taken from A.
    const none = await w.cli(["apply", "--dir", b], { cwd: a });
    assertExit(none, 2, "apply --dir B without an organization");
    assertMatch(none.stderr, /organization not set for cloud mode/);

    const fromC = await w.cli(["apply", "--dir", c], { cwd: a });
    assertExit(fromC, 0, "apply --dir C");
    assertMatch(fromC.stderr, /\(organization: acme\)/);

    // With a context organization, B applies there (twice: the second from the cache).
    assertExit(await w.cli(["context", "set", "--org", "acme"]), 0, "context set");
    for (const round of ["cold", "warm"]) {
      const fromB = await w.cli(["apply", "--dir", b], { cwd: a });
      assertExit(fromB, 0, `apply --dir B (${round})`);
      assertMatch(fromB.stderr, /\(organization: acme\)/);
    }
    const fileOfB = await w.cli(["apply", "-f", `${b}/stigmer/wf.yaml`], { cwd: a });
    assertExit(fileOfB, 0, "apply -f a file of B");
    assertMatch(fileOfB.stderr, /\(organization: acme\)/);
    const got = await w.cli(["get", "workflows", "--org", "acme", "-o", "json"]);
    assertEquals(
      JSON.parse(got.stdout).map((r: { metadata: { name: string } }) => r.metadata.name).sort(),
      ["from-b", "from-c"],
    );
    // A itself still uses its own organization (which this token may not use).
    const own = await w.cli(["apply"], { cwd: a });
    assertExit(own, 1, "apply in A");
    assertMatch(own.stderr, /may not use organization "globex"/);
  }),
);
