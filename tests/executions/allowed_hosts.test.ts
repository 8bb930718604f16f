// The daemon reaches only loopback, the LLM and the hosts the user allowed:
// a workflow calling another host fails with how to allow it.
import {
  applyProject,
  assertExit,
  assertIncludes,
  withExecutionHome,
  workflowManifest,
  writeProject,
} from "./helpers.ts";

Deno.test(
  "a call to a host that is not allowed fails and names backend.local.allowed_hosts",
  withExecutionHome(async (home) => {
    const dir = await writeProject(home, "net", {
      "wf.yaml": workflowManifest(
        "outside",
        // .invalid never resolves, and the permission check comes before any lookup.
        "    - fetch:\n        call: http\n        with:\n          method: get\n          endpoint: http://blocked.example.invalid/data\n",
      ),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "outside"]);
    assertExit(run, 1, "stigmer run outside");
    assertIncludes(run.stderr, "may not reach blocked.example.invalid");
    assertIncludes(
      run.stderr,
      "stigmer config set backend.local.allowed_hosts blocked.example.invalid",
    );
  }),
);
