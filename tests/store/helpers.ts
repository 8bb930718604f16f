// Shared set-up for the store tests: a fresh temp dir per test, a real file.
import type { Kind, ResourceInput } from "../../src/model/resource.ts";
import { SqliteStore } from "../../src/store/sqlite_store.ts";

export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stigmer-store-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export function withStore(fn: (store: SqliteStore, dir: string) => Promise<void>): Promise<void> {
  return withTempDir(async (dir) => {
    const store = SqliteStore.open(`${dir}/stigmer.db`);
    try {
      await fn(store, dir);
    } finally {
      await store.close();
    }
  });
}

export function input(
  kind: Kind,
  name: string,
  extra: Partial<Omit<ResourceInput, "kind" | "name">> = {},
): ResourceInput {
  return { kind, name, labels: {}, annotations: {}, spec: {}, project: "", ...extra };
}

/** The deno.json of the repository, for subprocesses that import through its map. */
export const CONFIG_PATH = new URL("../../deno.json", import.meta.url).pathname;
export const APPLY_LOOP_PATH = new URL("./apply_loop.ts", import.meta.url).pathname;

/** Runs the apply loop script in its own process, allowed to touch only dir. */
export function spawnApplyLoop(dir: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      `--config=${CONFIG_PATH}`,
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      APPLY_LOOP_PATH,
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
