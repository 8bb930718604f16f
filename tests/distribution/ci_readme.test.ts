// The README's CI job, run as written: its steps' `run:` scripts, in order, with bash -e as
// GitHub's runner does, in a fresh git repository outside the checkout, on an environment with
// Deno and no Node. The pinned source is this checkout served over HTTP; the cloud backend is a
// real `stigmer server run` over TLS (its private CA given to Deno as a runner would: DENO_CERT).
import { parse } from "yaml";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { REPO } from "../helpers/cli.ts";
import { denoCacheDir } from "../../src/config/environment.ts";
import { serveDirectory } from "./helpers.ts";
import { noise, readmeBlock } from "./readme.ts";
import { makeTestCerts } from "../cloud/tls_certs.ts";
import { createToken, startServer } from "../cloud/server_process.ts";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

async function git(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=ci", "-c", "user.email=ci@example.test", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
}

/**
 * A runner's PATH with Deno and no Node: one folder holding deno and links to the system's
 * programs, except node and its package managers (on this machine they share /usr/bin).
 */
async function runnerPath(dir: string): Promise<string> {
  const bin = `${dir}/runner-bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(Deno.execPath(), `${bin}/deno`);
  const skip = new Set(["node", "nodejs", "npm", "npx", "corepack", "deno"]);
  for (const system of ["/usr/bin", "/bin"]) {
    for await (const entry of Deno.readDir(system)) {
      if (skip.has(entry.name)) continue;
      await Deno.symlink(`${system}/${entry.name}`, `${bin}/${entry.name}`).catch(() => {});
    }
  }
  return bin;
}

Deno.test("the README's CI job works as written in a fresh repository, with Deno and no Node", async () => {
  const job = (parse(await readmeBlock("**In CI**", "yaml")) as {
    jobs: { stigmer: { env: Record<string, string>; steps: Step[] } };
  }).jobs.stigmer;
  const root = await Deno.makeTempDir({ prefix: "stigmer-ci-" });
  const certs = await makeTestCerts();
  const serverHome = `${root}/server-home`;
  await Deno.mkdir(serverHome);
  const tokensFile = `${serverHome}/tokens.yaml`;
  const token = await createToken(serverHome, tokensFile, "ci", ["acme"]);
  const server = await startServer({
    home: serverHome,
    tokensFile,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
  });
  const source = serveDirectory(REPO);
  const repo = `${root}/repo`;
  const runnerHome = `${root}/runner-home`;
  await Deno.mkdir(runnerHome);
  try {
    await copyDir(`${REPO}/examples/hello`, repo);
    await git(["init", "-q"], repo);
    await git(["add", "."], repo);
    await git(["commit", "-q", "-m", "project"], repo);

    const githubPath = `${root}/github_path`;
    await Deno.writeTextFile(githubPath, "");
    let path = await runnerPath(root);
    assert(
      !(await new Deno.Command("sh", { args: ["-c", "command -v node"], env: { PATH: path } })
        .output()).success,
      "node is on the runner's PATH",
    );
    const jobEnv = {
      ...job.env,
      STIGMER_SRC: `${source.url}/`.replace(/\/$/, ""),
      STIGMER_ENDPOINT: server.url,
    };
    const ran: string[] = [];
    for (const step of job.steps) {
      if (step.uses || !step.run) continue; // checkout, setup-deno: the test made both
      const stepEnv: Record<string, string> = {};
      for (const [key, value] of Object.entries(step.env ?? {})) {
        stepEnv[key] = value === "${{ secrets.STIGMER_TOKEN }}" ? token : value;
      }
      const out = await new Deno.Command("bash", {
        args: ["-e", "-c", step.run],
        cwd: repo,
        clearEnv: true,
        env: {
          PATH: path,
          HOME: runnerHome,
          CI: "true",
          GITHUB_PATH: githubPath,
          DENO_DIR: denoCacheDir(), // actions/cache would restore it; here, the machine's cache
          DENO_CERT: certs.caFile,
          ...jobEnv,
          ...stepEnv,
        },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, `step "${step.name}" failed:\n${stdout}\n${stderr}`);
      assert(!noise(stdout + stderr), `step "${step.name}" printed noise:\n${stderr}`);
      assert(!stderr.includes("\x1b["), `escape codes in the CI log of "${step.name}"`);
      assert(!stdout.includes(token) && !stderr.includes(token), "the token reached the log");
      ran.push(`${step.name}\n${stdout}${stderr}`);
      const added = (await Deno.readTextFile(githubPath)).split("\n").filter((l) => l !== "");
      path = [...added.reverse(), path].join(":");
    }
    assertEquals(ran.length, 3, "the install, validate and deploy steps");
    assertMatch(ran[1], /Dry run: the project is valid/);
    assertMatch(ran[2], /Using cloud backend https:\/\/localhost:\d+ \(organization: acme\)/);
    assertMatch(ran[2], /Workflow\s+hello\s+CREATED/);
    // The validate step started no daemon: nothing in the runner's home but the CLI's files.
    assert(
      !(await Deno.stat(`${runnerHome}/.stigmer/data/daemon.json`).catch(() => undefined)),
      "a daemon was started in CI",
    );
  } finally {
    await source.close();
    await server.stop();
    await Deno.remove(certs.dir, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});
