// fork and run through a real daemon: run: shell (the daemon has --allow-run), run: workflow
// three levels deep found in the store by document name and version, fork with compete.
import { assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  executionHome,
  ndjson,
  workflowManifest,
  writeProject,
} from "./helpers.ts";

Deno.test("run shell, run workflow three deep and fork, in the daemon", async () => {
  const home = await executionHome();
  try {
    const dir = await writeProject(home, "runs", {
      "top.yaml": workflowManifest(
        "top",
        `
    - both:
        fork:
          branches:
            - shell:
                run:
                  shell:
                    command: 'printf "%s-%s" "$1" "$WHO"'
                    arguments: ['\${ .name }']
                    environment: {WHO: daemon}
            - sub:
                run:
                  workflow: {namespace: tests, name: middle, version: "0.1.0", input: {n: 1}}
`,
      ),
      "middle.yaml": workflowManifest(
        "middle",
        `
    - deeper:
        run:
          workflow: {namespace: tests, name: bottom, version: latest, input: {n: '\${ .n + 1 }'}}
`,
      ),
      "bottom.yaml": workflowManifest(
        "bottom",
        `
    - leaf:
        set:
          depth: '\${ .n + 1 }'
`,
      ),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "top", "--input", "name=ada", "--json"]);
    assertExit(run, 0, "stigmer run top");
    const events = ndjson(run.stdout);
    const last = events.at(-1)!;
    assertEquals(last.type, "execution.completed");
    assertEquals(last.data, ["ada-daemon", { depth: 3 }]);
    // The sub-workflows' events, nested under the tasks that ran them.
    const leaf = "do/0/both/fork/branches/1/sub/run/workflow/do/0/deeper/run/workflow/do/0/leaf";
    assertEquals(
      events.filter((e) => e.task === leaf).map((e) => e.type),
      ["task.started", "task.completed"],
    );
  } finally {
    await home.cleanup();
  }
});
