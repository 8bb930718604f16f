// A real `stigmer server run` process for the tests, on a free loopback port.
// It is stopped by its own pid at the end; its stderr is kept for messages.
import { cliCommand } from "../helpers/cli.ts";
import { denoCacheDir } from "../../src/config/environment.ts";

/** The CLI's environment for a home; Deno's cache stays the runner's, whatever HOME is. */
export function cloudEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    STIGMER_HOME: home,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    DENO_DIR: denoCacheDir(),
  };
}

export interface ServerProcess {
  pid: number;
  port: number;
  /** https://localhost:PORT (the name the test certificate is made for). */
  url: string;
  log(): string;
  stop(): Promise<void>;
  /** SIGKILL: the server dies with its runs in flight. */
  kill(): Promise<void>;
}

export interface ServerSetup {
  home: string;
  tokensFile: string;
  certFile?: string;
  keyFile?: string;
  database?: string;
  dataDir?: string;
  /** Default 127.0.0.1:0 (a free port). */
  listen?: string;
  /** Default: the CLI from source; e.g. an installed `stigmer` shim instead. */
  command?: (args: string[], env: Record<string, string>) => Deno.Command;
  /** More `server run` flags (e.g. --allow-local-processes). */
  extraArgs?: string[];
  /** `--allow-local-processes`: workflows may run shell, script and container tasks. */
  allowLocalProcesses?: boolean;
}

export async function startServer(setup: ServerSetup): Promise<ServerProcess> {
  const listen = setup.listen ?? "127.0.0.1:0";
  const args = ["server", "run", "--listen", listen, "--tokens", setup.tokensFile];
  if (setup.certFile && setup.keyFile) {
    args.push("--tls-cert", setup.certFile, "--tls-key", setup.keyFile);
  } else args.push("--insecure");
  if (setup.database) args.push("--database", setup.database);
  if (setup.allowLocalProcesses) args.push("--allow-local-processes");
  args.push("--data-dir", setup.dataDir ?? `${setup.home}/server-data`);
  args.push(...(setup.extraArgs ?? []));
  const env = cloudEnv(setup.home);
  const child = (setup.command ?? cliCommand)(args, env).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const listening = Promise.withResolvers<number>();
  const drained = (async () => {
    for await (const chunk of child.stderr) {
      text += decoder.decode(chunk, { stream: true });
      const match = /listening on https?:\/\/[^:]+:(\d+)/.exec(text);
      if (match) listening.resolve(Number(match[1]));
    }
    listening.reject(new Error(`the server exited before listening:\n${text}`));
  })();
  const stdoutDone = child.stdout.cancel();
  const timer = setTimeout(
    () => listening.reject(new Error(`the server did not listen in time:\n${text}`)),
    30_000,
  );
  let port: number;
  try {
    port = await listening.promise;
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    await drained;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    pid: child.pid,
    port,
    url: `${setup.certFile ? "https" : "http"}://localhost:${port}`,
    log: () => text,
    kill: async () => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await drained;
      await stdoutDone;
    },
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timeout = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await child.status;
      clearTimeout(timeout);
      await drained;
      await stdoutDone;
    },
  };
}

/** Runs `stigmer server token create` and returns the printed token. */
export async function createToken(
  home: string,
  tokensFile: string,
  name: string,
  orgs: string[],
): Promise<string> {
  const env = cloudEnv(home);
  const args = ["server", "token", "create", "--name", name, "--tokens", tokensFile];
  for (const org of orgs) args.push("--org", org);
  const out = await cliCommand(args, env).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) {
    throw new Error(`token create failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return stdout.trim();
}
