// apply --prune (only this project's undeclared resources go), and choosing
// what to apply: -f FILE (once or repeated, or a directory) and --dir DIR.
import { assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  agentYaml,
  applyTable,
  listJson,
  projectYaml,
  skillYaml,
  withResourceHome,
} from "./helpers.ts";

Deno.test(
  "apply --prune deletes this project's undeclared resources and no other project's",
  withResourceHome(async (home) => {
    const alpha = await home.write("alpha", {
      "Stigmer.yaml": projectYaml("alpha"),
      "stigmer/keep.yaml": agentYaml("alpha-keep", { skills: ["alpha-skill"] }),
      "stigmer/skill.yaml": skillYaml("alpha-skill"),
      "stigmer/gone.yaml": agentYaml("alpha-gone"),
      "stigmer/shared.yaml": agentYaml("shared"),
    });
    const beta = await home.write("beta", {
      "Stigmer.yaml": projectYaml("beta"),
      "stigmer/agent.yaml": agentYaml("beta-agent"),
      "stigmer/shared.yaml": agentYaml("shared"),
    });
    await home.expect(0, ["apply"], { cwd: alpha });
    // The last project to apply a resource owns it: "shared" moves to beta.
    const takeover = applyTable((await home.expect(0, ["apply"], { cwd: beta })).stdout);
    assertEquals(takeover.map((r) => [r.name, r.action, r.version]), [
      ["beta-agent", "CREATED", "1"],
      ["shared", "UPDATED", "2"],
    ]);
    // Resources applied by -f without a project belong to none; prune leaves them too.
    const loose = await home.write("loose", { "one.yaml": agentYaml("loose-agent") });
    await home.expect(0, ["apply", "-f", `${loose}/one.yaml`], { cwd: home.home });

    // Without --prune, a removed manifest leaves its resource in place.
    await Deno.remove(`${alpha}/stigmer/gone.yaml`);
    await Deno.remove(`${alpha}/stigmer/shared.yaml`);
    const plain = applyTable((await home.expect(0, ["apply"], { cwd: alpha })).stdout);
    assertEquals(plain.map((r) => r.action), ["UNCHANGED", "UNCHANGED"]);
    await home.expect(0, ["get", "agent", "alpha-gone"], { cwd: alpha });

    const pruned = applyTable((await home.expect(0, ["apply", "--prune"], { cwd: alpha })).stdout);
    assertEquals(pruned.map((r) => [r.kind, r.name, r.action]), [
      ["Agent", "alpha-keep", "UNCHANGED"],
      ["Skill", "alpha-skill", "UNCHANGED"],
      ["Agent", "alpha-gone", "DELETED"],
    ]);
    await home.expect(1, ["get", "agent", "alpha-gone"], { cwd: alpha });
    const agents = await listJson(home, "agents");
    assertEquals(
      agents.map((r) => `${r.metadata.project}/${r.metadata.name}`).sort(),
      ["/loose-agent", "alpha/alpha-keep", "beta/beta-agent", "beta/shared"],
    );

    // Pruning again finds nothing more; --json says so too.
    const again = JSON.parse(
      (await home.expect(0, ["apply", "--prune", "--json"], { cwd: alpha })).stdout,
    ) as { action: string }[];
    assertEquals(again.map((r) => r.action), ["UNCHANGED", "UNCHANGED"]);

    // A project whose every manifest is gone cannot be pruned to nothing by accident:
    // it has no resources to declare, which is an error, and nothing is deleted.
    await Deno.remove(`${beta}/stigmer`, { recursive: true });
    const empty = await home.expect(2, ["apply", "--prune"], { cwd: beta });
    assertMatch(empty.stderr, /Stigmer\.yaml:\d+/);
    assertMatch(empty.stderr, /no manifests match/);
    await home.expect(0, ["get", "agent", "beta-agent"], { cwd: beta });

    // --prune with -f is refused: the files are only part of a project (or of none),
    // so pruning would delete the rest.
    const noProject = await home.expect(2, ["apply", "--prune", "-f", `${loose}/one.yaml`], {
      cwd: home.home,
    });
    assertMatch(noProject.stderr, /--prune works on a whole project, not on files given with -f/);
    const partial = await home.expect(2, ["apply", "--prune", "-f", "stigmer/keep.yaml"], {
      cwd: alpha,
    });
    assertMatch(partial.stderr, /--prune works on a whole project/);
    assertEquals((await listJson(home, "agents")).length, 4);
  }),
);

Deno.test(
  "apply -f FILE (one, several, a directory) and --dir DIR",
  withResourceHome(async (home) => {
    const loose = await home.write("loose", {
      "one.yaml": agentYaml("one"),
      "two.yaml": `${skillYaml("helper")}---\n${agentYaml("two", { skills: ["helper"] })}`,
      "notes.txt": "not a manifest",
    });
    const cwd = home.home;

    const one = applyTable(
      (await home.expect(0, ["apply", "-f", "loose/one.yaml"], { cwd })).stdout,
    );
    assertEquals(one.map((r) => [r.kind, r.name, r.action]), [["Agent", "one", "CREATED"]]);

    const several = applyTable(
      (await home.expect(0, ["apply", "-f", "loose/one.yaml", "--file", `${loose}/two.yaml`], {
        cwd,
      })).stdout,
    );
    assertEquals(several.map((r) => [r.kind, r.name, r.action]), [
      ["Agent", "one", "UNCHANGED"],
      ["Skill", "helper", "CREATED"],
      ["Agent", "two", "CREATED"],
    ]);

    // A directory: its YAML files (not notes.txt), all already there.
    const dir = applyTable((await home.expect(0, ["apply", "-f", "loose"], { cwd })).stdout);
    assertEquals(dir.map((r) => r.action), ["UNCHANGED", "UNCHANGED", "UNCHANGED"]);
    assertEquals(dir.map((r) => r.name).sort(), ["helper", "one", "two"]);

    // A missing file: exit 2, named, nothing applied.
    const missing = await home.expect(2, ["apply", "-f", "loose/one.yaml", "-f", "nope.yaml"], {
      cwd,
    });
    assertMatch(missing.stderr, /nope\.yaml: file not found/);

    // --dir: a project applied from elsewhere; file names in errors relative to cwd.
    const project = await home.write("projects/gamma", {
      "Stigmer.yaml": projectYaml("gamma", 'resources: ["defs/*.yaml"]\n'),
      "defs/agent.yaml": agentYaml("gamma-agent"),
    });
    const viaDir = applyTable(
      (await home.expect(0, ["apply", "--dir", "projects/gamma"], { cwd })).stdout,
    );
    assertEquals(viaDir.map((r) => [r.name, r.action]), [["gamma-agent", "CREATED"]]);
    const gamma = JSON.parse(
      (await home.expect(0, ["get", "agent", "gamma-agent", "-o", "json"], { cwd })).stdout,
    );
    assertEquals(gamma.metadata.project, "gamma");
    const short = applyTable(
      (await home.expect(0, ["apply", "-d", project], { cwd: loose })).stdout,
    );
    assertEquals(short.map((r) => r.action), ["UNCHANGED"]);

    // A directory without Stigmer.yaml: exit 2 and what to do.
    const noProject = await home.expect(2, ["apply", "--dir", "loose"], { cwd });
    assertMatch(noProject.stderr, /no Stigmer\.yaml found in loose/);
    assertMatch(noProject.stderr, /stigmer init/);

    assertEquals(
      (await listJson(home, "agents")).map((r) => r.metadata.name).sort(),
      ["gamma-agent", "one", "two"],
    );
  }),
);
