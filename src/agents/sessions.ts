// Agent sessions (SPEC §10): a named conversation per organization that
// `stigmer run AGENT -m M --session NAME` continues. Kept by the local backend
// as one JSON file per session in its data dir (0600): the messages as the AI
// SDK records them (secret values already hidden), and the runs that added to it.
import { ensurePrivateDir, readTextIfExists, writeFileAtomic } from "../secure_fs.ts";
import type { StoredSession } from "../store/store.ts";

export const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** A session: its messages, and the runs that added to them (kept as the store keeps it). */
export type Session = StoredSession;

export interface SessionInfo {
  name: string;
  agent: string;
  messages: number;
  createdAt: string;
  updatedAt: string;
}

/** Where a backend keeps sessions: the local data dir (SessionStore) or a shared server's store. */
export interface SessionKeeper {
  get(org: string, name: string): Session | undefined | Promise<Session | undefined>;
  save(org: string, session: Session): void | Promise<void>;
  list(org: string): SessionInfo[] | Promise<SessionInfo[]>;
  delete(org: string, name: string): boolean | Promise<boolean>;
}

export function sessionNameProblem(name: string): string | undefined {
  return SESSION_NAME.test(name)
    ? undefined
    : `invalid session name "${name}": use letters, digits, -, _ and . (at most 100), starting with a letter or digit`;
}

export class SessionStore {
  constructor(readonly dataDir: string) {}

  #dir(org: string): string {
    return `${this.dataDir}/sessions/${encodeURIComponent(org)}`;
  }

  #file(org: string, name: string): string {
    return `${this.#dir(org)}/${name}.json`;
  }

  get(org: string, name: string): Session | undefined {
    const text = readTextIfExists(this.#file(org, name));
    return text ? JSON.parse(text) as Session : undefined;
  }

  save(org: string, session: Session): void {
    ensurePrivateDir(this.#dir(org));
    writeFileAtomic(this.#file(org, session.name), JSON.stringify(session));
  }

  list(org: string): SessionInfo[] {
    const infos: SessionInfo[] = [];
    try {
      for (const entry of Deno.readDirSync(this.#dir(org))) {
        if (!entry.isFile || !entry.name.endsWith(".json")) continue;
        const session = this.get(org, entry.name.slice(0, -".json".length));
        if (!session) continue;
        infos.push({
          name: session.name,
          agent: session.agent,
          messages: session.messages.length,
          createdAt: session.createdAt,
          updatedAt: session.updatedAt,
        });
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return infos.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  delete(org: string, name: string): boolean {
    try {
      Deno.removeSync(this.#file(org, name));
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  }
}
