// `deno install -g` gives a working `stigmer` command; the release install
// script verifies the SHA-256 sum before installing.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { CLI_PERMISSIONS, CONFIG, MAIN, makeTestHome, REPO } from "../helpers/cli.ts";
import { serveDirectory } from "./helpers.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("deno install -g makes a stigmer command that applies a project", async () => {
  const root = await Deno.makeTempDir({ prefix: "stigmer-install-" });
  const home = await makeTestHome();
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: [
        "install",
        "-g",
        "--root",
        root,
        "--name",
        "stigmer",
        "--config",
        CONFIG,
        ...CLI_PERMISSIONS,
        MAIN,
      ],
      env: home.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(install.code, 0, decode(install.stderr));
    const bin = `${root}/bin/stigmer`;
    const run = (args: string[], cwd = root) =>
      new Deno.Command(bin, { args, cwd, env: home.env, stdout: "piped", stderr: "piped" })
        .output();
    const version = await run(["version", "--json"]);
    assertEquals(version.code, 0, decode(version.stderr));
    assertEquals(JSON.parse(decode(version.stdout)).version.length > 0, true);
    assertEquals((await run(["init", "p"])).code, 0);
    const applied = await run(["apply"], `${root}/p`);
    assertEquals(applied.code, 0, decode(applied.stderr));
    assertMatch(decode(applied.stdout), /Agent\s+greeter\s+CREATED/);
  } finally {
    await home.cleanup();
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
