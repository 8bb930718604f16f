import assert from "node:assert/strict";
import { slugify } from "../../src/model/slug.ts";
import { idPrefixOf, newId } from "../../src/model/ids.ts";
import { ID_PREFIX } from "../../src/model/resource.ts";

Deno.test("slugify follows SPEC §7", () => {
  const table: [string, string][] = [
    ["greeter", "greeter"],
    ["Hello World", "hello-world"],
    ["  Hello   World  ", "hello-world"],
    ["my_agent.v2!", "myagentv2"],
    ["a -- b", "a-b"],
    ["--edge--", "edge"],
    ["Code Reviewer (Senior)", "code-reviewer-senior"],
    ["tab\tand\nnewline", "tab-and-newline"],
    ["Café Crème", "cafe-creme"],
    ["already-a-slug", "already-a-slug"],
    ["UPPER", "upper"],
    ["123 go", "123-go"],
    ["!!!", ""],
    ["", ""],
  ];
  for (const [name, slug] of table) {
    assert.equal(slugify(name), slug, `slugify(${JSON.stringify(name)})`);
  }
});

Deno.test("newId makes <prefix>-<lowercase ULID> and idPrefixOf reads it back", () => {
  const ids = Object.values(ID_PREFIX).map((prefix) => newId(prefix));
  for (const [i, prefix] of Object.values(ID_PREFIX).entries()) {
    assert.match(ids[i], new RegExp(`^${prefix}-[0-9a-hjkmnp-tv-z]{26}$`));
    assert.equal(idPrefixOf(ids[i]), prefix);
  }
  assert.equal(idPrefixOf(newId("wex")), "wex");
  assert.equal(idPrefixOf("agt-short"), undefined);
  assert.equal(idPrefixOf("greeter"), undefined);
  assert.equal(idPrefixOf("AGT-01J9ZQ3K4M5N6P7Q8R9S0T1V2W"), undefined);
});

Deno.test("ids made in a row sort in creation order", () => {
  const ids = Array.from({ length: 200 }, () => newId("agt"));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});
