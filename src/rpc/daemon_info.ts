// daemon.json and daemon.lock: the contract between the daemon and the CLIs
// that find it. The lock, not the pid, proves a daemon is alive: the kernel
// releases it when the process dies, even by SIGKILL, and a recycled pid can
// never hold it. The daemon writes daemon.json with src/daemon/write_daemon_info.ts.

export interface DaemonInfo {
  pid: number;
  port: number;
  host: string;
  version: string;
  instanceId: string;
  startedAt: string;
  /** The run viewer's port on 127.0.0.1, once `stigmer ui` started it (SPEC §12). */
  viewerPort?: number;
}

export function readDaemonInfo(path: string): DaemonInfo | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  try {
    const info = JSON.parse(text) as Partial<DaemonInfo>;
    if (
      typeof info.pid === "number" && typeof info.port === "number" &&
      typeof info.host === "string" && typeof info.instanceId === "string"
    ) {
      return {
        pid: info.pid,
        port: info.port,
        host: info.host,
        version: String(info.version ?? ""),
        instanceId: info.instanceId,
        startedAt: String(info.startedAt ?? ""),
        ...(typeof info.viewerPort === "number" ? { viewerPort: info.viewerPort } : {}),
      };
    }
  } catch { /* a torn or foreign file is treated as absent */ }
  return undefined;
}

/** Removes daemon.json only if it still describes this instance. */
export function removeDaemonInfo(path: string, instanceId?: string): void {
  if (instanceId !== undefined && readDaemonInfo(path)?.instanceId !== instanceId) return;
  try {
    Deno.removeSync(path);
  } catch { /* already gone */ }
}

/** Takes the lock without waiting; undefined when someone else holds it. */
export function tryLock(path: string): Deno.FsFile | undefined {
  const file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  try {
    if (file.tryLockSync(true)) return file;
  } catch { /* treated as held */ }
  file.close();
  return undefined;
}

/**
 * Takes the lock, retrying for a moment: a CLI's probe holds it (shared) for
 * microseconds, and a daemon starting just then must not give up.
 */
export async function acquireLock(
  path: string,
  patienceMs = 300,
): Promise<Deno.FsFile | undefined> {
  const deadline = performance.now() + patienceMs;
  while (true) {
    const lock = tryLock(path);
    if (lock || performance.now() >= deadline) return lock;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * True when a live process holds the daemon lock. The test takes a shared
 * lock: CLIs probing at the same moment never see each other as the daemon.
 */
export function isLockHeld(path: string): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    return false; // no lock file: no daemon has ever run here
  }
  try {
    if (file.tryLockSync(false)) {
      file.unlockSync();
      return false;
    }
    return true;
  } finally {
    file.close();
  }
}
