// Backend mode and organization (SPEC §4): the pure resolver over every source
// and precedence, then the commands that show and change them.
import {
  type BackendInputs,
  describeBackend,
  LOCAL_ORG,
  ORG_NOT_SET_MESSAGE,
  resolveBackend,
} from "../../src/config/backend_mode.ts";
import { EXIT_USAGE, UsageError } from "../../src/errors.ts";
import { assert, assertEquals, assertMatch } from "../helpers/assert.ts";
import { assertExit, cliTest, readText } from "./helpers.ts";

const LOCAL_ENDPOINT = "127.0.0.1:50051";
const CLOUD_ENDPOINT = "https://api.stigmer.ai:443";

// The SPEC's words, spelled out here so a change to the constant is caught.
const SPEC_ORG_MESSAGE = "organization not set for cloud mode. Specify --org, set organization " +
  "in Stigmer.yaml, or run: stigmer context set --org <org>";

const ALL_ORGS = {
  flagOrg: "flag-org",
  envOrg: "env-org",
  projectOrg: "project-org",
  contextOrg: "context-org",
  cloudOrgId: "config-org",
};

function inputs(overrides: Partial<BackendInputs>): BackendInputs {
  return {
    backendType: "local",
    localEndpoint: LOCAL_ENDPOINT,
    cloudEndpoint: CLOUD_ENDPOINT,
    ...overrides,
  };
}

interface Row {
  name: string;
  in: Partial<BackendInputs>;
  want?: { type: "local" | "cloud"; org: string; orgSource?: string; endpoint?: string };
  /** Every fragment must appear in the error message. */
  error?: string[];
}

const TABLE: Row[] = [
  // Local mode: the organization is always "local"; nothing is consulted.
  { name: "local, no org anywhere", in: {}, want: { type: "local", org: LOCAL_ORG } },
  {
    name: "local ignores every org source",
    in: ALL_ORGS,
    want: { type: "local", org: LOCAL_ORG, endpoint: LOCAL_ENDPOINT },
  },
  {
    name: "local ignores STIGMER_ORG, Stigmer.yaml and config",
    in: { envOrg: "e", projectOrg: "p", contextOrg: "c", cloudOrgId: "o" },
    want: { type: "local", org: LOCAL_ORG },
  },
  // Cloud mode: each source alone.
  {
    name: "cloud: --org",
    in: { backendType: "cloud", flagOrg: "acme" },
    want: { type: "cloud", org: "acme", orgSource: "--org", endpoint: CLOUD_ENDPOINT },
  },
  {
    name: "cloud: STIGMER_ORG",
    in: { backendType: "cloud", envOrg: "acme" },
    want: { type: "cloud", org: "acme", orgSource: "STIGMER_ORG" },
  },
  {
    name: "cloud: Stigmer.yaml organization",
    in: { backendType: "cloud", projectOrg: "acme" },
    want: { type: "cloud", org: "acme", orgSource: "Stigmer.yaml" },
  },
  {
    name: "cloud: context.organization",
    in: { backendType: "cloud", contextOrg: "acme" },
    want: { type: "cloud", org: "acme", orgSource: "context.organization" },
  },
  {
    name: "cloud: backend.cloud.org_id",
    in: { backendType: "cloud", cloudOrgId: "acme" },
    want: { type: "cloud", org: "acme", orgSource: "backend.cloud.org_id" },
  },
  // Cloud mode: precedence, each source over all the ones below it.
  {
    name: "cloud: --org wins over everything",
    in: { backendType: "cloud", ...ALL_ORGS },
    want: { type: "cloud", org: "flag-org", orgSource: "--org" },
  },
  {
    name: "cloud: STIGMER_ORG over Stigmer.yaml and config",
    in: { backendType: "cloud", ...ALL_ORGS, flagOrg: undefined },
    want: { type: "cloud", org: "env-org", orgSource: "STIGMER_ORG" },
  },
  {
    name: "cloud: Stigmer.yaml over context.organization and org_id",
    in: { backendType: "cloud", projectOrg: "p", contextOrg: "c", cloudOrgId: "o" },
    want: { type: "cloud", org: "p", orgSource: "Stigmer.yaml" },
  },
  {
    name: "cloud: context.organization over backend.cloud.org_id",
    in: { backendType: "cloud", contextOrg: "c", cloudOrgId: "o" },
    want: { type: "cloud", org: "c", orgSource: "context.organization" },
  },
  // Blank values are "not set" and fall through; values are trimmed.
  {
    name: "cloud: empty and blank sources fall through",
    in: { backendType: "cloud", flagOrg: "", envOrg: "  ", projectOrg: "", contextOrg: "c" },
    want: { type: "cloud", org: "c", orgSource: "context.organization" },
  },
  {
    name: "cloud: surrounding spaces are trimmed",
    in: { backendType: "cloud", flagOrg: "  acme  " },
    want: { type: "cloud", org: "acme", orgSource: "--org" },
  },
  // Cloud mode with no organization: exactly the SPEC's message.
  { name: "cloud: no org at all", in: { backendType: "cloud" }, error: [SPEC_ORG_MESSAGE] },
  {
    name: "cloud: only blank orgs",
    in: { backendType: "cloud", flagOrg: " ", envOrg: "", contextOrg: "", cloudOrgId: "" },
    error: [SPEC_ORG_MESSAGE],
  },
  // An unknown backend type names the value, where it came from and the choices.
  {
    name: "unknown type from config",
    in: { backendType: "mars", backendTypeSource: "/h/config.yaml", ...ALL_ORGS },
    error: ['"mars"', "/h/config.yaml", "local, cloud"],
  },
  {
    name: "unknown type from STIGMER_BACKEND",
    in: { backendType: "Cloud", backendTypeSource: "STIGMER_BACKEND" },
    error: ['"Cloud"', "STIGMER_BACKEND", "local, cloud"],
  },
  { name: "empty type", in: { backendType: "" }, error: ['""', "local, cloud"] },
];

