// The run viewer in a real browser: a real daemon runs a workflow with a fork, a for and a try
// whose failing task is caught; headless Chromium opens the link `stigmer ui --no-open`
// printed and reads the graph (nodes, nesting, states, live), the timeline and a task's output.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  executionHome,
  workflowManifest,
  writeProject,
} from "../executions/helpers.ts";
import { graphStates, launchBrowser, screenshot, viewerLink, waitInPage } from "./helpers.ts";

// Functions run in the page (waitForFunction, $eval) see its DOM; Deno's types have no DOM.
// deno-lint-ignore no-explicit-any
declare const document: any;

/** The workflow; its `pause` task waits until the test creates the file `gate`. */
const workflow = (gate: string) =>
  workflowManifest(
    "pipeline",
    `
    - prepare:
        set:
          items: [1, 2, 3]
    - both:
        fork:
          branches:
            - left:
                set:
                  side: left
            - right:
                run:
                  shell:
                    command: printf right
    - loop:
        for:
          each: n
          in: '\${ [1, 2, 3] }'
        do:
          - square:
              set:
                last: '\${ $n * $n }'
    - guarded:
        try:
          - boom:
              raise:
                error:
                  type: https://example.com/errors/boom
                  status: 500
                  title: Boom
        catch:
          do:
            - recover:
                set:
                  recovered: true
    - pause:
        run:
          shell:
            command: 'while [ ! -e "$GATE" ]; do sleep 0.1; done'
            environment:
              GATE: ${gate}
    - finish:
        set:
          done: true
`,
  );

