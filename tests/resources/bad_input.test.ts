// Bad input through the real CLI: each case exits 2 with file:line and what
// was expected, and applies NOTHING — the bad batches also hold valid
// resources, and the store is compared before and after.
import { DatabaseSync } from "node:sqlite";
import { Channel, makeClient } from "../../src/client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../../src/rpc/gen/stigmer/v1/resource.ts";
import { GrpcError, Status } from "../../src/rpc/status.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import {
  agentYaml,
  API,
  applyTable,
  listJson,
  projectYaml,
  type ResourceHome,
  skillYaml,
  storeSnapshot,
  withResourceHome,
} from "./helpers.ts";

/** Writes project `name` (a plain Stigmer.yaml unless `files` has one), applies it: exit 2. */
async function refused(
  home: ResourceHome,
  name: string,
  files: Record<string, string>,
): Promise<string> {
  const cwd = await home.write(name, { "Stigmer.yaml": projectYaml(name), ...files });
  const result = await home.expect(2, ["apply"], { cwd });
  assertEquals(result.stdout, "", `${name}: printed a result table`);
  return result.stderr;
}

const BILLION_LAUGHS = `${API}
kind: Agent
metadata:
  name: laughs
spec:
  instructions: &a0 "lol"
  x1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
  x2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
  x3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
  x4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
  x5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]
  x6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]
  x7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]
  x8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]
  x9: [*a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8]
`;