for (const row of TABLE) {
  Deno.test(`resolveBackend: ${row.name}`, () => {
    let result: ReturnType<typeof resolveBackend> | undefined;
    let error: unknown;
    try {
      result = resolveBackend(inputs(row.in));
    } catch (err) {
      error = err;
    }
    if (row.error) {
      assert(error instanceof UsageError, `expected a UsageError, got ${String(error ?? result)}`);
      assertEquals(error.exitCode, EXIT_USAGE);
      for (const fragment of row.error) {
        assert(error.message.includes(fragment), `"${fragment}" not in: ${error.message}`);
      }
      if (row.error[0] === SPEC_ORG_MESSAGE) assertEquals(error.message, SPEC_ORG_MESSAGE);
      return;
    }
    if (error) throw error;
    const want = row.want!;
    assertEquals(result!.type, want.type);
    assertEquals(result!.org, want.org);
    if (want.endpoint) assertEquals(result!.endpoint, want.endpoint);
    if (result!.type === "cloud") assertEquals(result!.orgSource, want.orgSource);
  });
}

Deno.test("resolveBackend: the SPEC message is the exported constant", () => {
  assertEquals(ORG_NOT_SET_MESSAGE, SPEC_ORG_MESSAGE);
});

Deno.test("resolveBackend: local notes an --org it ignores, and only that one", () => {
  const flag = resolveBackend(inputs({ flagOrg: "acme" }));
  assert(flag.type === "local");
  assertEquals(flag.ignoredOrg, "acme");
  const env = resolveBackend(inputs({ envOrg: "acme", contextOrg: "c" }));
  assert(env.type === "local");
  assertEquals(env.ignoredOrg, undefined);
});

