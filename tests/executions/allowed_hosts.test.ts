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

Deno.test(
  "call: http to another scheme (file:///etc/passwd) is refused: at apply with file:line, at run time by name",
  withExecutionHome(async (home) => {
    const literal = await writeProject(home, "scheme-literal", {
      "wf.yaml": workflowManifest(
        "read-passwd",
        "    - fetch:\n        call: http\n        with:\n          method: get\n          endpoint: file:///etc/passwd\n",
      ),
    });
    const refused = await home.run(["apply", "--dir", literal]);
    assertExit(refused, 2, "stigmer apply of a file: endpoint");
    assertIncludes(refused.stderr, "wf.yaml:");
    assertIncludes(refused.stderr, 'the "file:" scheme is not supported');

    // The same URI from a runtime expression: known only when the task runs.
    const dir = await writeProject(home, "scheme-runtime", {
      "wf.yaml": workflowManifest(
        "read-any",
        "    - fetch:\n        call: http\n        with:\n          method: get\n          endpoint: ${ .url }\n",
      ),
    });
    await applyProject(home, dir);
    const run = await home.run(["run", "read-any", "--input", "url=file:///etc/passwd"]);
    assertExit(run, 1, "stigmer run read-any");
    assertIncludes(
      run.stderr,
      'call: http reaches http and https endpoints only; the "file:" scheme is not supported (file:///etc/passwd)',
    );
    if (run.stderr.includes("may not reach ;")) throw new Error(`garbled: ${run.stderr}`);
    if (run.stderr.includes("root:")) throw new Error(`leaked /etc/passwd: ${run.stderr}`);
  }),
);