Deno.test(
  "bad input: exit 2, file:line, nothing applied; a reference resolves against the backend",
  withResourceHome(async (home) => {
    // Duplicate names in one batch (also two names with the same slug), at the name.
    const dup = await refused(home, "dup", {
      "stigmer/a.yaml": `${agentYaml("twin")}---\n${agentYaml("valid-dup")}`,
      "stigmer/b.yaml": `${agentYaml("twin")}---\n${skillYaml("My Skill")}---\n${
        skillYaml("my-skill")
      }`,
    });
    assertMatch(
      dup,
      /stigmer\/b\.yaml:4:9: metadata\.name: Agent "twin" is declared twice; the first is at stigmer\/a\.yaml:1/,
    );
    assertMatch(dup, /Skill "my-skill" has the same slug "my-skill" as "My Skill"/);
    // Found locally: the daemon was not even started.
    assertEquals(home.daemonPids(), []);

    const base = await home.write("base", {
      "Stigmer.yaml": projectYaml("base"),
      "stigmer/base.yaml": `${agentYaml("base-agent")}---\n${skillYaml("base-skill")}`,
    });
    await home.expect(0, ["apply"], { cwd: base });
    const before = await storeSnapshot(home);

    // Invalid YAML, with a valid manifest beside it.
    const yaml = await refused(home, "yaml", {
      "stigmer/ok.yaml": agentYaml("valid-yaml"),
      "stigmer/bad.yaml": `${API}\nkind: Agent\nmetadata: [name: x\nspec: {}\n`,
    });
    assertMatch(yaml, /stigmer\/bad\.yaml:\d+:\d+: invalid YAML: /);

    // Unknown kind, located at the kind.
    const kind = await refused(home, "kind", {
      "stigmer/all.yaml": `${
        agentYaml("valid-kind")
      }---\n${API}\nkind: Gizmo\nmetadata:\n  name: g\nspec: {}\n`,
    });
    assertMatch(
      kind,
      /stigmer\/all\.yaml:9:7: kind: unknown kind "Gizmo"; expected one of: Agent, Workflow, Skill, McpServer, Environment/,
    );

    // Missing required fields: all of them reported at once, each at its line.
    const missing = await refused(home, "missing", {
      "stigmer/a.yaml":
        `${API}\nkind: Agent\nmetadata:\n  name: no-instructions\nspec:\n  description: d\n`,
      "stigmer/s.yaml": `${API}\nkind: Skill\nmetadata: {}\nspec: {}\n`,
      "stigmer/w.yaml": `${API}\nkind: Workflow\nmetadata:\n  name: no-document\nspec:\n  do: []\n`,
      "stigmer/v.yaml": agentYaml("valid-missing"),
    });
    assertMatch(missing, /error: found [4-9] problems/);
    assertMatch(
      missing,
      /stigmer\/a\.yaml:\d+:\d+: spec\.instructions: is missing; expected a string/,
    );
    assertMatch(missing, /stigmer\/s\.yaml:\d+:\d+: metadata\.name: is missing/);
    assertMatch(missing, /stigmer\/s\.yaml:\d+:\d+: spec\.description: is missing/);
    assertMatch(missing, /stigmer\/w\.yaml:\d+:\d+: spec\.document: is missing/);

    // A dangling reference: in neither the batch nor the backend. The backend finds
    // it; the CLI points at the list item.
    const dangling = await refused(home, "dangling", {
      "stigmer/agent.yaml": agentYaml("valid-dangling", { skills: ["base-skill", "ghost"] }),
    });
    assertMatch(
      dangling,
      /stigmer\/agent\.yaml:7:24: spec\.skills\[1\]: Skill "ghost" not found: no Skill of that name in this batch or in organization local/,
    );

    // A YAML alias bomb: refused before it expands.
    const bomb = await refused(home, "bomb", {
      "stigmer/ok.yaml": agentYaml("valid-bomb"),
      "stigmer/bomb.yaml": BILLION_LAUGHS,
    });
    assertMatch(bomb, /stigmer\/bomb\.yaml:\d+:\d+: too many YAML alias expansions/);

    // A manifest over 10 MB: refused unread (there is no line to name: the file is).
    const huge = `${agentYaml("valid-huge")}---\n${
      agentYaml("huge", { instructions: "x".repeat(10.5 * 1024 * 1024) })
    }`;
    const big = await refused(home, "big", { "stigmer/huge.yaml": huge });
    assertMatch(
      big,
      /stigmer\/huge\.yaml: file is 10\.5 MB; manifests larger than 10\.0 MB are refused/,
    );

    // Paths that escape the project: `..`, absolute, and symlinks; `resources` and `main`.
    const outside = await home.write("outside", {
      "agent.yaml": agentYaml("escaped"),
      "main.ts":
        `import { agent, synth } from "@stigmer/sdk";\nsynth(agent({ name: "escaped-main", instructions: "x" }));\n`,
    });
    const dots = await refused(home, "dots", {
      "Stigmer.yaml": 'name: dots\nresources:\n  - "stigmer/*.yaml"\n  - "../outside/*.yaml"\n',
      "stigmer/ok.yaml": agentYaml("valid-dots"),
    });
    assertMatch(
      dots,
      /Stigmer\.yaml:4:\d+: resources\[1\]: must stay inside the project directory/,
    );
    const absolute = await refused(home, "absolute", {
      "Stigmer.yaml": `name: absolute\nresources: ["${outside}/*.yaml"]\n`,
    });
    assertMatch(absolute, /Stigmer\.yaml:2:\d+: resources\[0\]: must be relative to the project/);
    const mainDots = await refused(home, "maindots", {
      "Stigmer.yaml": "name: maindots\nmain: ../outside/main.ts\n",
      "stigmer/ok.yaml": agentYaml("valid-maindots"),
    });
    assertMatch(mainDots, /Stigmer\.yaml:2:\d+: main: must stay inside the project directory/);

    const linked = await home.write("linked", {
      "Stigmer.yaml": "name: linked\n",
      "stigmer/ok.yaml": agentYaml("valid-linked"),
    });
    await Deno.symlink(`${outside}/agent.yaml`, `${linked}/stigmer/escape.yaml`);
    const symlink = (await home.expect(2, ["apply"], { cwd: linked })).stderr;
    assertMatch(symlink, /Stigmer\.yaml:\d+(:\d+)?: .*symlink to .*outside the project directory/);
    const mainLink = await home.write("mainlink", {
      "Stigmer.yaml": "name: mainlink\nmain: main.ts\n",
      "stigmer/ok.yaml": agentYaml("valid-mainlink"),
    });
    await Deno.symlink(`${outside}/main.ts`, `${mainLink}/main.ts`);
    const mainSymlink = (await home.expect(2, ["apply"], { cwd: mainLink })).stderr;
    assertMatch(mainSymlink, /Stigmer\.yaml:2:\d+: main: .*symlink to .*outside the project/);

    // A skill whose `path` leaves the project.
    const skillPath = await refused(home, "skillpath", {
      "stigmer/skill.yaml":
        `${API}\nkind: Skill\nmetadata:\n  name: sneaky\nspec:\n  description: d\n  path: ../../outside/agent.yaml\n`,
      "stigmer/ok.yaml": agentYaml("valid-skillpath"),
    });
    assertMatch(
      skillPath,
      /stigmer\/skill\.yaml:7:\d+: spec\.path: .*outside the project directory/,
    );

    assertEquals(await storeSnapshot(home), before, "a refused batch changed the store");

    // The dangling reference resolves once the skill exists in the backend.
    const ghost = await home.write("ghost", { "ghost.yaml": skillYaml("ghost") });
    await home.expect(0, ["apply", "-f", `${ghost}/ghost.yaml`], { cwd: home.home });
    const resolved = await home.expect(0, ["apply"], { cwd: `${home.home}/dangling` });
    assertEquals(applyTable(resolved.stdout).map((r) => [r.name, r.action]), [
      ["valid-dangling", "CREATED"],
    ]);
  }),
);

Deno.test(
  "bad input: a name whose slug another resource has is a conflict, never a takeover",
  withResourceHome(async (home) => {
    const first = await home.write("first", {
      "Stigmer.yaml": projectYaml("first"),
      "stigmer/a.yaml": agentYaml("Slug Test"),
    });
    await home.expect(0, ["apply"], { cwd: first });
    const original = JSON.parse(
      (await home.expect(0, ["get", "agent", "Slug Test", "-o", "json"], { cwd: first })).stdout,
    );
    const before = await storeSnapshot(home);

    const second = await home.write("second", {
      "Stigmer.yaml": projectYaml("second"),
      "stigmer/b.yaml": agentYaml("slug-test!", { instructions: "Take over." }),
    });
    const conflict = await home.expect(1, ["apply"], { cwd: second });
    assertEquals(conflict.stdout, "");
    assertMatch(conflict.stderr, /Agent "slug-test!".*slug "slug-test".*Agent "Slug Test"/);
    assertEquals(await storeSnapshot(home), before, "a conflicting apply changed the store");
    const kept = JSON.parse(
      (await home.expect(0, ["get", "agent", "Slug Test", "-o", "json"], { cwd: first })).stdout,
    );
    assertEquals(kept.metadata.id, original.metadata.id);
    assertEquals(kept.metadata.name, "Slug Test");
  }),
);

