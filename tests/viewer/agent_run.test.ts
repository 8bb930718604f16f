// Following an agent run in the viewer as it streams: a real daemon runs an agent whose model
// (scripted, on loopback) calls the real filesystem MCP server's tools; headless Chromium shows
// the transcript with each tool call's arguments, result and time while the run goes on, then
// the answer; Re-run starts it again and Cancel stops that run.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  applyProject,
  assertExit,
  executionHome,
  localConfig,
  writeProject,
} from "../executions/helpers.ts";
import { type SeenMessage, startScriptedModel, toolResults } from "../helpers/scripted_model.ts";
import { filesystemAgent } from "../agents/helpers.ts";
import { launchBrowser, screenshot, viewerLink, waitInPage } from "./helpers.ts";

// Functions run in the page (waitForFunction, $eval) see its DOM; Deno's types have no DOM.
// deno-lint-ignore no-explicit-any
declare const document: any;
// deno-lint-ignore no-explicit-any
declare const location: any;

/** List the directory, read the file, answer; slowly enough for the page to see each step. */
function slowReader(dir: string) {
  return (messages: SeenMessage[]) => {
    const results = toolResults(messages);
    if (results.length === 0) {
      return {
        delayMs: 1000,
        toolCalls: [{ name: "list_directory", arguments: { path: dir } }],
      };
    }
    if (results.length === 1) {
      return {
        delayMs: 4000,
        toolCalls: [{ name: "read_text_file", arguments: { path: `${dir}/notes.txt` } }],
      };
    }
    return { delayMs: 4000, text: `Your notes say: ${results[1].split("\n")[0]}` };
  };
}

Deno.test({
  name: "viewer: an agent run's transcript and tool calls stream live; re-run and cancel",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const files = await Deno.makeTempDir({ prefix: "stigmer-viewer-files-" });
    await Deno.writeTextFile(`${files}/notes.txt`, "Ada wrote the first program.\n");
    const model = startScriptedModel(slowReader(files));
    const home = await executionHome(localConfig({
      llm: { provider: "ollama", base_url: model.url, model: "scripted" },
    }));
    const chromium = await launchBrowser();
    try {
      const dir = await writeProject(home, "agents", {
        "reader.yaml": filesystemAgent("reader", files),
      });
      await applyProject(home, dir);
      const { page } = chromium;
      await page.goto((await viewerLink(home)).url, { waitUntil: "load" });
      await waitInPage(
        page,
        "the executions page",
        () => !!document.querySelector("#no-executions"),
      );

      const started = await home.run([
        "run",
        "reader",
        "-m",
        "What do my notes say?",
        "--no-follow",
      ]);
      assertExit(started, 0, "stigmer run reader --no-follow");
      const id = /(aex-[0-9a-z]+)/.exec(started.stdout + started.stderr)?.[1];
      assert(id, `no execution id in:\n${started.stdout}${started.stderr}`);
      await page.goto(`${new URL(page.url()).origin}/#/executions/${id}`, { waitUntil: "load" });
      await waitInPage(page, "the transcript", () => !!document.querySelector("#transcript"));
      assertEquals(
        await page.$eval("#transcript .msg.user p", (p: { textContent: string }) => p.textContent),
        "What do my notes say?",
      );

      // The first tool call has its result while the run still goes on: it streamed in.
      await waitInPage(
        page,
        "list_directory completed while the run is running",
        () =>
          !!document.querySelector('.tool[data-tool="list_directory"][data-status="completed"]') &&
          !!document.querySelector('#execution-phase .phase[data-phase="RUNNING"]'),
        60_000,
      );
      const listing = await page.$eval(
        '.tool[data-tool="list_directory"]',
        (li: { innerText: string }) => li.innerText,
      );
      assert(listing.includes(`"path": "${files}"`), listing);
      assert(/\[FILE\] notes\.txt/.test(listing), listing);
      assert(/completed, \d+ ms/.test(listing), listing);

      // Then the second call, and the answer; the run completes on the page without a reload.
      await waitInPage(
        page,
        "the run to complete",
        () => !!document.querySelector('#execution-phase .phase[data-phase="COMPLETED"]'),
        60_000,
      );
      await waitInPage(
        page,
        "the answer",
        () =>
          [...document.querySelectorAll("#transcript .msg.agent p")].some((
            p: { textContent: string },
          ) => p.textContent === "Your notes say: Ada wrote the first program."),
      );
      const tools = await page.$$eval(
        "#transcript .tool",
        (lis: { getAttribute(n: string): string }[]) =>
          lis.map((li) => `${li.getAttribute("data-tool")} ${li.getAttribute("data-status")}`),
      );
      assertEquals(tools, ["list_directory completed", "read_text_file completed"]);
      const read = await page.$eval(
        '.tool[data-tool="read_text_file"]',
        (li: { innerText: string }) => li.innerText,
      );
      assert(read.includes("notes.txt") && read.includes("Ada wrote the first program."), read);
      const timeline = await page.$$eval(
        "ol.timeline li",
        (lis: { getAttribute(n: string): string }[]) =>
          lis.map((li) => li.getAttribute("data-type")),
      );
      assertEquals(timeline.filter((t) => t === "tool.call.completed").length, 2);
      assertEquals(timeline.at(-1), "execution.completed");
      await screenshot(page, "viewer-agent.png", files);

      // Re-run: a new execution of the same agent and message, followed at once; Cancel stops it.
      await page.click("#rerun");
      await waitInPage(
        page,
        "the new execution's page",
        (first) =>
          /#\/executions\/aex-/.test(location.hash) && !location.hash.endsWith(first) &&
          !!document.querySelector("#execution-phase"),
        30_000,
        id,
      );
      const rerunId = new URL(page.url()).hash.replace("#/executions/", "");
      assert(rerunId !== id);
      await waitInPage(
        page,
        "the re-run running",
        () => !!document.querySelector('#execution-phase .phase[data-phase="RUNNING"]'),
        60_000,
      );
      assertEquals(
        await page.$eval("#transcript .msg.user p", (p: { textContent: string }) => p.textContent),
        "What do my notes say?",
      );
      await page.click("#cancel");
      await waitInPage(
        page,
        "the re-run cancelled",
        () => !!document.querySelector('#execution-phase .phase[data-phase="CANCELLED"]'),
        60_000,
      );
      const got = await home.run(["executions", "get", rerunId, "-o", "json"]);
      assertExit(got, 0, "stigmer executions get");
      assertEquals(JSON.parse(got.stdout).phase, "CANCELLED");
    } finally {
      await chromium.close();
      await home.cleanup();
      await model.close();
      await Deno.remove(files, { recursive: true }).catch(() => {});
    }
  },
});
