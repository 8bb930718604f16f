// What the run viewer's tests share: the link `stigmer ui --no-open` prints, and a real headless
// Chromium (Debian's /usr/bin/chromium) driven by puppeteer-core, stopped by its pid.
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { assert } from "../helpers/assert.ts";
import { isAlive, type TestHome } from "../helpers/cli.ts";
import { assertExit, waitUntil } from "../executions/helpers.ts";

// Functions run in the page (waitForFunction, $eval) see its DOM; Deno's types have no DOM.
// deno-lint-ignore no-explicit-any
declare const document: any;

export const CHROMIUM = "/usr/bin/chromium";
export const REPO_DOCS = new URL("../../docs/", import.meta.url).pathname;
/** UPDATE_SCREENSHOTS=1 writes the README's screenshots into docs/; else into a temp dir. */
export const UPDATE_SCREENSHOTS = Deno.env.get("UPDATE_SCREENSHOTS") === "1";

export interface ViewerLink {
  url: string;
  port: number;
  origin: string;
}

/** Runs `stigmer ui --no-open` and returns the link it printed on stdout. */
export async function viewerLink(home: TestHome): Promise<ViewerLink> {
  const result = await home.run(["ui", "--no-open"]);
  assertExit(result, 0, "stigmer ui --no-open");
  const url = result.stdout.trim();
  const match = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{43}$/.exec(url);
  assert(match, `stigmer ui printed no link on stdout:\n${result.stdout}\n${result.stderr}`);
  const port = Number(match[1]);
  return { url, port, origin: `http://127.0.0.1:${port}` };
}

export interface TestBrowser {
  browser: Browser;
  page: Page;
  pid: number;
  close(): Promise<void>;
}

/** A headless Chromium at 1280×800 with a temporary profile; close() stops it by its pid. */
export async function launchBrowser(): Promise<TestBrowser> {
  try {
    Deno.statSync(CHROMIUM);
  } catch {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  }
  const profile = await Deno.makeTempDir({ prefix: "stigmer-viewer-chromium-" });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    // As root (CI and these machines) Chromium runs only without its sandbox.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    defaultViewport: { width: 1280, height: 800 },
  });
  const pid = browser.process()?.pid;
  assert(pid, "chromium started without a pid");
  const page = await browser.newPage();
  return {
    browser,
    page,
    pid,
    async close() {
      await Promise.race([
        browser.close().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 5000)),
      ]);
      if (isAlive(pid)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
      await waitUntil("chromium to exit", () => !isAlive(pid), 10_000);
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** Saves a screenshot: into docs/ with UPDATE_SCREENSHOTS=1, else a temp file; checks it is a PNG. */
export async function screenshot(page: Page, name: string, tempDir: string): Promise<string> {
  const path = UPDATE_SCREENSHOTS ? `${REPO_DOCS}${name}` : `${tempDir}/${name}`;
  if (UPDATE_SCREENSHOTS) await Deno.mkdir(REPO_DOCS, { recursive: true });
  await page.screenshot({ path: path as `${string}.png`, fullPage: false });
  const bytes = await Deno.readFile(path);
  assert(bytes.length > 10_000, `${name} is only ${bytes.length} bytes`);
  assert(bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47, `${name} is not a PNG`);
  return path;
}

/** Waits until `fn` (run in the page, with `args`) is truthy. */
export async function waitInPage(
  page: Page,
  what: string,
  fn: (...args: string[]) => unknown,
  timeoutMs = 30_000,
  ...args: string[]
): Promise<void> {
  try {
    await page.waitForFunction(fn, { timeout: timeoutMs, polling: 100 }, ...args);
  } catch (err) {
    const body = await page.evaluate(() => document.body.innerText).catch(() => "?");
    throw new Error(`timed out waiting for ${what}: ${(err as Error).message}\npage:\n${body}`);
  }
}

/** The graph's nodes as the page shows them: path → state. */
export function graphStates(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll("svg.graph g.node")].map((
        n,
      ) => [n.getAttribute("data-path"), n.getAttribute("data-state")]),
    )
  );
}
