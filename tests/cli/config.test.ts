// `stigmer config …` and config.yaml: round trips, edits that keep comments,
// and bad files that are refused clearly with nothing changed.
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, cliTest, readText } from "./helpers.ts";

interface Setting {
  key: string;
  value: string | boolean;
  source: string;
}

const SETTABLE = [
  "backend.type",
  "backend.local.endpoint",
  "backend.local.data_dir",
  "backend.local.idle_timeout",
  "backend.local.startup_timeout",
  "backend.local.allowed_hosts",
  "backend.local.llm.provider",
  "backend.local.llm.model",
  "backend.local.llm.base_url",
  "backend.local.llm.api_key_env",
  "backend.local.llm.api_key_secret",
  "backend.cloud.endpoint",
  "backend.cloud.org_id",
  "backend.cloud.ca_file",
  "backend.cloud.insecure",
  "context.organization",
];

cliTest("config path: STIGMER_HOME/config.yaml, without creating it", async (home) => {
  const result = await home.run(["config", "path"]);
  assertExit(result, 0);
  assertEquals(result.stdout, `${home.configPath}\n`);
  assertEquals(readText(home.configPath), undefined);
});

cliTest("config list: the SPEC defaults with no config file", async (home) => {
  const result = await home.run(["config", "list", "--json"]);
  assertExit(result, 0);
  const settings = JSON.parse(result.stdout) as Setting[];
  assertEquals(settings.map((s) => s.key), SETTABLE);
  const value = (key: string) => settings.find((s) => s.key === key)?.value;
  assertEquals(value("backend.type"), "local");
  assertEquals(value("backend.local.endpoint"), "127.0.0.1:50051");
  assertEquals(value("backend.local.data_dir"), `${home.home}/data`);
  assertEquals(value("backend.local.idle_timeout"), "3h");
  assertEquals(value("backend.local.startup_timeout"), "10s");
  assertEquals(value("backend.local.llm.provider"), "ollama");
  assertEquals(value("backend.local.llm.model"), "qwen2.5-coder:7b");
  assertEquals(value("backend.local.llm.base_url"), "http://localhost:11434");
  assertEquals(value("backend.cloud.endpoint"), "https://api.stigmer.ai:443");
  assertEquals(value("context.organization"), "");
  assert(settings.every((s) => s.source === "default"));

  const table = await home.run(["config", "list"]);
  assertExit(table, 0);
  assertMatch(table.stdout, /^KEY +VALUE +SOURCE$/m);
  assertMatch(table.stdout, /^backend\.type +local +default$/m);
  assertEquals(readText(home.configPath), undefined, "list must not create config.yaml");
});

cliTest("config get: every setting has a value", async (home) => {
  const results = await Promise.all(SETTABLE.map((key) => home.run(["config", "get", key])));
  results.forEach((result, i) => assertExit(result, 0, `config get ${SETTABLE[i]}`));
  assertEquals(results[0].stdout, "local\n");
});

cliTest("config set / get / unset: round trip, sources and types", async (home) => {
  const set = await home.run(["config", "set", "backend.local.idle_timeout", "30m"]);
  assertExit(set, 0);
  assertMatch(set.stderr, /backend\.local\.idle_timeout = 30m/);
  assertEquals((await home.run(["config", "get", "backend.local.idle_timeout"])).stdout, "30m\n");
  assertEquals(Deno.statSync(home.configPath).mode! & 0o777, 0o600);

  // A boolean is stored as a boolean, not as the text "true".
  assertExit(await home.run(["config", "set", "backend.cloud.insecure", "true"]), 0);
  assertMatch(readText(home.configPath)!, /insecure: true$/m);
  assertEquals((await home.run(["config", "get", "backend.cloud.insecure"])).stdout, "true\n");

  const list = JSON.parse((await home.run(["config", "list", "--json"])).stdout) as Setting[];
  const source = (key: string) => list.find((s) => s.key === key)?.source;
  assertEquals(source("backend.local.idle_timeout"), "config");
  assertEquals(source("backend.cloud.insecure"), "config");
  assertEquals(source("backend.type"), "default");

  const unset = await home.run(["config", "unset", "backend.cloud.insecure"]);
  assertExit(unset, 0);
  assertMatch(unset.stderr, /removed/);
  assertEquals((await home.run(["config", "get", "backend.cloud.insecure"])).stdout, "false\n");
  // The emptied section is dropped; the other setting stays.
  assertEquals(readText(home.configPath), "backend:\n  local:\n    idle_timeout: 30m\n");

  const again = await home.run(["config", "unset", "backend.cloud.insecure"]);
  assertExit(again, 0);
  assertMatch(again.stderr, /was not set/);
});

