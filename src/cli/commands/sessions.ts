// `stigmer sessions list|get|delete` (SPEC §10): the agent conversations the
// local backend keeps, read from its data dir.
import { resolveSelection } from "../backend.ts";
import { StigmerError, UsageError } from "../../errors.ts";
import { sessionNameProblem, SessionStore } from "../../agents/sessions.ts";
import { age } from "../resource_table.ts";
import { formatTable, printJson, success, writeOut } from "../output.ts";
import { transcriptLines } from "../transcript.ts";

async function localSessions(): Promise<{ sessions: SessionStore; org: string }> {
  const { config, selection } = await resolveSelection({});
  if (selection.type !== "local") {
    throw new StigmerError("sessions are kept by the local backend only in this version", {
      hint: "switch to it with: stigmer backend use local",
    });
  }
  return { sessions: new SessionStore(config.local.dataDir), org: selection.org };
}

function checkName(name: string): void {
  const problem = sessionNameProblem(name);
  if (problem) throw new UsageError(problem);
}

export async function sessionsList(opts: { json?: boolean } = {}): Promise<void> {
  const { sessions, org } = await localSessions();
  const list = sessions.list(org);
  if (opts.json) return printJson(list);
  if (list.length === 0) {
    writeOut("No sessions. Start one with: stigmer run AGENT -m MESSAGE --session NAME");
    return;
  }
  writeOut(
    await formatTable(
      ["NAME", "AGENT", "MESSAGES", "UPDATED"],
      list.map((s) => [s.name, s.agent, String(s.messages), age(s.updatedAt)]),
    ),
  );
}

export async function sessionsGet(opts: { name: string; json?: boolean }): Promise<void> {
  checkName(opts.name);
  const { sessions, org } = await localSessions();
  const session = sessions.get(org, opts.name);
  if (!session) {
    throw new StigmerError(`session ${opts.name} not found`, {
      hint: "see the names with: stigmer sessions list",
    });
  }
  if (opts.json) return printJson(session);
  writeOut(
    `Session ${session.name} with agent ${session.agent} (${session.executions.length} runs)`,
  );
  for (const line of transcriptLines(session.messages)) writeOut(line);
}

export async function sessionsDelete(opts: { name: string }): Promise<void> {
  checkName(opts.name);
  const { sessions, org } = await localSessions();
  if (!sessions.delete(org, opts.name)) {
    throw new StigmerError(`session ${opts.name} not found`, {
      hint: "see the names with: stigmer sessions list",
    });
  }
  success(`session ${opts.name} deleted`);
}
