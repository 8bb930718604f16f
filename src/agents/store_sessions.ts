// Agent sessions of a shared server (SPEC §10): kept in its store (SQLite or
// PostgreSQL), so every server on one database continues the same conversation.
import type { ResourceStore } from "../store/store.ts";
import type { Session, SessionInfo, SessionKeeper } from "./sessions.ts";

export class StoreSessions implements SessionKeeper {
  constructor(private readonly store: ResourceStore) {}

  get(org: string, name: string): Promise<Session | undefined> {
    return this.store.getSession(org, name);
  }

  save(org: string, session: Session): Promise<void> {
    return this.store.putSession(org, session.name, session);
  }

  async list(org: string): Promise<SessionInfo[]> {
    return (await this.store.listSessions(org)).map((s) => ({
      name: s.name,
      agent: s.agent,
      messages: s.messages.length,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    }));
  }

  delete(org: string, name: string): Promise<boolean> {
    return this.store.deleteSession(org, name);
  }
}
