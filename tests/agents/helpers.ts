// What the agent tests share: real MCP servers from npm started as users start
// them (npx -y …), a scripted model, and a look at the processes left behind.
import { assert } from "../helpers/assert.ts";
import { waitUntil } from "../executions/helpers.ts";

export const FILESYSTEM_SERVER = "@modelcontextprotocol/server-filesystem";
export const EVERYTHING_SERVER = "@modelcontextprotocol/server-everything";

export interface ProcessRow {
  pid: number;
  pgid: number;
  args: string;
}

/** Every process on the machine (`ps`: Deno wants --allow-all to read /proc). */
export function processes(): ProcessRow[] {
  const out = new Deno.Command("ps", { args: ["-e", "-o", "pid=,pgid=,stat=,args="] })
    .outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").flatMap((line) => {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match || match[3].startsWith("Z")) return [];
    return [{ pid: Number(match[1]), pgid: Number(match[2]), args: match[4] }];
  });
}

/** The recorded process groups of the stdio MCP servers a daemon runs now. */
export function recordedGroups(dataDir: string): number[] {
  try {
    const entries = JSON.parse(Deno.readTextFileSync(`${dataDir}/mcp-processes.json`));
    return entries.map((e: { pgid: number }) => e.pgid);
  } catch {
    return [];
  }
}

/** Waits until no process is in any of these groups, or none matches the text. */
export async function assertNoneLeft(
  what: { groups?: number[]; argsInclude?: string },
  timeoutMs = 15_000,
): Promise<void> {
  const left = () =>
    processes().filter((p) =>
      (what.groups?.includes(p.pgid) ?? false) ||
      (what.argsInclude !== undefined && p.args.includes(what.argsInclude))
    );
  try {
    await waitUntil(
      "no MCP server process left",
      () => left().length === 0 || undefined,
      timeoutMs,
    );
  } catch {
    assert(false, `processes left behind:\n${left().map((p) => JSON.stringify(p)).join("\n")}`);
  }
}

/** An agent manifest. */
export function agentManifest(name: string, spec: string): string {
  return `apiVersion: agentic.stigmer.ai/v1
kind: Agent
metadata:
  name: ${name}
spec:
${spec.replace(/^\n/, "").replace(/^/gm, "  ")}
`;
}

/** An agent with the real filesystem MCP server (from npm) on `dir`: it may list and read. */
export function filesystemAgent(name: string, dir: string, extra = ""): string {
  return agentManifest(
    name,
    `
instructions: You read files for the user.
mcpServers:
  - name: files
    stdio:
      command: npx
      args: ["-y", "${FILESYSTEM_SERVER}", "${dir}"]
    enabledTools: [list_directory, read_text_file]
${extra}`,
  );
}
