// The viewer's embedded page: src/viewer/assets.gen.ts is what its sources bundle to today (else:
// deno task viewer-assets), and it loads nothing from another host.
import { assert, assertEquals } from "../helpers/assert.ts";
import { ASSETS_MODULE, renderAssetsModule } from "../../scripts/gen_viewer_assets.ts";
import { APP_CSS, APP_JS, INDEX_HTML } from "../../src/viewer/assets.gen.ts";

Deno.test("viewer assets: assets.gen.ts is up to date with src/viewer/app/ (else: deno task viewer-assets)", async () => {
  assertEquals(await Deno.readTextFile(ASSETS_MODULE), await renderAssetsModule());
});

/**
 * XML namespace names are identifiers, never fetched: preact (SVG, MathML) and the DOM use them.
 * Any other http(s) URL in what the page gets could load something from the internet.
 */
const NAMESPACES = new Set([
  "http://www.w3.org/2000/svg",
  "http://www.w3.org/1999/xhtml",
  "http://www.w3.org/1998/Math/MathML",
  "http://www.w3.org/1999/xlink",
  "http://www.w3.org/XML/1998/namespace",
]);

const URL_PATTERN = /(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)<>\\]*/gi;

function foreignUrls(texts: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, text] of Object.entries(texts)) {
    for (const [url] of text.matchAll(URL_PATTERN)) {
      if (!NAMESPACES.has(url)) found.push(`${name}: ${url}`);
    }
  }
  return found;
}

Deno.test("viewer assets: the page, script and styles name no other host", () => {
  // The check finds what it looks for.
  assertEquals(
    foreignUrls({
      sample: `<script src="https://cdn.example.com/x.js"></script>@import "//f.io/a"`,
    }),
    ["sample: https://cdn.example.com/x.js", "sample: //f.io/a"],
  );
  assertEquals(foreignUrls({ INDEX_HTML, APP_JS, APP_CSS }), []);
  // Only the page's own files: no inline script, no script or style from elsewhere.
  assertEquals(
    [...INDEX_HTML.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).sort(),
    ["/app.css", "/app.js"],
  );
  assert(!/<script>(?!<\/script>)/.test(INDEX_HTML), "an inline script");
  // The bundle holds its libraries: nothing is imported at run time.
  assert(!/\bimport\s*\(|^import\s|\sfrom\s*["']/m.test(APP_JS), "the script imports something");
  assert(APP_JS.length > 20_000, "the bundle is suspiciously small");
});
