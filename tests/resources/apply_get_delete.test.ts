// `stigmer init`, then apply / get / delete through the real CLI and its
// auto-started daemon: the table, UNCHANGED on a second apply, versions on a
// change, --json, --dry-run, every form of `get`, and delete.
import { parse as parseYaml } from "yaml";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { applyTable, listJson, type ResourceDoc, tableRows, withResourceHome } from "./helpers.ts";

const ID = { Agent: /^agt-[0-9a-z]{26}$/, Workflow: /^wfl-[0-9a-z]{26}$/ };

Deno.test(
  "init, dry run, apply, re-apply, update, --json, get in every form, delete",
  withResourceHome(async (home) => {
    await home.expect(0, ["init", "demo"], { cwd: home.home });
    const cwd = `${home.home}/demo`;

    // --dry-run: the plan, no daemon, nothing written under the data dir.
    const plan = await home.expect(0, ["apply", "--dry-run"], { cwd });
    assertEquals(tableRows(plan.stdout).map((r) => r.slice(0, 2)), [
      ["Agent", "greeter"],
      ["Workflow", "hello"],
    ]);
    assertMatch(plan.stdout, /^KIND\s+NAME\s+SOURCE/);
    assertMatch(plan.stdout, /stigmer\/agent\.yaml:1/);
    assertMatch(plan.stderr, /nothing was applied/);
    const planJson = await home.expect(0, ["apply", "--dry-run", "--json"], { cwd });
    assertEquals(JSON.parse(planJson.stdout).dryRun, true);
    assertEquals(home.daemonPids(), [], "--dry-run started a daemon");
    assert(
      !(await Deno.stat(home.dataDir).catch(() => undefined)),
      "--dry-run created the data directory (daemon.json, the store)",
    );

    // First apply: everything CREATED at version 1.
    const first = applyTable((await home.expect(0, ["apply"], { cwd })).stdout);
    assertEquals(first.map((r) => [r.kind, r.name, r.action, r.version]), [
      ["Agent", "greeter", "CREATED", "1"],
      ["Workflow", "hello", "CREATED", "1"],
    ]);
    assertMatch(first[0].id, ID.Agent);
    assertMatch(first[1].id, ID.Workflow);

    // Second apply of the same files: all UNCHANGED, same versions and ids.
    const second = applyTable((await home.expect(0, ["apply"], { cwd })).stdout);
    assertEquals(second, first.map((r) => ({ ...r, action: "UNCHANGED" })));

    // A real change: UPDATED at version 2, same id; the rest UNCHANGED.
    const agentFile = `${cwd}/stigmer/agent.yaml`;
    const original = await Deno.readTextFile(agentFile);
    await Deno.writeTextFile(agentFile, original.replace("one short sentence", "two sentences"));
    const third = applyTable((await home.expect(0, ["apply"], { cwd })).stdout);
    assertEquals(third, [
      { ...first[0], action: "UPDATED", version: "2" },
      { ...first[1], action: "UNCHANGED" },
    ]);

    // --json: parseable, the same facts.
    const json = JSON.parse((await home.expect(0, ["apply", "--json"], { cwd })).stdout);
    assertEquals(json, [
      { kind: "Agent", name: "greeter", action: "UNCHANGED", version: 2, id: first[0].id },
      { kind: "Workflow", name: "hello", action: "UNCHANGED", version: 1, id: first[1].id },
    ]);

    // --dry-run of a changed file, with the daemon running: changes nothing.
    await Deno.writeTextFile(agentFile, original.replace("one short sentence", "a haiku"));
    await home.expect(0, ["apply", "--dry-run"], { cwd });
    const stored = JSON.parse(
      (await home.expect(0, ["get", "agent", "greeter", "-o", "json"], { cwd })).stdout,
    ) as ResourceDoc;
    assertEquals(stored.metadata.version, 2);
    assertMatch(String(stored.spec.instructions), /two sentences/);

    // get: the table, one resource as JSON and YAML, by name and by id.
    const table = await home.expect(0, ["get", "agents"], { cwd });
    assertMatch(table.stdout, /^NAME\s+VERSION\s+ID\s+AGE\s+PROJECT\n/);
    assertEquals(tableRows(table.stdout).map((r) => [r[0], r[1], r[2], r[4]]), [
      ["greeter", "2", first[0].id, "demo"],
    ]);
    assertEquals(stored.kind, "Agent");
    assertEquals(stored.apiVersion, "agentic.stigmer.ai/v1");
    assertEquals(stored.metadata.id, first[0].id);
    assertEquals(stored.metadata.project, "demo");
    assertEquals(stored.metadata.labels, { app: "demo" });
    const yaml = await home.expect(0, ["get", "agent", "greeter", "-o", "yaml"], { cwd });
    assertEquals(parseYaml(yaml.stdout), JSON.parse(JSON.stringify(stored)));
    const byId = await home.expect(0, ["get", "agent", first[0].id, "-o", "json"], { cwd });
    assertEquals(JSON.parse(byId.stdout).metadata.name, "greeter");

    // Kind forms: short, plural, singular, any case.
    for (const form of ["wf", "workflows", "workflow", "Workflow"]) {
      const rows = tableRows((await home.expect(0, ["get", form], { cwd })).stdout);
      assertEquals(rows.map((r) => r[0]), ["hello"], `get ${form}`);
    }
    const one = await home.expect(0, ["get", "wf", "hello", "-o", "json"], { cwd });
    assertEquals(JSON.parse(one.stdout).metadata.id, first[1].id);

    // Label selectors.
    const selected = await home.expect(0, ["get", "agents", "-l", "app=demo"], { cwd });
    assertEquals(tableRows(selected.stdout).map((r) => r[0]), ["greeter"]);
    const none = await home.expect(0, ["get", "agents", "-l", "app=other"], { cwd });
    assertEquals(none.stdout, "");
    assertMatch(none.stderr, /No agents found/);
    const noneJson = await home.expect(0, ["get", "agents", "-l", "app=other", "-o", "json"], {
      cwd,
    });
    assertEquals(JSON.parse(noneJson.stdout), []);
    const badSelector = await home.expect(2, ["get", "agents", "-l", "app"], { cwd });
    assertMatch(badSelector.stderr, /invalid selector "app": expected label=value/);

    // delete, then get says not found (exit 1), and a second delete too.
    const deleted = await home.expect(0, ["delete", "agent", "greeter"], { cwd });
    assertMatch(deleted.stderr, new RegExp(`Agent greeter deleted \\(${first[0].id}\\)`));
    const gone = await home.expect(1, ["get", "agent", "greeter"], { cwd });
    assertMatch(gone.stderr, /error: Agent "greeter" not found/);
    const again = await home.expect(1, ["delete", "agent", "greeter"], { cwd });
    assertMatch(again.stderr, /not found/);
    assertEquals((await listJson(home, "agents")).length, 0);
    assertEquals((await listJson(home, "workflows")).map((r) => r.metadata.name), ["hello"]);

    // An unknown kind is a usage error: exit 2 with the kinds listed.
    for (const args of [["get", "bogus-kind"], ["delete", "bogus-kind", "x"]]) {
      const bogus = await home.expect(2, args, { cwd });
      assertMatch(bogus.stderr, /unknown kind "bogus-kind"/);
      assertMatch(bogus.stderr, /agent, workflow, skill, mcpserver, environment/);
    }
  }),
);