cliTest("config get/list: the environment overrides the file", async (home) => {
  await Deno.writeTextFile(
    home.configPath,
    "backend:\n  type: local\n  local:\n    llm:\n      model: from-file\n",
  );
  const env = { STIGMER_BACKEND: "cloud", STIGMER_LLM_MODEL: "from-env" };
  assertEquals((await home.run(["config", "get", "backend.type"], { env })).stdout, "cloud\n");
  const list = JSON.parse(
    (await home.run(["config", "list", "--json"], { env })).stdout,
  ) as Setting[];
  const model = list.find((s) => s.key === "backend.local.llm.model")!;
  assertEquals([model.value, model.source], ["from-env", "environment"]);
  assertEquals(list.find((s) => s.key === "backend.type")!.source, "environment");
});

cliTest("config set: comments and layout already in the file are kept", async (home) => {
  const before = [
    "# My stigmer settings",
    "backend:",
    "  # which backend",
    "  type: local   # local for now",
    "",
    "context:",
    "  organization: acme # our team",
    "",
  ].join("\n");
  await Deno.writeTextFile(home.configPath, before);
  assertExit(await home.run(["config", "set", "backend.local.startup_timeout", "20s"]), 0);
  const after = readText(home.configPath)!;
  for (
    const kept of [
      "# My stigmer settings",
      "  # which backend",
      "# local for now",
      "organization: acme # our team",
    ]
  ) {
    assert(after.includes(kept), `lost ${JSON.stringify(kept)}:\n${after}`);
  }
  assertMatch(after, /startup_timeout: 20s/);
  assertEquals((await home.run(["config", "get", "context.organization"])).stdout, "acme\n");
});

cliTest("config set: an invalid value exits 2 and leaves the file byte for byte", async (home) => {
  const before = "# keep me\nbackend:\n  type: local # inline\n";
  await Deno.writeTextFile(home.configPath, before);
  const cases: [string, string, RegExp][] = [
    ["backend.local.idle_timeout", "banana", /expected a duration/],
    ["backend.local.endpoint", "0", /expected HOST:PORT/],
    ["backend.type", "mars", /unknown backend type "mars": expected one of local, cloud/],
    ["backend.local.llm.provider", "skynet", /unknown LLM provider "skynet"/],
    ["backend.local.llm.base_url", "not a url", /expected a URL/],
    ["backend.cloud.insecure", "maybe", /boolean/],
  ];
  for (const [key, value, message] of cases) {
    const result = await home.run(["config", "set", key, value]);
    assertExit(result, 2, `config set ${key} ${value}`);
    assertMatch(result.stderr, /^error: invalid value for .*not changed$/m);
    assertMatch(result.stderr, message);
    assertEquals(readText(home.configPath), before, `config set ${key} ${value} changed the file`);
  }
});

cliTest("config set/get/unset: an unknown key is refused with a suggestion", async (home) => {
  const before = "backend:\n  type: local\n";
  await Deno.writeTextFile(home.configPath, before);
  const typo = await home.run(["config", "set", "backend.local.idle_timout", "1h"]);
  assertExit(typo, 2);
  assertMatch(typo.stderr, /^error: unknown setting "backend\.local\.idle_timout"$/m);
  assertMatch(typo.stderr, /^hint: did you mean: backend\.local\.idle_timeout\?$/m);
  const short = await home.run(["config", "get", "organization"]);
  assertExit(short, 2);
  assertMatch(short.stderr, /did you mean: context\.organization\?/);
  const unset = await home.run(["config", "unset", "backend.typ"]);
  assertExit(unset, 2);
  assertMatch(unset.stderr, /did you mean: backend\.type\?/);
  // Far from anything: the full list instead.
  const far = await home.run(["config", "get", "zzz"]);
  assertExit(far, 2);
  assertMatch(far.stderr, /settings are: backend\.type, /);
  // A section is not a setting.
  assertExit(await home.run(["config", "set", "backend", "x"]), 2);
  assertEquals(readText(home.configPath), before);
});

cliTest("config.yaml with broken YAML: file and line, exit 2", async (home) => {
  const before = "backend:\n  type: local\n  local: [\n";
  await Deno.writeTextFile(home.configPath, before);
  for (
    const args of [["config", "list"], ["backend", "status"], ["config", "get", "backend.type"]]
  ) {
    const result = await home.run(args);
    assertExit(result, 2, args.join(" "));
    assertEquals(result.stdout, "");
    assertMatch(result.stderr, /^error: .*config\.yaml is not valid YAML$/m);
    assert(result.stderr.includes(`${home.configPath}:`), result.stderr);
    assertMatch(result.stderr, /config\.yaml:\d+:\d+: /);
    assertMatch(result.stderr, /^hint: /m);
  }
  // Editing a broken file is refused too, and it is left as it was.
  const set = await home.run(["config", "set", "backend.type", "cloud"]);
  assertExit(set, 2);
  assertMatch(set.stderr, /not valid YAML; not changed/);
  assertEquals(readText(home.configPath), before);
});

