// `run`: shell, script (JavaScript through deno, Python through python3), container and
// workflow — outputs per `return`, errors, cancellation, nested events.
import assert from "node:assert/strict";
import {
  ERROR_TYPES,
  runWorkflow,
  WorkflowCancelledError,
  type WorkflowDocument,
  WorkflowError,
} from "../../src/engine/mod.ts";
import { recorder, rejection, run, workflow } from "./helpers.ts";

const REFERENCE = new URL(
  "../../../shared/reference/serverless-workflow/examples/",
  import.meta.url,
);

async function example(name: string): Promise<WorkflowDocument> {
  const { parse } = await import("yaml");
  return parse(await Deno.readTextFile(new URL(name, REFERENCE)));
}

Deno.test("run shell: the reference example's stdin and arguments; stdout is the output", async () => {
  const { output, hooks } = await run(await example("run-shell-stdin-and-arguments.yaml"));
  assert.equal(output, "STDIN was: Hello World\nARGS are Foo Bar\n");
  assert.deepEqual(hooks.trace().slice(-2), [
    "task.started do/1/runShell",
    "task.completed do/1/runShell",
  ]);
});

Deno.test("run shell: return code|stderr|all|none, environment with expressions", async () => {
  const shell = (ret: string) =>
    workflow([{
      sh: {
        run: {
          shell: {
            command: 'echo "out $GREETING"; echo err >&2; exit 3',
            environment: { GREETING: "${ .who }" },
          },
          return: ret,
        },
      },
    }]);
  assert.equal((await run(shell("code"), { who: "ada" })).output, 3);
  assert.deepEqual((await run(shell("all"), { who: "ada" })).output, {
    code: 3,
    stdout: "out ada\n",
    stderr: "err\n",
  });
  // A failed process is an error unless its code was asked for.
  for (const ret of ["stdout", "stderr", "none"]) {
    const error = await rejection(run(shell(ret), { who: "ada" }));
    assert.ok(error instanceof WorkflowError);
    assert.equal(error.type, ERROR_TYPES.runtime);
    assert.equal(error.status, 500);
    assert.equal(error.instance, "/do/0/sh");
    assert.match(error.message, /run: shell exited with code 3: err/);
  }
  const ok = (ret: string) =>
    workflow([{ sh: { run: { shell: { command: "echo hi; echo oops >&2" }, return: ret } } }]);
  assert.equal((await run(ok("stderr"))).output, "oops\n");
  assert.equal((await run(ok("none"))).output, null);
});

Deno.test("run shell: the daemon's own environment does not reach the program", async () => {
  Deno.env.set("STIGMER_TEST_SECRET", "s3cret");
  try {
    const { output } = await run(workflow([{
      sh: { run: { shell: { command: 'echo "[$STIGMER_TEST_SECRET]"' } } },
    }]));
    assert.equal(output, "[]\n");
  } finally {
    Deno.env.delete("STIGMER_TEST_SECRET");
  }
});

Deno.test("run script: the reference JavaScript example, with only its declared variables", async () => {
  const { output } = await run(await example("run-script-with-stdin-and-arguments.yaml"));
  assert.equal(output, "stdin >  Hello Workflow\narg >  hello\nenv >  bar\n");
  // No permissions beyond the declared environment: reading a file is refused.
  const error = await rejection(run(workflow([{
    js: {
      run: {
        script: {
          language: "javascript",
          code: 'console.log(Deno.readTextFileSync("/etc/hostname"))',
        },
      },
    },
  }])));
  assert.ok(error instanceof WorkflowError);
  assert.match(error.message, /NotCapable|Requires read access/);
});

Deno.test("run script: python, when python3 is installed", async () => {
  let python = false;
  try {
    python = (await new Deno.Command("python3", { args: ["--version"] }).output()).success;
  } catch { /* not installed */ }
  const doc = workflow([{
    py: {
      run: {
        script: {
          language: "python",
          code: "import sys, os\nprint(sys.stdin.read(), sys.argv[1], os.environ['X'])",
          stdin: "${ .text }",
          arguments: ["arg"],
          environment: { X: "x" },
        },
      },
    },
  }]);
  if (python) {
    assert.equal((await run(doc, { text: "in" })).output, "in arg x\n");
  } else {
    const error = await rejection(run(doc, { text: "in" }));
    assert.match(error.message, /python3 \(to run a Python script\) is not installed/);
  }
});

Deno.test("run container: without a container engine, a clear error naming what is missing", async () => {
  const error = await rejection(run(await example("run-container.yaml")));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.configuration);
  assert.equal(error.instance, "/do/0/runContainer");
  assert.match(error.message, /docker|podman/);
});

Deno.test("run: cancelling kills the running program at once", async () => {
  const controller = new AbortController();
  const hooks = recorder();
  const running = runWorkflow(
    workflow([{ sleep: { run: { shell: { command: "sleep 30" } } } }]),
    {},
    hooks,
    { signal: controller.signal },
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  controller.abort();
  const error = await rejection(running);
  assert.ok(error instanceof WorkflowCancelledError);
  assert.deepEqual(hooks.trace(), ["task.started do/0/sleep", "task.failed do/0/sleep"]);
});

Deno.test("run: local programs refused where the operator did not allow them", async () => {
  const error = await rejection(run(
    workflow([{ sh: { run: { shell: { command: "echo hi" } } } }]),
    {},
    { localProcesses: { allowed: false, refusal: "not on this server" } },
  ));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.configuration);
  assert.match(error.message, /do\/0\/sh: not on this server/);
});

Deno.test("run workflow: three levels deep, each one's events nested under the caller", async () => {
  const level = (name: string, next?: string): WorkflowDocument => ({
    document: { dsl: "1.0.0", namespace: "test", name, version: "1.0.0" },
    do: next
      ? [{
        call: {
          run: {
            workflow: {
              namespace: "test",
              name: next,
              version: "1.0.0",
              input: { n: "${ .n + 1 }" },
            },
          },
        },
      }, { tag: { set: { [name]: "${ . }" } } }]
      : [{ leaf: { set: { depth: "${ .n }" } } }],
  });
  const store = new Map([["one", level("one", "two")], ["two", level("two", "three")], [
    "three",
    level("three"),
  ]]);
  const hooks = recorder();
  hooks.loadWorkflow = (ref) => Promise.resolve(store.get(ref.name));
  const { output } = await run(store.get("one")!, { n: 1 }, { hooks });
  assert.deepEqual(output, { one: { two: { depth: 3 } } });
  assert.ok(
    hooks.trace().includes(
      "task.completed do/0/call/run/workflow/do/0/call/run/workflow/do/0/leaf",
    ),
  );
  // A missing workflow: a configuration error at the task.
  const error = await rejection(run(
    workflow([{
      sub: { run: { workflow: { namespace: "test", name: "nope", version: "1.0.0" } } },
    }]),
    {},
    { hooks },
  ));
  assert.ok(error instanceof WorkflowError);
  assert.equal(error.type, ERROR_TYPES.configuration);
  assert.equal(error.status, 404);
  assert.equal(error.instance, "/do/0/sub");
});
