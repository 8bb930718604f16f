// Issue 16, item 2: sizes are bounded (src/model/limits.ts). The CLI refuses
// too-large resources and batches at apply with file:line before sending;
// the daemon and `server run` refuse what a client sends anyway; List pages by
// size, so the largest allowed resources can all be listed; and memory comes
// back down after large requests.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { API, projectYaml, type ResourceHome, withResourceHome } from "./helpers.ts";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { GrpcError, Status } from "../../src/rpc/status.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { readDaemonInfo } from "../../src/rpc/daemon_info.ts";
import { MAX_BATCH_BYTES, MAX_LABEL_VALUE_CHARS, MAX_SPEC_BYTES } from "../../src/model/limits.ts";
import { createToken, startServer } from "../cloud/server_process.ts";

/** The longest instructions whose spec, {"instructions":"…"}, is still allowed. */
const LARGEST_INSTRUCTIONS = MAX_SPEC_BYTES - JSON.stringify({ instructions: "" }).length;

function bigAgentYaml(name: string, instructionChars: number, labels = ""): string {
  // Printable text in a YAML block scalar: one line, no escaping needed.
  const text = "x".repeat(instructionChars);
  return `${API}\nkind: Agent\nmetadata:\n  name: ${name}\n${labels}spec:\n  instructions: ${text}\n`;
}

function localChannel(home: ResourceHome): Channel {
  const info = readDaemonInfo(`${home.dataDir}/daemon.json`)!;
  const token = Deno.readTextFileSync(`${home.dataDir}/daemon.token`).trim();
  return new Channel({ endpoint: `${info.host}:${info.port}`, token });
}

async function codeOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return Status.OK;
  } catch (err) {
    if (err instanceof GrpcError) return err.code;
    throw err;
  }
}

function agentRequest(name: string, instructionChars: number) {
  return {
    kind: "Agent",
    name,
    labels: {},
    annotations: {},
    specJson: JSON.stringify({ instructions: "y".repeat(instructionChars) }),
    sourceFile: "",
    sourceLine: 0,
  };
}

Deno.test(
  "a spec over 1 MiB and a label over its length are refused at apply with file:line, before sending, and by the daemon",
  withResourceHome(async (home) => {
    const cwd = await home.write("big", {
      "Stigmer.yaml": projectYaml("big"),
      "stigmer/ok.yaml": bigAgentYaml("largest", LARGEST_INSTRUCTIONS),
      "stigmer/spec.yaml": `# the second document is too large\n${bigAgentYaml("small", 10)}---\n${
        bigAgentYaml("too-big", LARGEST_INSTRUCTIONS + 1)
      }`,
      "stigmer/label.yaml": bigAgentYaml(
        "labelled",
        10,
        `  labels:\n    team: ${"t".repeat(MAX_LABEL_VALUE_CHARS + 1)}\n`,
      ),
    });
    for (const args of [["apply", "--dry-run"], ["apply"]]) {
      const refused = await home.expect(2, args, { cwd });
      assertMatch(
        refused.stderr,
        /stigmer\/spec\.yaml:14:\d+: spec: is 1(\.0)? MiB; a resource's spec may be at most 1 MiB/,
      );
      assertMatch(
        refused.stderr,
        /stigmer\/label\.yaml:6:\d+: metadata\.labels\.team: is 257 characters; a label value may be at most 256/,
      );
      assertEquals(home.daemonPids(), [], `${args.join(" ")} started a daemon`);
    }

    // A client that skips the CLI's checks meets the same limits in the daemon.
    await home.expect(0, ["server", "start"]);
    const channel = localChannel(home);
    try {
      const resources = makeClient(channel, ResourceServiceDefinition);
      const largest = await resources.apply({
        org: "local",
        resources: [agentRequest("largest", LARGEST_INSTRUCTIONS)],
      });
      assertEquals(largest.results.map((r) => r.action), ["CREATED"]);
      const refused = await resources.apply({
        org: "local",
        resources: [agentRequest("too-big", LARGEST_INSTRUCTIONS + 1)],
      }).then(() => undefined, (err: unknown) => err);
      // A refused batch is INVALID_ARGUMENT naming each problem (one apply pipeline).
      assert(refused instanceof GrpcError, "a spec over the limit was applied");
      assertEquals(refused.code, Status.INVALID_ARGUMENT);
      assertMatch(refused.message, /is 1(\.0)? MiB; a resource's spec may be at most 1 MiB/);
    } finally {
      channel.close();
    }
  }),
);

Deno.test(
  "a batch over 16 MiB is refused at apply (file:line) and by the daemon; a message over the gRPC limit too",
  withResourceHome(async (home) => {
    // Each resource is allowed; together they are one resource too many.
    const count = Math.floor(MAX_BATCH_BYTES / MAX_SPEC_BYTES) + 1;
    const files: Record<string, string> = { "Stigmer.yaml": projectYaml("batch") };
    for (let i = 0; i < count; i++) {
      files[`stigmer/a${String(i).padStart(2, "0")}.yaml`] = bigAgentYaml(
        `a${i}`,
        LARGEST_INSTRUCTIONS,
      );
    }
    const cwd = await home.write("batch", files);
    const refused = await home.expect(2, ["apply"], { cwd });
    assertMatch(
      refused.stderr,
      /stigmer\/a15\.yaml:1:1: the batch reaches 16(\.0)? MiB here; one apply may send at most 16 MiB/,
    );
    assertEquals(home.daemonPids(), [], "the refused apply started a daemon");

    await home.expect(0, ["server", "start"]);
    const channel = localChannel(home);
    try {
      const resources = makeClient(channel, ResourceServiceDefinition);
      const batch = Array.from(
        { length: count },
        (_, i) => agentRequest(`a${i}`, LARGEST_INSTRUCTIONS),
      );
      assertEquals(
        await codeOf(resources.apply({ org: "local", resources: batch })),
        Status.RESOURCE_EXHAUSTED,
      );
      assertEquals(
        await codeOf(resources.apply({ org: "local", resources: [agentRequest("huge", 40e6)] })),
        Status.RESOURCE_EXHAUSTED,
      );
      assertEquals((await resources.list({ org: "local" })).items, [], "nothing was stored");
    } finally {
      channel.close();
    }
  }),
);

Deno.test(
  "70 agents of the largest allowed spec: `get agents` lists them all (List pages by size)",
  withResourceHome(async (home) => {
    // 70 MiB in all: more than any one message may carry, then or now.
    const perProject = Math.floor(MAX_BATCH_BYTES / MAX_SPEC_BYTES) - 1;
    let total = 0;
    for (let p = 0; total < 70; p++) {
      const files: Record<string, string> = { "Stigmer.yaml": projectYaml(`big-${p}`) };
      for (let i = 0; i < perProject && total < 70; i++, total++) {
        files[`stigmer/agent-${i}.yaml`] = bigAgentYaml(
          `big-${String(total).padStart(2, "0")}`,
          LARGEST_INSTRUCTIONS,
        );
      }
      await home.expect(0, ["apply"], { cwd: await home.write(`big-${p}`, files) });
    }
    const table = await home.expect(0, ["get", "agents"], { cwd: home.home });
    const names = table.stdout.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/)[0]);
    assertEquals(names.length, 70, table.stdout.slice(0, 500));
    assertEquals(names[0], "big-00");
    assertEquals(names[69], "big-69");
  }),
);

