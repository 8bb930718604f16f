// `stigmer sessions list|get|delete` (SPEC §10): the agent conversations the
// backend keeps: in local mode read from its data dir, in cloud mode through
// the shared server's SessionService.
import { connectBackend, resolveSelection } from "../backend.ts";
import { withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { SessionServiceDefinition } from "../../rpc/gen/stigmer/v1/session.ts";
import { Status } from "../../rpc/status.ts";
import { RemoteError, StigmerError, UsageError } from "../../errors.ts";
import { sessionNameProblem, SessionStore } from "../../agents/sessions.ts";
import { age } from "../resource_table.ts";
import { formatTable, printJson, success, writeOut } from "../output.ts";
import { transcriptLines } from "../transcript.ts";

type Session = NonNullable<ReturnType<SessionStore["get"]>>;
type SessionInfo = ReturnType<SessionStore["list"]>[number];

/** The sessions of the selected backend: the local data dir, or the cloud's SessionService. */
interface Sessions {
  list(): Promise<SessionInfo[]>;
  get(name: string): Promise<Session | undefined>;
  delete(name: string): Promise<boolean>;
  close(): void;
}

const orNotFound = async <T>(f: () => Promise<T>, missing: T): Promise<T> => {
  try {
    return await f();
  } catch (err) {
    if (err instanceof RemoteError && err.code === Status.NOT_FOUND) return missing;
    throw err;
  }
};

async function openSessions(): Promise<Sessions> {
  const { config, selection } = await resolveSelection({});
  if (selection.type === "local") {
    const sessions = new SessionStore(config.local.dataDir);
    const org = selection.org;
    return {
      list: () => Promise.resolve(sessions.list(org)),
      get: (name) => Promise.resolve(sessions.get(org, name)),
      delete: (name) => Promise.resolve(sessions.delete(org, name)),
      close: () => {},
    };
  }
  const backend = await connectBackend({ quiet: true });
  const org = backend.selection.org;
  const client = makeClient(backend.channel, SessionServiceDefinition);
  const call = <T>(f: () => Promise<T>) => withBackend(backend.selection, f);
  return {
    list: async () => (await call(() => client.listSessions({ org }))).sessions,
    get: (name) =>
      orNotFound(
        async () =>
          JSON.parse((await call(() => client.getSession({ org, name }))).sessionJson) as Session,
        undefined,
      ),
    delete: (name) =>
      orNotFound(async () => (await call(() => client.deleteSession({ org, name })), true), false),
    close: () => backend.channel.close(),
  };
}

async function withSessions<T>(f: (sessions: Sessions) => Promise<T>): Promise<T> {
  const sessions = await openSessions();
  try {
    return await f(sessions);
  } finally {
    sessions.close();
  }
}

function checkName(name: string): void {
  const problem = sessionNameProblem(name);
  if (problem) throw new UsageError(problem);
}

export async function sessionsList(opts: { json?: boolean } = {}): Promise<void> {
  const list = await withSessions((s) => s.list());
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
  const session = await withSessions((s) => s.get(opts.name));
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
  if (!await withSessions((s) => s.delete(opts.name))) {
    throw new StigmerError(`session ${opts.name} not found`, {
      hint: "see the names with: stigmer sessions list",
    });
  }
  success(`session ${opts.name} deleted`);
}
