// The process groups of the stdio MCP servers this backend started, kept in a
// file in the data dir, so that after a SIGKILL the next start stops what the
// dead process left behind — and only groups that are still ours (a pid may be
// reused: the group's processes must have started when ours did, or after).
import { writeFileAtomic } from "../secure_fs.ts";

interface Entry {
  pgid: number;
  startedAt: number; // epoch ms
  command: string;
}

/** Clock and `ps` agree to about a second; allow for that. */
const START_SLACK_MS = 2500;

export class McpProcessRecord {
  #chain: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  #read(): Entry[] {
    try {
      const entries = JSON.parse(Deno.readTextFileSync(this.file));
      return Array.isArray(entries) ? entries : [];
    } catch {
      return [];
    }
  }

  #update(change: (entries: Entry[]) => Entry[]): Promise<void> {
    const next = this.#chain.then(() => {
      writeFileAtomic(this.file, JSON.stringify(change(this.#read())));
    });
    this.#chain = next.catch(() => {});
    return next;
  }

  added(pgid: number, command: string): Promise<void> {
    return this.#update((entries) => [...entries, { pgid, startedAt: Date.now(), command }]);
  }

  removed(pgid: number): Promise<void> {
    return this.#update((entries) => entries.filter((e) => e.pgid !== pgid));
  }

  /** Stops the groups a previous process left; returns how many it stopped. */
  async stopLeftovers(): Promise<number> {
    const entries = this.#read();
    if (entries.length === 0) return 0;
    const processes = await listProcesses();
    let stopped = 0;
    for (const entry of entries) {
      const members = processes.filter((p) => p.pgid === entry.pgid);
      const leader = members.find((p) => p.pid === entry.pgid);
      const ours = leader
        ? Math.abs(leader.startedAt - entry.startedAt) <= START_SLACK_MS
        : members.length > 0 &&
          members.every((p) => p.startedAt >= entry.startedAt - START_SLACK_MS);
      if (!ours) continue;
      try {
        Deno.kill(-entry.pgid, "SIGKILL");
        stopped++;
      } catch { /* gone meanwhile */ }
    }
    await this.#update(() => []);
    return stopped;
  }
}

interface ProcessRow {
  pid: number;
  pgid: number;
  startedAt: number;
}

async function listProcesses(): Promise<ProcessRow[]> {
  const output = await new Deno.Command("ps", {
    args: ["-e", "-o", "pid=,pgid=,etimes="],
    stdout: "piped",
    stderr: "null",
  }).output();
  const now = Date.now();
  return new TextDecoder().decode(output.stdout).split("\n").flatMap((line) => {
    const [pid, pgid, elapsed] = line.trim().split(/\s+/).map(Number);
    return Number.isFinite(pid) && Number.isFinite(elapsed) && pid > 0
      ? [{ pid, pgid, startedAt: now - elapsed * 1000 }]
      : [];
  });
}
