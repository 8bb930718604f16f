// Tables line up in a terminal: colour codes take no column, wide characters two.
import stripAnsi from "strip-ansi";
import { assert, assertEquals } from "../helpers/assert.ts";
import { colors, formatTable, setColor } from "../../src/cli/output.ts";

Deno.test("table: coloured cells do not push the next column (colours forced on)", async () => {
  setColor(true);
  try {
    const c = colors();
    const header = ["KIND", "NAME", "ACTION", "VERSION", "ID"];
    const paint: Record<string, (s: string) => string> = {
      CREATED: c.green,
      UNCHANGED: c.dim,
      DELETED: c.red,
    };
    const table = await formatTable(header, [
      ["Agent", "greeter", "CREATED", "1", "agt_1"],
      ["Workflow", "hello", "UNCHANGED", "12", "wfl_2"],
      ["Skill", "style", "DELETED", "3", "skl_3"],
    ], { 2: (action) => paint[action](action) });
    // The codes are really there, so this checks the widths and not a plain table.
    assertEquals(table.split("\x1b[").length - 1, 6);
    assert(table.includes("\x1b[32mCREATED\x1b[39m"), table); // green, then default colour
    assert(table.includes("\x1b[2mUNCHANGED\x1b[22m"), table); // dim, then normal intensity
    assertEquals(stripAnsi(table).split("\n"), [
      "KIND       NAME      ACTION      VERSION   ID",
      "Agent      greeter   CREATED     1         agt_1",
      "Workflow   hello     UNCHANGED   12        wfl_2",
      "Skill      style     DELETED     3         skl_3",
    ]);
  } finally {
    setColor(false);
  }
});

Deno.test("table: wide characters count as two columns", async () => {
  const table = await formatTable(["NAME", "VALUE"], [["日本", "a"], ["ab", "b"], ["é", "c"]]);
  assertEquals(table.split("\n"), [
    "NAME   VALUE",
    "日本   a",
    "ab     b",
    "é      c",
  ]);
});

Deno.test("table: a plain ASCII table lines up by length", async () => {
  const table = await formatTable(["NAME", "VERSION"], [["greeter", "1"], ["a", "12"]]);
  assertEquals(table.split("\n"), ["NAME      VERSION", "greeter   1", "a         12"]);
});
