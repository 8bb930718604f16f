// STIGMER_HOME itself: file modes, a secret file others can read, and homes the
// CLI cannot read or write. Each failure is clear, exits 1 or 2, and changes
// nothing. These tests run as root in some places, where mode bits do not
// stop anyone: they then use what does (an immutable directory, a path
// through a regular file).
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  assertExit,
  type CliHome,
  cliTest,
  permissionsBypassed,
  readText,
  snapshotTree,
} from "./helpers.ts";

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

function canWrite(dir: string): boolean {
  try {
    Deno.writeTextFileSync(`${dir}/.write-probe`, "x");
    Deno.removeSync(`${dir}/.write-probe`);
    return true;
  } catch {
    return false;
  }
}

async function chattr(flag: "+i" | "-i", path: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("chattr", { args: [flag, path], stderr: "null" }).output();
    return out.success;
  } catch {
    return false; // no chattr (macOS, or a minimal image)
  }
}

/**
 * Makes dir read-only for everyone, root included, and says how; undefined
 * when this machine offers no way to.
 */
async function makeReadOnly(
  dir: string,
): Promise<{ how: string; undo(): Promise<void> } | undefined> {
  Deno.chmodSync(dir, 0o500);
  if (!canWrite(dir)) {
    return {
      how: "chmod 500",
      undo: () => Promise.resolve(Deno.chmodSync(dir, 0o700)),
    };
  }
  Deno.chmodSync(dir, 0o700);
  // Root ignores mode bits, but not an immutable directory (Linux, ext4/xfs/btrfs).
  if (await chattr("+i", dir)) {
    if (!canWrite(dir)) {
      return {
        how: "chattr +i",
        undo: async () => void (await chattr("-i", dir)),
      };
    }
    await chattr("-i", dir);
  }
  return undefined;
}

/** A STIGMER_HOME no one can use: below a regular file, so every access fails (ENOTDIR). */
async function homeBelowAFile(home: CliHome): Promise<string> {
  const file = `${home.home}/not-a-directory`;
  await Deno.writeTextFile(file, "");
  return `${file}/stigmer`;
}

function assertFailedClearly(result: { code: number; stderr: string }, what: string): void {
  assert(result.code === 1 || result.code === 2, `${what}: exit ${result.code}\n${result.stderr}`);
  assertMatch(result.stderr, /^error: /m, what);
  assertMatch(result.stderr, /^hint: /m, what);
}

cliTest("files the CLI writes: home 0700, config.yaml 0600", async (home) => {
  const fresh = `${home.home}/new/stigmer-home`;
  const result = await home.run(["config", "set", "context.organization", "acme"], {
    env: { STIGMER_HOME: fresh },
  });
  assertExit(result, 0);
  assertEquals(mode(fresh), 0o700);
  assertEquals(mode(`${fresh}/config.yaml`), 0o600);
  // Atomic writes leave no temp file behind.
  assertEquals(Object.keys(snapshotTree(fresh)), ["/config.yaml"]);
});

cliTest("a credentials.yaml others can read is repaired to 0600 with a warning", async (home) => {
  await Deno.writeTextFile(home.configPath, "backend:\n  type: cloud\n");
  const credentials = `${home.home}/credentials.yaml`;
  await Deno.writeTextFile(credentials, "token: x\n");
  Deno.chmodSync(credentials, 0o644);

  const result = await home.run(["backend", "status"], { env: { STIGMER_ORG: "acme" } });
  assertExit(result, 0);
  assertMatch(
    result.stderr,
    /^warning: .*credentials\.yaml was readable by other users \(mode 644\); changed to 600$/m,
  );
  assertEquals(mode(credentials), 0o600);
  assertMatch(result.stdout, /^Logged in: +yes/m);
  assertEquals(readText(credentials), "token: x\n");

  // Repaired once: no warning the next time.
  const again = await home.run(["backend", "status"], { env: { STIGMER_ORG: "acme" } });
  assertExit(again, 0);
  assertEquals(again.stderr, "");
});

cliTest("tokens are never printed", async (home) => {
  const token = "stg_0123456789abcdef-secret";
  await Deno.writeTextFile(home.configPath, "backend:\n  type: cloud\n");
  await Deno.writeTextFile(
    `${home.home}/credentials.yaml`,
    `endpoint: https://stigmer.example:443\ntoken: ${token}\n`,
    { mode: 0o600 },
  );
  const runs = [
    await home.run(["backend", "status"]),
    await home.run(["backend", "status", "--json"]),
    await home.run(["config", "list"]),
    await home.run(["config", "list", "--json"]),
    await home.run(["context", "show"]),
    await home.run(["backend", "status", "--json"], {
      env: { STIGMER_TOKEN: "env-token-value-secret" },
    }),
  ];
  for (const result of runs) {
    assertExit(result, 0);
    assert(!`${result.stdout}${result.stderr}`.includes(token), result.stdout);
    assert(!`${result.stdout}${result.stderr}`.includes("env-token-value-secret"), result.stdout);
  }
  const fromEnv = JSON.parse(runs[5].stdout) as { credentials: string; endpoint: string };
  assertEquals(fromEnv.credentials, "STIGMER_TOKEN");
  assertEquals(JSON.parse(runs[1].stdout).endpoint, "https://stigmer.example:443");
});

