// The one workflow check at apply (the DSL's JSON Schema, then the engine's preparation),
// through the real CLI: --dry-run and apply refuse what the engine would not run, with
// file:line for each problem, and create nothing.
import { assertEquals, assertMatch } from "../helpers/assert.ts";
import { API, projectYaml, storeSnapshot, withResourceHome } from "./helpers.ts";

const WORKFLOW = `${API}
kind: Workflow
metadata: {name: checked}
spec:
  document: {dsl: "1.0.0", namespace: test, name: checked, version: "1.0.0"}
  do:
    - later:
        listen:
          to:
            one: {with: {type: com.example.ready}}
    - parallel:
        fork:
          branches:
            - a: {set: {x: 1}}
            - b: {set: {y: 2}, colour: red}
    - fetch:
        call: asyncapi
        with: {document: {endpoint: "https://example.com/api.json"}, operation: send}
    - stamp:
        raise: {error: {type: "not a uri", status: 400}}
`;

Deno.test(
  "workflow check: --dry-run and apply refuse tasks the engine cannot run, at file:line",
  withResourceHome(async (home) => {
    const cwd = await home.write("wf", {
      "Stigmer.yaml": projectYaml("wf"),
      "stigmer/w.yaml": WORKFLOW,
    });
    const before = await storeSnapshot(home);
    for (const args of [["apply", "--dry-run"], ["apply"]]) {
      const result = await home.expect(2, args, { cwd });
      assertEquals(result.stdout, "");
      // The listen task runs (an event bus in the backend): only the three others are refused.
      assertMatch(result.stderr, /found 3 problems/);
      assertEquals(result.stderr.includes("later"), false, result.stderr);
      assertMatch(
        result.stderr,
        /stigmer\/w\.yaml:15:40: spec\.do\[1\]\.parallel\.fork\.branches\[1\]\.b\.colour: unknown field "colour" for a set task/,
      );
      assertMatch(
        result.stderr,
        /stigmer\/w\.yaml:17:9: spec\.do\[2\]\.fetch: a "call: asyncapi" task: this engine does not run asyncapi calls/,
      );
      assertMatch(
        result.stderr,
        /stigmer\/w\.yaml:20:31: spec\.do\[3\]\.stamp\.raise\.error\.type: must be an absolute URI .* or a runtime expression/,
      );
    }
    assertEquals(await storeSnapshot(home), before, "nothing was created");
  }),
);