Deno.test({
  name: "viewer: a workflow's graph, states (live), timeline and a task's output in Chromium",
  // puppeteer keeps a few timers of its own between calls; every process is stopped by pid below.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const home = await executionHome();
    const shots = await Deno.makeTempDir({ prefix: "stigmer-viewer-shots-" });
    const chromium = await launchBrowser();
    try {
      const gate = `${home.home}/gate`;
      const dir = await writeProject(home, "viewer", { "pipeline.yaml": workflow(gate) });
      await applyProject(home, dir);
      const link = await viewerLink(home);
      const { page } = chromium;

      // The link signs in and leaves no token in the address bar.
      await page.goto(link.url, { waitUntil: "load" });
      assertEquals(page.url(), `${link.origin}/`);
      await waitInPage(
        page,
        "the executions page",
        () => !!document.querySelector("#no-executions"),
      );

      const started = await home.run(["run", "pipeline", "--no-follow"]);
      assertExit(started, 0, "stigmer run pipeline --no-follow");
      const id = /(wex-[0-9a-z]+)/.exec(started.stdout + started.stderr)?.[1];
      assert(id, `no execution id in:\n${started.stdout}${started.stderr}`);

      // The live list shows the new run without a reload.
      await waitInPage(
        page,
        "the run in the executions list",
        () => !!document.querySelector("table.executions tbody tr[data-id]"),
      );
      const row = await page.$eval("table.executions tbody tr", (tr) => ({
        id: tr.getAttribute("data-id"),
        text: (tr as unknown as { innerText: string }).innerText,
      }));
      assertEquals(row.id, id);
      assert(row.text.includes("pipeline"), row.text);

      // The execution page, while the run waits in `pause`: the graph is live.
      await page.click(`a[href="#/executions/${id}"]`);
      await waitInPage(page, "the graph", () => !!document.querySelector("svg.graph"));
      await waitInPage(
        page,
        "pause running",
        () =>
          document.querySelector('g.node[data-path="do/4/pause"]')?.getAttribute("data-state") ===
            "running",
      );
      const running = await graphStates(page);
      assertEquals(running["do/0/prepare"], "completed");
      assertEquals(running["do/5/finish"], "waiting");
      assertEquals(
        await page.$eval("#execution-phase .phase", (e) => e.getAttribute("data-phase")),
        "RUNNING",
      );

      await Deno.writeTextFile(gate, "open");
      await waitInPage(
        page,
        "the run to complete on the page",
        () =>
          document.querySelector("#execution-phase .phase")?.getAttribute("data-phase") ===
            "COMPLETED",
        60_000,
      );
      await waitInPage(
        page,
        "finish completed",
        () =>
          document.querySelector('g.node[data-path="do/5/finish"]')?.getAttribute("data-state") ===
            "completed",
      );
      // Every task as a node, nested as the DSL nests them, each with its state.
      assertEquals(await graphStates(page), {
        "(start)": "completed",
        "(end)": "completed",
        "do/0/prepare": "completed",
        "do/1/both": "completed",
        "do/1/both/fork/branches/0/left": "completed",
        "do/1/both/fork/branches/1/right": "completed",
        "do/2/loop": "completed",
        "do/2/loop/do/0/square": "completed",
        "do/3/guarded": "completed",
        "do/3/guarded/try/0/boom": "failed",
        "do/3/guarded/catch/do/0/recover": "completed",
        "do/4/pause": "completed",
        "do/5/finish": "completed",
      });
      const clusters = await page.$$eval(
        "svg.graph g.cluster",
        (gs) => gs.map((g) => g.getAttribute("data-cluster")),
      );
      assertEquals(clusters.sort(), [
        "cluster:do/1/both",
        "cluster:do/2/loop",
        "cluster:do/3/guarded",
        "cluster:do/3/guarded/catch",
      ]);
      // The state is told in words too (not by colour alone), and how often a loop body ran.
      const square = await page.$eval(
        'g.node[data-path="do/2/loop/do/0/square"]',
        (n) => ({ label: n.getAttribute("aria-label"), text: n.textContent ?? "" }),
      );
      assertEquals(square.label, "square, set: completed ×3");
      assert(square.text.includes("✓ completed ×3"), square.text);
      const loop = await page.$eval(
        'g.node[data-path="do/2/loop"]',
        (n) => n.getAttribute("aria-label"),
      );
      assertEquals(loop, "loop, for each n in ${ [1, 2, 3] }: completed");
      const boom = await page.$eval(
        'g.node[data-path="do/3/guarded/try/0/boom"]',
        (n) => n.textContent ?? "",
      );
      assert(boom.includes("✗ failed"), boom);

      // The timeline: the run's events in order, the caught failure among them.
      const timeline = await page.$$eval(
        "ol.timeline li",
        (lis) => lis.map((li) => `${li.getAttribute("data-type")} ${li.getAttribute("data-task")}`),
      );
      assertEquals(timeline[0], "execution.started ");
      assertEquals(timeline.at(-1), "execution.completed ");
      assert(timeline.includes("task.failed do/3/guarded/try/0/boom"), timeline.join("\n"));
      assert(timeline.includes("task.completed do/3/guarded/catch/do/0/recover"));
      assertEquals(timeline.filter((t) => t === "task.started do/2/loop/do/0/square").length, 3);
      const boomLine = await page.$eval(
        'ol.timeline li[data-type="task.failed"]',
        (li) => (li as unknown as { innerText: string }).innerText,
      );
      assert(boomLine.includes("Boom"), boomLine);

      // A task's input and output: chosen with the keyboard (Tab to the node, Enter).
      await page.$eval(
        'g.node[data-path="do/1/both/fork/branches/0/left"]',
        (n) => (n as unknown as { focus(): void }).focus(),
      );
      await page.keyboard.press("Tab");
      assertEquals(
        await page.evaluate(() => document.activeElement?.getAttribute("data-path")),
        "do/1/both/fork/branches/1/right",
      );
      await page.keyboard.press("Enter");
      await waitInPage(
        page,
        "the task panel",
        () =>
          document.querySelector(".task-panel")?.getAttribute("data-task") ===
            "do/1/both/fork/branches/1/right",
      );
      const output = await page.$eval(".task-panel .task-output pre", (p) => p.textContent);
      assertEquals(JSON.parse(output ?? ""), "right");
      const input = await page.$eval(".task-panel .task-input pre", (p) => p.textContent);
      assertEquals(JSON.parse(input ?? ""), { items: [1, 2, 3] });
      await page.click('g.node[data-path="do/2/loop/do/0/square"]');
      await waitInPage(
        page,
        "square's panel",
        () =>
          document.querySelector(".task-panel")?.getAttribute("data-task") ===
            "do/2/loop/do/0/square",
      );
      const last = await page.$eval(".task-panel .task-output pre", (p) => p.textContent);
      assertEquals(JSON.parse(last ?? "").last, 9);
      // The README's picture: the caught failure in view, the failed task chosen.
      await page.click('g.node[data-path="do/3/guarded/try/0/boom"]');
      await page.$eval(
        'g.node[data-path="do/3/guarded/try/0/boom"]',
        (n) => n.scrollIntoView({ block: "center" }),
      );
      await screenshot(page, "viewer-execution.png", shots);

      // The executions page, filtered by phase and target.
      await page.goto(`${link.origin}/#/`, { waitUntil: "load" });
      await waitInPage(page, "the list", () => !!document.querySelector("table.executions"));
      await screenshot(page, "viewer-executions.png", shots);
      await page.select("#filter-phase", "FAILED");
      await waitInPage(page, "no failed runs", () => !!document.querySelector("#no-executions"));
      await page.select("#filter-phase", "COMPLETED");
      await page.select("#filter-target", "pipeline");
      await waitInPage(
        page,
        "the completed run",
        () => document.querySelectorAll("table.executions tbody tr").length === 1,
      );

      // Resources with their YAML.
      await page.click('a[href="#/resources"]');
      await waitInPage(page, "the resources page", () => !!document.querySelector("#tab-Workflow"));
      await page.click("#tab-Workflow");
      await waitInPage(
        page,
        "the workflow's YAML",
        () =>
          (document.querySelector("#resource-yaml")?.textContent ?? "").includes("kind: Workflow"),
      );
      const yaml = await page.$eval("#resource-yaml", (p) => p.textContent ?? "");
      assert(yaml.includes("name: pipeline") && yaml.includes("fork:"), yaml);
      await screenshot(page, "viewer-resources.png", shots);

      // A narrow window: one column, nothing wider than the window (the graph scrolls inside).
      await page.setViewport({ width: 420, height: 800 });
      await page.goto(`${link.origin}/#/executions/${id}`, { waitUntil: "load" });
      await waitInPage(page, "the graph", () => !!document.querySelector("svg.graph"));
      const overflow = await page.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assertEquals(overflow, 0, "the page is wider than a narrow window");
    } finally {
      await chromium.close();
      await home.cleanup();
      await Deno.remove(shots, { recursive: true }).catch(() => {});
    }
  },
});
