// From `stigmer init` to a finished run, the way the README shows it, then the
// ways to look at runs: --json, --no-follow, executions list / get.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, assertIncludes, getExecution, ndjson, withExecutionHome } from "./helpers.ts";
import { parse as parseYaml } from "yaml";

Deno.test(
  "init, apply and run hello --input name=Ada; --json, --no-follow, executions list and get",
  withExecutionHome(async (home) => {
    const init = await home.run(["init", "hello"], { cwd: home.home });
    assertExit(init, 0, "stigmer init hello");
    const project = `${home.home}/hello`;

    const apply = await home.run(["apply"], { cwd: project });
    assertExit(apply, 0, "stigmer apply");
    assertIncludes(apply.stderr, "Daemon started");

    // The README's run: events, the output on stdout, duration and totals.
    const run = await home.run(["run", "hello", "--input", "name=Ada"], { cwd: project });
    assertExit(run, 0, "stigmer run hello");
    assertEquals(JSON.parse(run.stdout), { greeting: "Hello, Ada!" });
    assertMatch(run.stderr, /Started wex-[0-9a-z]+: WorkflowExecution of Workflow hello/);
    assertMatch(run.stderr, /✓ do\/0\/prepare \{"who":"Ada"\}/);
    assertMatch(run.stderr, /✓ do\/1\/greet \{"greeting":"Hello, Ada!"\}/);
    const done = /✓ (wex-[0-9a-z]+) COMPLETED in (\d+\.\d\d)s \(2 tasks completed\)/.exec(
      run.stderr,
    );
    assert(done, `no duration and totals line:\n${run.stderr}`);
    const firstId = done[1];

    // --json: every stdout line is an event in JSON, the last one the end.
    const json = await home.run(["run", "hello", "--input", "name=Grace", "--json"]);
    assertExit(json, 0, "stigmer run hello --json");
    const events = ndjson(json.stdout);
    assertEquals(events.map((e) => e.type), [
      "execution.started",
      "task.started",
      "task.completed",
      "task.started",
      "task.completed",
      "execution.completed",
    ]);
    assertEquals(events.at(-1)!.data, { greeting: "Hello, Grace!" });
    const jsonId = events[0].executionId as string;
    assert(events.every((e) => e.executionId === jsonId));
    assertEquals(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);

    // --no-follow prints the id (and nothing else) on stdout; get --follow follows to the end.
    const detached = await home.run(["run", "hello", "--no-follow", "--input", "name=Linus"]);
    assertExit(detached, 0, "stigmer run hello --no-follow");
    const id = detached.stdout.trim();
    assertMatch(id, /^wex-[0-9a-z]+$/);
    assertIncludes(detached.stderr, `stigmer executions get ${id} --follow`);
    const followed = await home.run(["executions", "get", id, "--follow"]);
    assertExit(followed, 0, "stigmer executions get --follow");
    assertMatch(followed.stderr, /✓ do\/1\/greet \{"greeting":"Hello, Linus!"\}/);
    const followedJson = await home.run(["executions", "get", id, "--follow", "--json"]);
    assertExit(followedJson, 0, "stigmer executions get --follow --json");
    assertEquals(ndjson(followedJson.stdout).at(-1)!.type, "execution.completed");

    // executions list: the three runs, newest first.
    const list = await home.run(["executions", "list"]);
    assertExit(list, 0, "stigmer executions list");
    const rows = list.stdout.trim().split("\n");
    assertMatch(rows[0], /^ID\s+TARGET\s+PHASE\s+AGE$/);
    assertEquals(rows.slice(1).map((r) => r.split(/\s+/)[0]), [id, jsonId, firstId]);
    assert(rows.slice(1).every((r) => /\shello\s+COMPLETED\s/.test(r)), list.stdout);
    const listJson = await home.run(["executions", "list", "--json"]);
    assertExit(listJson, 0, "stigmer executions list --json");
    assertEquals(JSON.parse(listJson.stdout).length, 3);
    // -o json|yaml, as `get` takes it.
    const listOutputJson = await home.run(["executions", "list", "-o", "json"]);
    assertExit(listOutputJson, 0, "stigmer executions list -o json");
    assertEquals(listOutputJson.stdout, listJson.stdout);
    const listYaml = await home.run(["executions", "list", "-o", "yaml"]);
    assertExit(listYaml, 0, "stigmer executions list -o yaml");
    assertEquals(parseYaml(listYaml.stdout), JSON.parse(listJson.stdout));

    // executions get --json: the stored execution, input and output as JSON.
    const execution = await getExecution(home, firstId);
    assertEquals(execution.id, firstId);
    assertEquals(execution.phase, "COMPLETED");
    assertEquals(execution.kind, "WorkflowExecution");
    assertEquals(execution.targetName, "hello");
    assertEquals(execution.input, { name: "Ada" });
    assertEquals(execution.output, { greeting: "Hello, Ada!" });
    assert(execution.startedAt && execution.finishedAt, JSON.stringify(execution));

    // executions get -o json|yaml, the same as --json.
    const getJson = await home.run(["executions", "get", firstId, "--json"]);
    const getOutputJson = await home.run(["executions", "get", firstId, "-o", "json"]);
    assertExit(getOutputJson, 0, "stigmer executions get -o json");
    assertEquals(getOutputJson.stdout, getJson.stdout);
    const getYaml = await home.run(["executions", "get", firstId, "-o", "yaml"]);
    assertExit(getYaml, 0, "stigmer executions get -o yaml");
    assertEquals(parseYaml(getYaml.stdout), JSON.parse(getJson.stdout));

    // The readable form of get.
    const plain = await home.run(["executions", "get", firstId]);
    assertExit(plain, 0, "stigmer executions get");
    assertMatch(plain.stdout, /^phase:\s+COMPLETED$/m);

    // An unknown id: a clear error, exit 1.
    const missing = await home.run(["executions", "get", "wex-00000000000000000000000000"]);
    assertExit(missing, 1, "stigmer executions get <unknown id>");
    assertIncludes(missing.stderr, "not found");
  }),
);
