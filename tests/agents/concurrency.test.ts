// 20 agent runs at once, each with its own stdio MCP server (the real
// filesystem server from npm): all complete, and `ps` shows none left.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  daemonChannel,
  daemonPid,
  executionClient,
  executionHome,
  localConfig,
  sleep,
  writeProject,
} from "../executions/helpers.ts";
import { lastUser, startScriptedModel, toolResults } from "../helpers/scripted_model.ts";
import {
  agentManifest,
  assertNoneLeft,
  FILESYSTEM_SERVER,
  processes,
  recordedGroups,
} from "./helpers.ts";

const RUNS = 20;

Deno.test(`${RUNS} concurrent agent runs, each with its own stdio MCP server; none left afterwards`, async () => {
  const files = await Deno.makeTempDir({ prefix: "stigmer-agent-files-" });
  await Deno.writeTextFile(`${files}/a.txt`, "a\n");
  const model = startScriptedModel((messages) =>
    toolResults(messages).length === 0
      ? { toolCalls: [{ name: "list_directory", arguments: { path: files } }] }
      : { text: `${lastUser(messages)}: ${toolResults(messages)[0].trim()}` }
  );
  const home = await executionHome(localConfig({ llm: { base_url: model.url } }));
  const seen = new Set<number>();
  try {
    const dir = await writeProject(home, "many", {
      "agent.yaml": agentManifest(
        "lister",
        `
instructions: List files.
mcpServers:
  - name: files
    stdio: {command: npx, args: ["-y", "${FILESYSTEM_SERVER}", "${files}"]}
    enabledTools: [list_directory]
`,
      ),
    });
    await applyProject(home, dir);
    const channel = daemonChannel(home);
    try {
      const client = executionClient(channel);
      const ids = await Promise.all(
        Array.from({ length: RUNS }, async (_, i) =>
          (await client.start({
            org: "local",
            target: "lister",
            targetKind: "Agent",
            inputJson: "{}",
            message: `run ${i}`,
            session: "",
          })).id),
      );
      let peakGroups = 0;
      let peakRssKb = 0;
      const pid = daemonPid(home)!;
      while (true) {
        const phases = await Promise.all(
          ids.map(async (id) => (await client.get({ org: "local", id })).phase),
        );
        const groups = recordedGroups(home.dataDir);
        for (const g of groups) seen.add(g);
        peakGroups = Math.max(peakGroups, groups.length);
        const rss = new TextDecoder().decode(
          new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).outputSync().stdout,
        );
        peakRssKb = Math.max(peakRssKb, Number(rss.trim()) || 0);
        if (phases.every((p) => p !== "RUNNING" && p !== "PENDING")) {
          assertEquals(phases, ids.map(() => "COMPLETED"));
          break;
        }
        await sleep(200);
      }
      for (const [i, id] of ids.entries()) {
        const execution = await client.get({ org: "local", id });
        assertEquals(JSON.parse(execution.outputJson), { message: `run ${i}: [FILE] a.txt` });
      }
      console.log(
        `${RUNS} runs: at most ${peakGroups} MCP servers at once, daemon peak RSS ${
          Math.round(peakRssKb / 1024)
        } MiB`,
      );
      assert(seen.size > 0, "the runs' servers were recorded");
    } finally {
      channel.close();
    }
    assertEquals(recordedGroups(home.dataDir), []);
  } finally {
    await home.cleanup();
    await model.close();
  }
  await assertNoneLeft({ argsInclude: files, groups: [...seen] });
  assertEquals(processes().filter((p) => p.args.includes(files)), []);
  await Deno.remove(files, { recursive: true });
});