Deno.test("describeBackend: the seed's wording", () => {
  assertEquals(
    describeBackend(resolveBackend(inputs({}))),
    "Using local backend (organization: local)",
  );
  assertEquals(
    describeBackend(resolveBackend(inputs({ backendType: "cloud", flagOrg: "acme" }))),
    `Using cloud backend ${CLOUD_ENDPOINT} (organization: acme)`,
  );
});

// ---- the commands ----------------------------------------------------------

interface Status {
  mode: string;
  endpoint: string;
  organization: string;
  loggedIn?: boolean;
}

cliTest("backend status: defaults are local, organization local", async (home) => {
  const text = await home.run(["backend", "status"]);
  assertExit(text, 0);
  assertMatch(text.stdout, /^Mode: +local$/m);
  assertMatch(text.stdout, /^Endpoint: +127\.0\.0\.1:50051$/m);
  assertMatch(text.stdout, /^Organization: +local$/m);
  assertMatch(
    text.stdout,
    /^Local daemon: +not running \(the next command that needs it starts it\)$/m,
  );
  assertEquals(text.stderr, "");
  const json = await home.run(["backend", "status", "--json"]);
  assertExit(json, 0);
  const status = JSON.parse(json.stdout) as Status & { dataDir: string };
  assertEquals(status.mode, "local");
  assertEquals(status.organization, "local");
  assertEquals(status.dataDir, `${home.home}/data`);
  // Nothing was written: status only reads.
  assertEquals(readText(home.configPath), undefined);
});

cliTest("backend status: local mode ignores STIGMER_ORG and context.organization", async (home) => {
  await Deno.writeTextFile(home.configPath, "context:\n  organization: ctx\n");
  const result = await home.run(["backend", "status", "--json"], { env: { STIGMER_ORG: "acme" } });
  assertExit(result, 0);
  const status = JSON.parse(result.stdout) as Status;
  assertEquals([status.mode, status.organization], ["local", "local"]);
});

cliTest("backend status: STIGMER_BACKEND=cloud, organization by precedence", async (home) => {
  const cloud = { STIGMER_BACKEND: "cloud" };
  const status = async (env: Record<string, string>) => {
    const result = await home.run(["backend", "status", "--json"], { env });
    assertExit(result, 0);
    return JSON.parse(result.stdout) as Status;
  };
  // No organization anywhere: shown as not set, and not logged in.
  const none = await status(cloud);
  assertEquals([none.mode, none.organization, none.loggedIn], ["cloud", "", false]);
  assertEquals(none.endpoint, "https://api.stigmer.ai:443");
  const plain = await home.run(["backend", "status"], { env: cloud });
  assertMatch(plain.stdout, /^Organization: +\(not set: .*stigmer context set --org <org>\)$/m);
  assertMatch(plain.stdout, /^Logged in: +no \(run: stigmer login\)$/m);

  await Deno.writeTextFile(home.configPath, "backend:\n  cloud:\n    org_id: from-org-id\n");
  assertEquals((await status(cloud)).organization, "from-org-id");
  await Deno.writeTextFile(
    home.configPath,
    "backend:\n  cloud:\n    org_id: from-org-id\ncontext:\n  organization: from-context\n",
  );
  assertEquals((await status(cloud)).organization, "from-context");
  assertEquals((await status({ ...cloud, STIGMER_ORG: "from-env" })).organization, "from-env");
});

cliTest(
  "backend status: config.yaml backend.type cloud, overridden by STIGMER_BACKEND",
  async (home) => {
    await Deno.writeTextFile(home.configPath, "backend:\n  type: cloud\n");
    const cloud = await home.run(["backend", "status", "--json"], { env: { STIGMER_ORG: "acme" } });
    assertExit(cloud, 0);
    assertEquals((JSON.parse(cloud.stdout) as Status).organization, "acme");
    const local = await home.run(["backend", "status", "--json"], {
      env: { STIGMER_BACKEND: "local", STIGMER_ORG: "acme" },
    });
    assertExit(local, 0);
    const status = JSON.parse(local.stdout) as Status;
    assertEquals([status.mode, status.organization], ["local", "local"]);
  },
);