cliTest("an unreadable STIGMER_HOME: a clear error, exit 1 or 2, nothing lost", async (home) => {
  const config = "# mine\nbackend:\n  type: local\n";
  await Deno.writeTextFile(home.configPath, config);
  // Mode 000 works for ordinary users; root reads through it, so use a path
  // that cannot be a directory instead.
  const bypassed = permissionsBypassed();
  const stigmerHome = bypassed ? await homeBelowAFile(home) : home.home;
  if (!bypassed) Deno.chmodSync(home.home, 0o000);
  try {
    const env = { STIGMER_HOME: stigmerHome };
    for (
      const args of [
        ["config", "list"],
        ["config", "get", "backend.type"],
        ["backend", "status"],
        ["context", "show"],
        ["config", "set", "backend.type", "cloud"],
        ["backend", "use", "cloud"],
      ]
    ) {
      const result = await home.run(args, { env });
      assertFailedClearly(result, args.join(" "));
      // The message names the path it could not use.
      assert(result.stderr.includes(stigmerHome), `${args.join(" ")}: ${result.stderr}`);
      assertEquals(result.stdout, "");
    }
  } finally {
    if (!bypassed) Deno.chmodSync(home.home, 0o700);
  }
  assertEquals(readText(home.configPath), config);
  if (bypassed) assertEquals(readText(`${home.home}/not-a-directory`), "");
});

cliTest(
  "a read-only STIGMER_HOME: edits fail clearly, reads work, no file changed or lost",
  async (home) => {
    await Deno.writeTextFile(home.configPath, "# mine\nbackend:\n  type: local # keep\n");
    await Deno.writeTextFile(`${home.home}/credentials.yaml`, "token: x\n", { mode: 0o600 });
    const before = snapshotTree(home.home);
    const readOnly = await makeReadOnly(home.home);
    // No way to make a directory read-only for root here: a home below a file
    // is the next best thing (every write fails there too).
    const env: Record<string, string> = readOnly
      ? {}
      : { STIGMER_HOME: await homeBelowAFile(home) };
    try {
      for (
        const args of [
          ["config", "set", "backend.type", "cloud"],
          ["config", "set", "backend.local.idle_timeout", "5m"],
          ["config", "unset", "backend.type"],
          ["backend", "use", "cloud"],
          ["context", "set", "--org", "acme"],
        ]
      ) {
        const result = await home.run(args, { env });
        assertFailedClearly(result, `${args.join(" ")} (${readOnly?.how ?? "home below a file"})`);
        assertMatch(result.stderr, /config\.yaml|stigmer/);
      }
      if (readOnly) {
        assertMatch(
          (await home.run(["config", "set", "backend.type", "cloud"])).stderr,
          /^error: cannot write .*config\.yaml: (permission denied|read-only file system)$/m,
        );
        // Reading a read-only home is fine.
        const get = await home.run(["config", "get", "backend.type"]);
        assertExit(get, 0);
        assertEquals(get.stdout, "local\n");
      }
    } finally {
      await readOnly?.undo();
    }
    if (!readOnly) Deno.removeSync(`${home.home}/not-a-directory`);
    assertEquals(snapshotTree(home.home), before);
  },
);

cliTest(
  "a credentials.yaml others can read is repaired with a warning by every cloud command",
  async (home) => {
    await Deno.writeTextFile(home.configPath, "backend:\n  type: cloud\n");
    const credentials = `${home.home}/credentials.yaml`;
    // A loopback endpoint nobody listens on: the command fails after reading the token.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    await Deno.writeTextFile(credentials, `endpoint: http://127.0.0.1:${port}\ntoken: x\n`);
    Deno.chmodSync(credentials, 0o644);
    const result = await home.run(["get", "agents"], { env: { STIGMER_ORG: "acme" } });
    assertExit(result, 3);
    const warned = result.stderr.split("\n").filter((line) => line.startsWith("warning:"));
    assertEquals(warned.length, 1, result.stderr);
    assertMatch(warned[0], /credentials\.yaml \(644 → 600\)/);
    assertEquals(mode(credentials), 0o600);
  },
);
