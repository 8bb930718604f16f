// A private PostgreSQL cluster for the tests: initdb into a temporary
// directory, pg_ctl start on a free loopback port with its unix socket in that
// directory, stopped (and removed) at the end. PostgreSQL refuses to run as
// root, so as root it runs as the "postgres" user. No PostgreSQL is a failure
// with a clear message, never a silent skip (CI installs it: .ci/run).

export interface PgCluster {
  url(database?: string): string;
  port: number;
  /** Stops the server (fast: connections are cut); the data stays. */
  stop(): Promise<void>;
  start(): Promise<void>;
  createDatabase(name: string): Promise<string>;
  destroy(): Promise<void>;
}

const decoder = new TextDecoder();

function findBinDir(): string {
  const candidates: string[] = [];
  try {
    for (const e of Deno.readDirSync("/usr/lib/postgresql")) {
      candidates.push(`/usr/lib/postgresql/${e.name}/bin`);
    }
  } catch { /* not the Debian layout */ }
  candidates.sort().reverse();
  for (const dir of candidates) {
    try {
      Deno.statSync(`${dir}/initdb`);
      return dir;
    } catch { /* next */ }
  }
  throw new Error(
    "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): these tests need it. " +
      "Install it with: apt-get install postgresql   (.ci/run does)",
  );
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const asRoot = Deno.uid() === 0;

async function run(bin: string, args: string[]): Promise<void> {
  const command = asRoot
    ? new Deno.Command("runuser", { args: ["-u", "postgres", "--", bin, ...args] })
    : new Deno.Command(bin, { args });
  const out = await command.output();
  if (out.code !== 0) {
    throw new Error(
      `${bin} ${args.join(" ")} failed (${out.code}):\n${decoder.decode(out.stderr)}${
        decoder.decode(out.stdout)
      }`,
    );
  }
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = findBinDir();
  const dir = await Deno.makeTempDir({ prefix: "stigmer-pg-" });
  if (asRoot) {
    const uid = Number(
      decoder.decode(
        (await new Deno.Command("id", { args: ["-u", "postgres"] })
          .output()).stdout,
      ).trim(),
    );
    const gid = Number(
      decoder.decode(
        (await new Deno.Command("id", { args: ["-g", "postgres"] })
          .output()).stdout,
      ).trim(),
    );
    await Deno.chown(dir, uid, gid);
  }
  const data = `${dir}/data`;
  const port = freePort();
  await run(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "stigmer",
    "--auth=trust",
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
    "--no-sync",
  ]);
  const start = () =>
    run(`${bin}/pg_ctl`, [
      "-D",
      data,
      "-l",
      `${dir}/server.log`,
      "-w",
      "-o",
      `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off`,
      "start",
    ]);
  await start();
  const url = (database = "postgres") => `postgres://stigmer@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    start,
    stop: () => run(`${bin}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]),
    createDatabase: async (name) => {
      const { default: postgres } = await import("postgres");
      const sql = postgres(url(), { onnotice: () => {}, max: 1 });
      try {
        await sql.unsafe(`CREATE DATABASE "${name}"`);
      } finally {
        await sql.end();
      }
      return url(name);
    },
    destroy: async () => {
      await run(`${bin}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