cliTest(
  "backend status: an unknown STIGMER_BACKEND names the value and the choices",
  async (home) => {
    const result = await home.run(["backend", "status"], { env: { STIGMER_BACKEND: "mars" } });
    assertExit(result, 2);
    assertEquals(result.stdout, "");
    assertMatch(result.stderr, /^error: unknown backend type "mars" \(from STIGMER_BACKEND\)/m);
    assertMatch(result.stderr, /expected one of local, cloud/);
    assertMatch(result.stderr, /^hint: /m);
  },
);

cliTest(
  "backend status: an unknown backend.type in config.yaml: file, line, value",
  async (home) => {
    await Deno.writeTextFile(home.configPath, "# mine\nbackend:\n  type: mars\n");
    const result = await home.run(["backend", "status"]);
    assertExit(result, 2);
    assertEquals(result.stdout, "");
    assert(result.stderr.includes(`${home.configPath}:3:`), result.stderr);
    assertMatch(
      result.stderr,
      /backend\.type: unknown backend type "mars": expected one of local, cloud/,
    );
  },
);

cliTest("backend use: switches the mode in config.yaml, keeps the rest", async (home) => {
  await Deno.writeTextFile(
    home.configPath,
    "# my settings\ncontext:\n  organization: acme # ours\n",
  );
  const cloud = await home.run(["backend", "use", "cloud"]);
  assertExit(cloud, 0);
  assertMatch(cloud.stderr, /Now using the cloud backend/);
  assertMatch(cloud.stderr, /^warning: not logged in: run stigmer login$/m);
  const text = readText(home.configPath)!;
  assertMatch(text, /^# my settings$/m);
  assertMatch(text, /organization: acme # ours/);
  assertMatch(text, /^ {2}type: cloud$/m);
  const status = await home.run(["backend", "status", "--json"]);
  assertEquals((JSON.parse(status.stdout) as Status).mode, "cloud");
  assertEquals((JSON.parse(status.stdout) as Status).organization, "acme");

  const local = await home.run(["backend", "use", "local"]);
  assertExit(local, 0);
  assertMatch(readText(home.configPath)!, /^ {2}type: local$/m);
  const back = await home.run(["backend", "status", "--json"]);
  assertEquals((JSON.parse(back.stdout) as Status).organization, "local");
  assertEquals(Deno.statSync(home.configPath).mode! & 0o777, 0o600);
});

cliTest("backend use: warns when STIGMER_BACKEND overrides the choice", async (home) => {
  const result = await home.run(["backend", "use", "local"], { env: { STIGMER_BACKEND: "cloud" } });
  assertExit(result, 0);
  assertMatch(result.stderr, /^warning: STIGMER_BACKEND=cloud is set and overrides this$/m);
});

cliTest("backend use: an unknown type is refused and nothing is written", async (home) => {
  const before = "backend:\n  type: local # keep\n";
  await Deno.writeTextFile(home.configPath, before);
  const result = await home.run(["backend", "use", "bogus"]);
  assertExit(result, 2);
  assertMatch(result.stderr, /unknown backend type "bogus".*expected one of local, cloud/);
  assertEquals(readText(home.configPath), before);
  const missing = await home.run(["backend", "use"]);
  assertExit(missing, 2);
  assertMatch(missing.stderr, /^error: expected argument for type$/m);
  assertMatch(missing.stderr, /^ {2}stigmer backend use <type>$/m);
});

cliTest("context set --org, then context show, with STIGMER_ORG over it", async (home) => {
  const set = await home.run(["context", "set", "--org", "acme"]);
  assertExit(set, 0);
  assertMatch(set.stderr, /Organization for cloud mode: acme/);
  assertMatch(readText(home.configPath)!, /^context:\n {2}organization: acme$/m);

  const show = await home.run(["context", "show"]);
  assertExit(show, 0);
  assertMatch(show.stdout, /^Backend: +local$/m);
  assertMatch(show.stdout, /^Local organization: +local \(always\)$/m);
  assertMatch(show.stdout, /^Cloud organization: +acme \(context\.organization\)$/m);

  const env = await home.run(["context", "show"], {
    env: { STIGMER_ORG: "envorg", STIGMER_BACKEND: "cloud" },
  });
  assertMatch(env.stdout, /^Backend: +cloud$/m);
  assertMatch(env.stdout, /^Cloud organization: +envorg \(STIGMER_ORG\)$/m);

  // The organization is used by cloud mode, not by local mode.
  const local = await home.run(["backend", "status", "--json"]);
  assertEquals((JSON.parse(local.stdout) as Status).organization, "local");
  const cloud = await home.run(["backend", "status", "--json"], {
    env: { STIGMER_BACKEND: "cloud" },
  });
  assertEquals((JSON.parse(cloud.stdout) as Status).organization, "acme");
});

cliTest("context show: unknown keys warn, an unknown STIGMER_BACKEND fails", async (home) => {
  await Deno.writeTextFile(home.configPath, "context:\n  organisation: acme\n");
  const typo = await home.run(["context", "show"]);
  assertExit(typo, 0);
  assertMatch(typo.stderr, /unknown key "context\.organisation" is ignored/);
  const bad = await home.run(["context", "show"], { env: { STIGMER_BACKEND: "mars" } });
  assertExit(bad, 2);
  assertMatch(bad.stderr, /unknown backend type "mars" \(from STIGMER_BACKEND\)/);
});

cliTest("context show: org_id as the fallback, and not set", async (home) => {
  const none = await home.run(["context", "show"]);
  assertExit(none, 0);
  assertMatch(none.stdout, /^Cloud organization: +\(not set\)$/m);
  await Deno.writeTextFile(home.configPath, "backend:\n  cloud:\n    org_id: legacy\n");
  const orgId = await home.run(["context", "show"]);
  assertMatch(orgId.stdout, /^Cloud organization: +legacy \(backend\.cloud\.org_id\)$/m);
});

cliTest("context set: a bad organization or a missing --org is a usage error", async (home) => {
  const bad = await home.run(["context", "set", "--org", "no spaces!"]);
  assertExit(bad, 2);
  assertMatch(bad.stderr, /^error: invalid organization "no spaces!"/m);
  const missing = await home.run(["context", "set"]);
  assertExit(missing, 2);
  assertMatch(missing.stderr, /^error: expected input for flag --org$/m);
  assertEquals(readText(home.configPath), undefined);
});

cliTest(
  "commands print which backend they use; cloud without an org fails as the SPEC says",
  async (home) => {
    // Auto-start is off, so the local command stops at the stopped daemon (exit 3).
    const local = await home.run(["get", "agents", "--org", "acme", "--no-auto-start"]);
    assertExit(local, 3);
    assertMatch(local.stderr, /^Using local backend \(organization: local\)$/m);
    assertMatch(local.stderr, /^warning: --org acme is ignored in local mode$/m);

    const noOrg = await home.run(["get", "agents"], { env: { STIGMER_BACKEND: "cloud" } });
    assertExit(noOrg, 2);
    assertEquals(noOrg.stderr.trim(), `error: ${SPEC_ORG_MESSAGE}`);

    // With an org, it gets as far as the missing login (no network needed).
    const org = await home.run(["get", "agents"], {
      env: { STIGMER_BACKEND: "cloud", STIGMER_ORG: "acme" },
    });
    assertExit(org, 1);
    assertMatch(
      org.stderr,
      /^Using cloud backend https:\/\/api\.stigmer\.ai:443 \(organization: acme\)$/m,
    );
    assertMatch(org.stderr, /^error: not logged in/m);
  },
);
