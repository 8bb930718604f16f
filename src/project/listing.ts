// A directory's entries as the glob walk sees them: names, kinds, and where
// each symlink leads. The project cache compares these listings instead of
// walking the globs again, so the warm `apply` loads no glob matcher (an npm
// package: ~5 ms of Deno's npm resolution on every run).
import { join } from "../path.ts";

export interface ListedEntry {
  entry: Deno.DirEntry;
  /** For a symlink: its real target, and what it is (absent when it dangles). */
  target?: { path: string; info: Deno.FileInfo };
}

/** The entries of `dir`, sorted by name, each symlink resolved. */
export function readEntries(dir: string): ListedEntry[] {
  const entries = [...Deno.readDirSync(dir)].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  );
  return entries.map((entry) => {
    if (!entry.isSymlink) return { entry };
    try {
      const path = Deno.realPathSync(join(dir, entry.name));
      return { entry, target: { path, info: Deno.statSync(path) } };
    } catch {
      return { entry }; // a dangling symlink
    }
  });
}

/** One line per entry: everything a glob walk of the directory decides by. */
export function describeEntries(entries: ListedEntry[]): string {
  return entries.map(({ entry, target }) =>
    entry.isSymlink
      ? `${entry.name} -> ${target ? `${target.path}${target.info.isDirectory ? "/" : ""}` : ""}`
      : `${entry.name}${entry.isDirectory ? "/" : entry.isFile ? "" : "?"}`
  ).join("\n");
}

/** The listing of `dir` now; throws when it cannot be read. */
export function directoryListing(dir: string): string {
  return describeEntries(readEntries(dir));
}