function rssMiB(pid: number): number {
  const out = new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)], stdout: "piped" })
    .outputSync();
  return Number(new TextDecoder().decode(out.stdout).trim()) / 1024;
}

/**
 * Ten concurrent Gets of a maximum-size resource, three times, and ten
 * concurrent Applies of a 40 MB resource (refused): afterwards the process
 * must come back near where it was idle.
 */
async function loadAndMeasure(pid: number, channel: Channel, org: string): Promise<string> {
  const resources = makeClient(channel, ResourceServiceDefinition);
  const applied = await resources.apply({
    org,
    resources: [agentRequest("largest", LARGEST_INSTRUCTIONS)],
  });
  assertEquals(applied.results.map((r) => r.action), ["CREATED"]);
  await resources.get({ org, kind: "Agent", ref: "largest" }); // warm
  const idle = rssMiB(pid);
  const refused = await Promise.all(
    Array.from(
      { length: 10 },
      () => codeOf(resources.apply({ org, resources: [agentRequest("huge", 40e6)] })),
    ),
  );
  assertEquals(refused, Array(10).fill(Status.RESOURCE_EXHAUSTED));
  let peak = 0;
  for (let round = 0; round < 3; round++) {
    const got = await Promise.all(
      Array.from({ length: 10 }, () => resources.get({ org, kind: "Agent", ref: "largest" })),
    );
    assert(got.every((r) => r.specJson.length === MAX_SPEC_BYTES));
    peak = Math.max(peak, rssMiB(pid));
  }
  // Generous: V8 gives memory back lazily. Without limits this process grew by
  // gigabytes and stayed 700 MB above idle.
  const margin = 150;
  let after = rssMiB(pid);
  for (let i = 0; i < 60 && after > idle + margin; i++) {
    await new Promise((r) => setTimeout(r, 500));
    after = rssMiB(pid);
  }
  const report = `idle ${idle.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB, after ${
    after.toFixed(0)
  } MiB`;
  assert(after <= idle + margin, `memory did not come back: ${report}`);
  return report;
}

Deno.test(
  "after large requests the daemon's memory comes back near idle",
  withResourceHome(async (home) => {
    await home.expect(0, ["server", "start"]);
    const pid = readDaemonInfo(`${home.dataDir}/daemon.json`)!.pid;
    const channel = localChannel(home);
    try {
      console.log(`daemon: ${await loadAndMeasure(pid, channel, "local")}`);
    } finally {
      channel.close();
    }
  }),
);

Deno.test("after large requests `server run`'s memory comes back near idle", async () => {
  const home = await Deno.makeTempDir({ prefix: "stigmer-size-" });
  const tokensFile = `${home}/tokens.yaml`;
  const token = await createToken(home, tokensFile, "big", ["acme"]);
  const server = await startServer({ home, tokensFile });
  const channel = new Channel({ endpoint: server.url, token });
  try {
    console.log(`server run: ${await loadAndMeasure(server.pid, channel, "acme")}`);
  } finally {
    channel.close();
    await server.stop();
    await Deno.remove(home, { recursive: true });
  }
});
