// What a new user meets when they mistype, run from a project folder outside the checkout:
// a refused --message for a workflow, did-you-mean for kinds and run targets, cancel of a
// finished run, and `executions get -f` of a finished run closing like `run`.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { REPO, withHome } from "../helpers/cli.ts";

const copyExample = async (to: string) => {
  await Deno.mkdir(`${to}/stigmer`, { recursive: true });
  for (const file of ["Stigmer.yaml", "stigmer/agent.yaml", "stigmer/workflow.yaml"]) {
    await Deno.copyFile(`${REPO}/examples/hello/${file}`, `${to}/${file}`);
  }
};

Deno.test(
  "mistakes get hints: --message for a workflow, a mistyped kind or target; finished runs",
  withHome(async (home) => {
    const project = `${home.home}/hello`;
    await copyExample(project);
    const cwd = project;
    const applied = await home.run(["apply"], { cwd });
    assertEquals(applied.code, 0, applied.stderr);

    const message = await home.run(["run", "hello", "--message", "hi"], { cwd });
    assertEquals(message.code, 2, message.stderr);
    assertMatch(message.stderr, /hello is a workflow: --message is for agents/);
    assertMatch(message.stderr, /--input key=value/);
    const listed = await home.run(["executions", "list", "--json"], { cwd });
    assertEquals(JSON.parse(listed.stdout), [], "a refused run must not start");

    const kind = await home.run(["get", "workflws"], { cwd });
    assertEquals(kind.code, 2, kind.stderr);
    assertMatch(kind.stderr, /unknown kind "workflws"/);
    assertMatch(kind.stderr, /did you mean workflows\?/);

    const target = await home.run(["run", "helo"], { cwd });
    assertEquals(target.code, 1, target.stderr);
    assertMatch(target.stderr, /no workflow or agent named "helo"/);
    assertMatch(target.stderr, /hint: did you mean hello\? see: stigmer get workflows/);
    const far = await home.run(["run", "zzzzzzzz"], { cwd });
    assertMatch(far.stderr, /hint: see: stigmer get workflows/);

    const ran = await home.run(["run", "hello", "--input", "name=Ada"], { cwd });
    assertEquals(ran.code, 0, ran.stderr);
    const id = /(wex-\S+) COMPLETED/.exec(ran.stderr)?.[1];
    assert(id, ran.stderr);

    const followed = await home.run(["executions", "get", id, "-f"], { cwd });
    assertEquals(followed.code, 0, followed.stderr);
    assertMatch(followed.stdout, /"greeting": "Hello, Ada!"/);
    assertMatch(
      followed.stderr,
      new RegExp(`✓ ${id} COMPLETED in \\d+\\.\\d\\ds \\(\\d+ tasks? completed\\)`),
    );

    const cancel = await home.run(["executions", "cancel", id], { cwd });
    assertEquals(cancel.code, 0, cancel.stderr);
    assertMatch(cancel.stderr, new RegExp(`${id} has already finished: it ended COMPLETED`));
    assert(!cancel.stderr.includes("log"), cancel.stderr);
  }),
);
