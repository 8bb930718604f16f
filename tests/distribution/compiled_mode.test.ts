// A `deno compile`d binary cannot be built here (it downloads Deno's runtime),
// so this checks the compiled-mode code path as far as it goes: how the daemon
// is started from the binary itself, from source, and from a URL.
import { assert, assertEquals } from "../helpers/assert.ts";
import { daemonCommandLine } from "../../src/client/daemon/command_line.ts";
import type { DaemonArgs } from "../../src/rpc/daemon_args.ts";
import { isCompiled } from "../../src/cli/commands/version.ts";

const args: DaemonArgs = {
  dataDir: "/home/u/.stigmer/data",
  listen: "127.0.0.1:50051",
  idleTimeoutMs: 10_800_000,
  llmProvider: "ollama",
  llmModel: "qwen2.5-coder:7b",
  llmBaseUrl: "http://localhost:11434",
  llmApiKeyEnv: "",
  logLevel: "info",
};

Deno.test("compiled: the daemon is the binary itself with the hidden command", () => {
  const line = daemonCommandLine({
    execPath: "/usr/local/bin/stigmer",
    mainModule: "file:///x/main.ts",
    compiled: true,
  }, args);
  assertEquals(line.command, "/usr/local/bin/stigmer");
  assertEquals(line.args[0], "__daemon");
  assert(line.args.includes("--data-dir=/home/u/.stigmer/data"));
  assert(!line.args.includes("run"), "a compiled binary has no `run` subcommand");
});

Deno.test("from source: deno run of the same main module and config, with narrow permissions", () => {
  const line = daemonCommandLine({
    execPath: "/usr/bin/deno",
    mainModule: "file:///repo/main.ts",
    compiled: false,
  }, args);
  assertEquals(line.command, "/usr/bin/deno");
  assertEquals(line.args.slice(0, 5), [
    "run",
    "--quiet",
    "--no-prompt",
    "--config",
    "/repo/deno.json",
  ]);
  assert(line.args.some((a) => a.startsWith("--allow-write=/home/u/.stigmer/data")));
  assert(
    line.args.includes("--allow-net=127.0.0.1:50051,127.0.0.1,localhost,[::1],localhost:11434"),
  );
  assert(!line.args.includes("-A") && !line.args.includes("--allow-all"));
  assertEquals(line.args[line.args.indexOf("/repo/main.ts") + 1], "__daemon");
});

Deno.test("from a URL: the same URL and import map, with --allow-import for its host", () => {
  const line = daemonCommandLine({
    execPath: "/usr/bin/deno",
    mainModule: "https://example.test/stigmer/main.ts",
    compiled: false,
  }, args);
  assert(line.args.includes("--import-map"));
  assert(line.args.includes("https://example.test/stigmer/deno.json"));
  assert(line.args.includes("--allow-import=example.test"));
  assert(line.args.includes("https://example.test/stigmer/main.ts"));
});

Deno.test("allowed_hosts widen the daemon's network permission; * allows any host", () => {
  const launch = { execPath: "/usr/bin/deno", mainModule: "file:///repo/main.ts", compiled: false };
  const some = daemonCommandLine(launch, { ...args, allowedHosts: ["api.example.test"] });
  assert(some.args.some((a) => a.startsWith("--allow-net=") && a.includes(",api.example.test")));
  assert(
    some.args.includes("--allowed-hosts=api.example.test"),
    "the daemon is told, to explain refusals",
  );
  const any = daemonCommandLine(launch, { ...args, allowedHosts: ["*"] });
  assert(any.args.includes("--allow-net"));
});

Deno.test("isCompiled is false under deno run", () => {
  assertEquals(isCompiled(), false);
});
