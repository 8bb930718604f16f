// The shared server's store: the embedded SQLite file in a data directory
// (one server process owns it, by the same lock the local daemon takes), or
// PostgreSQL, which several server processes can share.
import { lazyImport } from "../../lazy_import.ts";
import { dataPaths } from "../../config/paths.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { tryLock } from "../../rpc/daemon_info.ts";
import { StigmerError } from "../../errors.ts";
import type { ResourceStore } from "../../store/store.ts";

export interface OpenedStore {
  store: ResourceStore;
  description: string;
  /** Whether executions left RUNNING belong to this process alone (so it may mark them INTERRUPTED). */
  exclusive: boolean;
  release(): void;
}

export async function openSharedStore(
  options: { database?: string; dataDir: string },
): Promise<OpenedStore> {
  if (options.database) {
    const { PostgresStore } = await lazyImport<typeof import("../../store/postgres_store.ts")>(
      "../../store/postgres_store.ts",
      import.meta.url,
    );
    const store = await PostgresStore.open(options.database);
    return {
      store,
      description: `PostgreSQL ${store.describe()}`,
      exclusive: false,
      release: () => {},
    };
  }
  const paths = dataPaths(options.dataDir);
  ensurePrivateDir(paths.dataDir);
  const lock = tryLock(paths.daemonLock);
  if (!lock) {
    throw new StigmerError(`another stigmer server or daemon is using ${paths.dataDir}`, {
      hint: "stop it, choose another --data-dir, or share a PostgreSQL --database",
    });
  }
  const { SqliteStore } = await lazyImport<typeof import("../../store/sqlite_store.ts")>(
    "../../store/sqlite_store.ts",
    import.meta.url,
  );
  let store: ResourceStore;
  try {
    store = SqliteStore.open(paths.database);
  } catch (err) {
    lock.close();
    throw err;
  }
  return {
    store,
    description: `SQLite ${paths.database}`,
    exclusive: true,
    release: () => {
      lock.unlockSync();
      lock.close();
    },
  };
}