cliTest("config.yaml with wrong types: file:line, key and what was expected", async (home) => {
  await Deno.writeTextFile(
    home.configPath,
    "backend:\n  local:\n    idle_timeout: [1]\n    endpoint: 8080\n  cloud:\n    insecure: yes-please\n",
  );
  const result = await home.run(["config", "list"]);
  assertExit(result, 2);
  assertMatch(result.stderr, /has invalid settings/);
  // Every problem is reported, each with its own line.
  assertMatch(
    result.stderr,
    new RegExp(`${home.configPath}:3:\\d+: backend\\.local\\.idle_timeout: expected a duration`),
  );
  assertMatch(result.stderr, new RegExp(`${home.configPath}:4:\\d+: backend\\.local\\.endpoint: `));
  assertMatch(result.stderr, new RegExp(`${home.configPath}:6:\\d+: backend\\.cloud\\.insecure: `));
});

cliTest("config.yaml with unknown keys: a warning each, and the command works", async (home) => {
  await Deno.writeTextFile(
    home.configPath,
    "backend:\n  type: local\n  colour: blue\ntelemetry: true\n",
  );
  const result = await home.run(["config", "get", "backend.type"]);
  assertExit(result, 0);
  assertEquals(result.stdout, "local\n");
  assertMatch(
    result.stderr,
    /^warning: .*config\.yaml:3: unknown key "backend\.colour" is ignored$/m,
  );
  assertMatch(result.stderr, /^warning: .*config\.yaml:4: unknown key "telemetry" is ignored$/m);
  const status = await home.run(["backend", "status"]);
  assertExit(status, 0);
  assertMatch(status.stderr, /unknown key "telemetry"/);
});

cliTest("config.yaml with an alias bomb: a clear error, quickly", async (home) => {
  // Ten levels of ten aliases each: 10^10 nodes if expanded naively.
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) {
    lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  }
  const before = `${lines.join("\n")}\n`;
  await Deno.writeTextFile(home.configPath, before);
  const started = Date.now();
  const results = [
    await home.run(["config", "list"]),
    await home.run(["backend", "status"]),
    await home.run(["config", "set", "backend.type", "cloud"]),
  ];
  assert(Date.now() - started < 30_000, "took too long: the aliases were expanded");
  for (const result of results) {
    assert(result.code === 1 || result.code === 2, `exit ${result.code}: ${result.stderr}`);
    assertMatch(result.stderr, /^error: .*config\.yaml/m);
    assertMatch(result.stderr, /alias/i);
  }
  assertEquals(readText(home.configPath), before);
});

cliTest("config.yaml that is not a mapping", async (home) => {
  await Deno.writeTextFile(home.configPath, "- just\n- a list\n");
  const result = await home.run(["config", "list"]);
  assertExit(result, 2);
  assertMatch(result.stderr, /config\.yaml/);
});

cliTest("an empty or comment-only config.yaml is the defaults", async (home) => {
  await Deno.writeTextFile(home.configPath, "# nothing yet\n");
  const result = await home.run(["config", "get", "backend.type"]);
  assertExit(result, 0);
  assertEquals(result.stdout, "local\n");
  assertEquals(result.stderr, "");
});

cliTest("the validated copy of config.yaml is never trusted when stale", async (home) => {
  await Deno.writeTextFile(home.configPath, "backend:\n  local:\n    idle_timeout: 5m\n");
  assertExit(await home.run(["config", "get", "backend.local.idle_timeout"]), 0);
  // Edited by hand into something invalid: the change is seen at once.
  await Deno.writeTextFile(home.configPath, "backend:\n  local:\n    idle_timeout: [1]\n");
  assertExit(await home.run(["config", "get", "backend.local.idle_timeout"]), 2);

  // A copy another stigmer version validated (say, with looser rules) is not used.
  const cache = `${home.home}/.config.yaml.json`;
  const text = readText(home.configPath)!;
  await Deno.writeTextFile(
    cache,
    JSON.stringify({ version: "0.0.0-older", text, file: { backend: {} }, warnings: [] }),
  );
  const result = await home.run(["config", "list"]);
  assertExit(result, 2);
  assertMatch(result.stderr, /backend\.local\.idle_timeout: expected a duration/);
});

cliTest(
  "config.yaml stays block style: unset of the last setting, then backend use",
  async (home) => {
    const cwd = home.home; // a folder outside the checkout, as a user runs it
    assertExit(await home.run(["config", "set", "context.organization", "acme"], { cwd }), 0);
    assertExit(await home.run(["config", "unset", "context.organization"], { cwd }), 0);
    assertEquals(readText(home.configPath), "", "no settings left: not `{}`");
    assertExit(await home.run(["backend", "use", "local"], { cwd }), 0);
    assertEquals(readText(home.configPath), "backend:\n  type: local\n");

    // A file an older version left as `{}`, with a comment: block style from the next edit on.
    await Deno.writeTextFile(home.configPath, "# mine\n{}\n");
    assertExit(await home.run(["backend", "use", "cloud"], { cwd }), 0);
    assertEquals(readText(home.configPath), "# mine\nbackend:\n  type: cloud\n");
    assertExit(await home.run(["config", "unset", "backend.type"], { cwd }), 0);
    assertEquals(readText(home.configPath), "# mine\n");
  },
);
