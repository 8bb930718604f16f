// The apply pipeline end to end: the backend checks references in its apply
// transaction and its errors point at the field, also when the project comes
// from the cache (the second, warm apply); a prune that would strand a
// reference is refused whole.
import { assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  agentYaml,
  applyTable,
  projectYaml,
  skillYaml,
  storeSnapshot,
  withResourceHome,
} from "./helpers.ts";

const GHOST =
  /stigmer\/team\.yaml:15:18: spec\.skills\[1\]: Skill "ghost" not found: no Skill of that name in this batch or in organization local/;

async function cacheEntries(home: string): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir(`${home}/cache/projects`)) count++;
  return count;
}

Deno.test(
  "a missing reference points at its field on a cold and on a cached apply",
  withResourceHome(async (home) => {
    // The agent is the second document: its file:line is not the file's start.
    const team = await home.write("team", {
      "Stigmer.yaml": projectYaml("team"),
      "stigmer/team.yaml": `${skillYaml("kept")}---\n${
        agentYaml("writer", { skills: ["kept", "ghost"] })
      }`,
    });
    const dry = await home.expect(0, ["apply", "--dry-run"], { cwd: team });
    assertMatch(
      dry.stderr,
      /spec\.skills\[1\]: Skill "ghost" not found: no Skill of that name in this batch \(apply will look in the backend\)/,
    );
    assertEquals(home.daemonPids(), [], "--dry-run started the daemon");

    const cold = await home.expect(2, ["apply"], { cwd: team });
    assertMatch(cold.stderr, /a reference names no resource; nothing applied/);
    assertMatch(cold.stderr, GHOST);
    assertEquals(cold.stdout, "");
    assertEquals(await cacheEntries(home.home), 1, "the checked project was not cached");

    // Warm: the project comes from the cache, which keeps no YAML positions.
    const warm = await home.expect(2, ["apply"], { cwd: team });
    assertMatch(warm.stderr, GHOST);
    assertEquals(await storeSnapshot(home), [], "a refused batch applied something");

    // Once the skill exists in the backend, the same cached project applies.
    const ghost = await home.write("ghost", { "ghost.yaml": skillYaml("ghost") });
    await home.expect(0, ["apply", "-f", `${ghost}/ghost.yaml`], { cwd: home.home });
    const applied = await home.expect(0, ["apply"], { cwd: team });
    assertEquals(applyTable(applied.stdout).map((r) => [r.kind, r.name, r.action, r.version]), [
      ["Skill", "kept", "CREATED", "1"],
      ["Agent", "writer", "CREATED", "1"],
    ]);
    const json = JSON.parse((await home.expect(0, ["apply", "--json"], { cwd: team })).stdout);
    assertEquals(json.map((r: Record<string, unknown>) => Object.keys(r).sort()), [
      ["action", "id", "kind", "name", "version"],
      ["action", "id", "kind", "name", "version"],
    ]);
    assertEquals(json.map((r: { action: string }) => r.action), ["UNCHANGED", "UNCHANGED"]);
  }),
);

Deno.test(
  "apply --prune that would delete a resource still referenced is refused whole",
  withResourceHome(async (home) => {
    const proj = await home.write("proj", {
      "Stigmer.yaml": projectYaml("proj"),
      "stigmer/agent.yaml": agentYaml("writer", { skills: ["style"] }),
      "stigmer/skill.yaml": skillYaml("style"),
      "stigmer/old.yaml": agentYaml("old"),
    });
    await home.expect(0, ["apply"], { cwd: proj });
    const before = await storeSnapshot(home);

    // Without the skill's manifest, a plain apply still finds it in the backend...
    await Deno.remove(`${proj}/stigmer/skill.yaml`);
    await Deno.remove(`${proj}/stigmer/old.yaml`);
    await home.expect(0, ["apply"], { cwd: proj });
    // ...but --prune would delete it under the agent: nothing is applied, "old" stays.
    const refused = await home.expect(2, ["apply", "--prune"], { cwd: proj });
    assertMatch(
      refused.stderr,
      /stigmer\/agent\.yaml:7:\d+: spec\.skills\[0\]: Skill "style" not found: no Skill of that name in this batch or in organization local/,
    );
    assertEquals(await storeSnapshot(home), before);
  }),
);

Deno.test(
  "the project cache is missed exactly when the globs could match other files",
  withResourceHome(async (home) => {
    const project = await home.write("cached", {
      "Stigmer.yaml": projectYaml("cached"),
      "stigmer/a.yaml": agentYaml("a"),
      "other/d.yaml": agentYaml("d"),
      "elsewhere/e.yaml": agentYaml("e"),
    });
    const names = async () =>
      applyTable((await home.expect(0, ["apply"], { cwd: project })).stdout).map((r) => r.name);
    const entryFile = async () => {
      for await (const e of Deno.readDir(`${home.home}/cache/projects`)) {
        return `${home.home}/cache/projects/${e.name}`;
      }
      throw new Error("no cache entry");
    };

    assertEquals(await names(), ["a"]);
    // Nothing changed: a hit, so the entry is not written again.
    const written = Deno.statSync(await entryFile()).mtime!.getTime();
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(await names(), ["a"]);
    assertEquals(Deno.statSync(await entryFile()).mtime!.getTime(), written, "a hit rewrote");

    // A file in a new subdirectory, a file beside the first, one removed.
    await Deno.mkdir(`${project}/stigmer/sub`);
    await Deno.writeTextFile(`${project}/stigmer/sub/b.yaml`, agentYaml("b"));
    assertEquals((await names()).sort(), ["a", "b"]);
    await Deno.writeTextFile(`${project}/stigmer/c.yaml`, agentYaml("c"));
    assertEquals((await names()).sort(), ["a", "b", "c"]);
    await Deno.remove(`${project}/stigmer/a.yaml`);
    assertEquals((await names()).sort(), ["b", "c"]);

    // A symlinked directory inside the project, then pointed elsewhere under the same name.
    await Deno.symlink(`${project}/other`, `${project}/stigmer/linked`);
    assertEquals((await names()).sort(), ["b", "c", "d"]);
    await Deno.remove(`${project}/stigmer/linked`);
    await Deno.symlink(`${project}/elsewhere`, `${project}/stigmer/linked`);
    assertEquals((await names()).sort(), ["b", "c", "e"]);
  }),
);