Deno.test(
  "bad input: control, format and invalid characters in names are refused; tables and errors escape them",
  withResourceHome(async (home) => {
    // In a manifest: a NUL, a bidi override, a zero-width space, and a byte that is not UTF-8.
    const cwd = await home.write("chars", {
      "Stigmer.yaml": projectYaml("chars"),
      "stigmer/a.yaml": `${agentYaml("valid-chars")}---\n${agentYaml('"nul\\0byte"')}---\n${
        agentYaml('"bidi\\u202Eevil"')
      }---\n${agentYaml("ok", { labels: { team: '"a\\u200Bb"' } })}`,
    });
    const bytes = new TextEncoder().encode(agentYaml("bad-XX-utf8"));
    const at = new TextDecoder().decode(bytes).indexOf("XX");
    bytes.set([0xff, 0xfe], at);
    await Deno.writeFile(`${cwd}/stigmer/b.yaml`, bytes);
    const result = await home.expect(2, ["apply"], { cwd });
    assertEquals(result.stdout, "");
    const refusal = /must not contain control, format or invalid characters/;
    for (const where of ["a.yaml:11:", "a.yaml:18:", "a.yaml:27:", "b.yaml:4:"]) {
      assertMatch(
        result.stderr,
        new RegExp(`stigmer/${where}\\d+: metadata\\.\\S+: ${refusal.source}`),
      );
    }
    // What the error shows is escaped too: no raw NUL or override reaches the terminal.
    assert(!/[\0\u202E\u200B]/.test(result.stderr), JSON.stringify(result.stderr));
    assertEquals(home.daemonPids(), []);

    // A store written by an older version may hold such names: tables and errors escape them.
    const ok = await home.write("ok", {
      "Stigmer.yaml": projectYaml("ok"),
      "stigmer/a.yaml": agentYaml("forge-me"),
    });
    await home.expect(0, ["apply"], { cwd: ok });
    const forged = "evil\u202E\nAgent   forged   9";
    const db = new DatabaseSync(`${home.dataDir}/stigmer.db`);
    try {
      db.exec("PRAGMA busy_timeout = 10000");
      db.prepare("UPDATE resources SET name = ?, project = ? WHERE slug = 'forge-me'").run(
        forged,
        "p\u200Bq",
      );
    } finally {
      db.close();
    }
    const table = (await home.expect(0, ["get", "agents"], { cwd: ok })).stdout;
    const lines = table.trimEnd().split("\n");
    assertEquals(lines.length, 2, table);
    assertMatch(lines[1], /^evil\\u\{202e\}\\nAgent {3}forged {3}9 +1 /);
    assertMatch(lines[1], /p\\u\{200b\}q$/);
    // The server refuses them too, from any client: a NUL no longer cuts a name short,
    // and a lone surrogate arrives as invalid UTF-8 (U+FFFD).
    const info = JSON.parse(await Deno.readTextFile(`${home.dataDir}/daemon.json`));
    const channel = new Channel({
      endpoint: `127.0.0.1:${info.port}`,
      token: (await Deno.readTextFile(`${home.dataDir}/daemon.token`)).trim(),
    });
    try {
      const client = makeClient(channel, ResourceServiceDefinition);
      for (
        const [name, labels] of [
          ["nul\0byte", {}],
          ["bidi\u202Eevil", {}],
          ["lone\uD800half", {}],
          ["labelled", { team: "a\u200Bb" }],
        ] as [string, Record<string, string>][]
      ) {
        const refused = await client.apply({
          org: "local",
          project: "raw",
          prune: false,
          resources: [{
            kind: "Agent",
            name,
            labels,
            annotations: {},
            specJson: '{"instructions":"x"}',
            sourceFile: "raw",
            sourceLine: 1,
          }],
        }).then(() => undefined, (err: unknown) => err);
        // A refused batch is an INVALID_ARGUMENT status naming the problem (one apply pipeline).
        assert(refused instanceof GrpcError, `${JSON.stringify(name)} was applied`);
        assertEquals(refused.code, Status.INVALID_ARGUMENT, JSON.stringify(name));
        assertMatch(refused.message, refusal);
      }
    } finally {
      channel.close();
    }
    assertEquals((await listJson(home, "agents")).length, 1);

    const missing = await home.expect(1, ["get", "agent", "no\u202Esuch\nline"], { cwd: ok });
    assert(!/[\u202E]/.test(missing.stderr), JSON.stringify(missing.stderr));
    assertMatch(missing.stderr, /no\\u\{202e\}such\\nline/);
  }),
);
