// The README's `deno install -g`, run as written, gives a working, quiet `stigmer` command that
// works from a project folder outside the checkout, reaches a self-hosted server by any name and
// serves on any address; the release install script verifies the SHA-256 sum before installing.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { dirname } from "node:path";
import { makeTestHome, REPO } from "../helpers/cli.ts";
import { serveDirectory } from "./helpers.ts";
import { decode, noise, readmeBlock, sh } from "./readme.ts";
import { makeTestCerts } from "../cloud/tls_certs.ts";
import { cloudEnv, type ServerProcess, startServer } from "../cloud/server_process.ts";

/** The README's `deno install` command, run as written in the checkout, into a temporary root. */
async function installFromReadme(root: string, env: Record<string, string>): Promise<string> {
  const command = await readmeBlock("**`deno install`**", "sh");
  const out = await sh(command, REPO, { ...env, DENO_INSTALL_ROOT: root });
  assertEquals(out.code, 0, out.stderr);
  assert(!noise(out.stdout + out.stderr), `deno install printed noise:\n${out.stderr}`);
  return `${root}/bin/stigmer`;
}

function shimEnv(env: Record<string, string>): Record<string, string> {
  // The shim runs `deno` from PATH, as on a user's machine.
  return { ...env, PATH: `${dirname(Deno.execPath())}:${env.PATH ?? "/usr/bin:/bin"}` };
}

async function runShim(
  bin: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  stdin?: string,
) {
  const child = new Deno.Command(bin, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("the README's deno install gives a quiet stigmer that works from a project folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "stigmer-install-" });
  const home = await makeTestHome();
  const env = shimEnv(home.env);
  try {
    const bin = await installFromReadme(root, env);
    const work = `${root}/work`; // a folder outside the checkout
    await Deno.mkdir(work);
    const version = await runShim(bin, ["version", "--json"], work, env);
    assertEquals(version.code, 0, version.stderr);
    assertEquals(JSON.parse(version.stdout).version.length > 0, true);
    assert(!noise(version.stderr), `the first run printed noise:\n${version.stderr}`);
    const init = await runShim(bin, ["init", "p"], work, env);
    assertEquals(init.code, 0, init.stderr);
    assert(await Deno.stat(`${work}/p/Stigmer.yaml`), "init wrote elsewhere");
    const applied = await runShim(bin, ["apply"], `${work}/p`, env);
    assertEquals(applied.code, 0, applied.stderr);
    assertMatch(applied.stdout, /Agent\s+greeter\s+CREATED/);
    assert(!noise(applied.stderr), applied.stderr);
  } finally {
    await home.cleanup();
    await Deno.remove(root, { recursive: true });
  }
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("the installed stigmer serves on 0.0.0.0 and logs in to a self-hosted name over TLS", async () => {
  const root = await Deno.makeTempDir({ prefix: "stigmer-install-cloud-" });
  const serverHome = await makeTestHome("");
  const userHome = await makeTestHome("");
  // 127.0.0.2 is loopback, but in no default allow-list: it stands in for stigmer.mycorp.dev.
  const certs = await makeTestCerts(["IP:127.0.0.2"]);
  const serverEnv = shimEnv({ ...cloudEnv(serverHome.home), HOME: serverHome.home });
  const userEnv = shimEnv({ ...cloudEnv(userHome.home), HOME: userHome.home });
  let server: ServerProcess | undefined;
  try {
    const bin = await installFromReadme(root, userEnv);
    const tokensFile = `${serverHome.home}/tokens.yaml`;
    const created = await runShim(
      bin,
      ["server", "token", "create", "--name", "ci", "--org", "acme", "--tokens", tokensFile],
      root,
      serverEnv,
    );
    assertEquals(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    const port = freePort();
    server = await startServer({
      home: serverHome.home,
      tokensFile,
      certFile: certs.certFile,
      keyFile: certs.keyFile,
      listen: `0.0.0.0:${port}`,
      command: (args, env) =>
        new Deno.Command(bin, {
          args,
          env: shimEnv(env),
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }),
    });
    assertEquals(server.port, port);

    const endpoint = `https://127.0.0.2:${port}`;
    const login = await runShim(
      bin,
      ["login", "--endpoint", endpoint, "--ca-file", certs.caFile, "--token-stdin"],
      root,
      userEnv,
      `${token}\n`,
    );
    assertEquals(login.code, 0, login.stderr);
    assertMatch(login.stderr, /Logged in to https:\/\/127\.0\.0\.2:\d+ \(organizations: acme\)/);
    assertMatch(login.stderr, /Organization: acme/);
    assert(!/NotCapable|--allow-net|Allow\?/.test(login.stderr), login.stderr);

    const work = `${root}/work`;
    await Deno.mkdir(work);
    assertEquals((await runShim(bin, ["init", "p"], work, userEnv)).code, 0);
    const applied = await runShim(bin, ["apply"], `${work}/p`, userEnv);
    assertEquals(applied.code, 0, applied.stderr);
    assertMatch(
      applied.stderr,
      /Using cloud backend https:\/\/127\.0\.0\.2:\d+ \(organization: acme\)/,
    );
    assertMatch(applied.stdout, /Workflow\s+hello\s+CREATED/);
  } finally {
    await server?.stop();
    await userHome.cleanup();
    await serverHome.cleanup();
    await Deno.remove(certs.dir, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("install.sh installs a release binary only when its SHA-256 sum matches", async () => {
  const release = await Deno.makeTempDir({ prefix: "stigmer-release-" });
  const target = Deno.build.os === "darwin"
    ? `${Deno.build.arch === "aarch64" ? "aarch64" : "x86_64"}-apple-darwin`
    : `${Deno.build.arch}-unknown-linux-gnu`;
  const name = `stigmer-${target}`;
  const fake = new TextEncoder().encode('#!/bin/sh\necho fake-stigmer "$@"\n');
  await Deno.writeFile(`${release}/${name}`, fake);
  await Deno.writeTextFile(`${release}/${name}.sha256`, `${await sha256(fake)}  ${name}\n`);
  const server = serveDirectory(release);
  const dest = `${release}/installed`;
  const install = () =>
    new Deno.Command("sh", {
      args: [`${REPO}/scripts/install.sh`],
      env: {
        STIGMER_INSTALL_BASE_URL: server.url,
        STIGMER_INSTALL_DIR: dest,
        PATH: Deno.env.get("PATH")!,
        HOME: release,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
  try {
    const ok = await install();
    assertEquals(ok.code, 0, decode(ok.stderr));
    const ran = await new Deno.Command(`${dest}/stigmer`, { args: ["--version"], stdout: "piped" })
      .output();
    assertEquals(decode(ran.stdout).trim(), "fake-stigmer --version");

    await Deno.remove(`${dest}/stigmer`);
    await Deno.writeTextFile(`${release}/${name}.sha256`, `${"0".repeat(64)}  ${name}\n`);
    const bad = await install();
    assertEquals(bad.code, 1);
    assertMatch(decode(bad.stderr), /checksum mismatch/);
    assert(
      !(await Deno.stat(`${dest}/stigmer`).catch(() => undefined)),
      "a tampered binary was installed",
    );
  } finally {
    await server.close();
    await Deno.remove(release, { recursive: true });
  }
});
