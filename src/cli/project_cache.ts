// Applying an unchanged project again should cost little more than `get`: the
// loaded and checked project is kept in STIGMER_HOME/cache, keyed by the text
// of every file it was read from (Stigmer.yaml, manifests, skill files) and
// the listing of every directory its resource globs walked. A changed file, or
// an entry appearing, vanishing or changing kind in one of those directories,
// is a miss: the globs would match the same files only if neither happened.
// Projects with a program (`main`) are never cached: its output depends on
// more than its own text.
import { join, resolve } from "../path.ts";
import { directoryListing } from "../project/listing.ts";
import { findProjectFile, PROJECT_FILE } from "../project/find_project.ts";
import type { LoadedProject } from "../project/project.ts";
import { readEnvironment } from "../config/environment.ts";
import { ensurePrivateDir, writeFileAtomic } from "../secure_fs.ts";
import { VERSION } from "../version.ts";

export interface CheckedProject {
  project: LoadedProject;
  /** What the local check said (references left for the backend). */
  notes: string[];
}

interface Entry extends CheckedProject {
  version: string;
  cwd: string;
  /** Every file read, absolute path → text. */
  files: Record<string, string>;
  /** Every directory the resource globs walked → its listing. */
  listings: Record<string, string>;
}

async function entryPath(projectFile: string): Promise<string> {
  const key = new TextEncoder().encode(`${VERSION}\0${Deno.cwd()}\0${projectFile}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", key));
  const name = Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${readEnvironment().home}/cache/projects/${name}.json`;
}

async function projectFileFor(dir: string | undefined): Promise<string | undefined> {
  return dir === undefined
    ? await findProjectFile(Deno.cwd())
    : join(resolve(Deno.cwd(), dir), PROJECT_FILE);
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** The checked project, if nothing it was read from has changed. */
export async function readCachedProject(
  dir: string | undefined,
): Promise<CheckedProject | undefined> {
  const projectFile = await projectFileFor(dir);
  if (!projectFile) return undefined;
  let entry: Entry;
  try {
    entry = JSON.parse(Deno.readTextFileSync(await entryPath(projectFile)));
  } catch {
    return undefined;
  }
  if (entry.version !== VERSION || entry.cwd !== Deno.cwd()) return undefined;
  for (const [path, text] of Object.entries(entry.files)) {
    if (readText(path) !== text) return undefined;
  }
  if (typeof entry.listings !== "object" || entry.listings === null) return undefined;
  for (const [dir, listing] of Object.entries(entry.listings)) {
    try {
      if (directoryListing(dir) !== listing) return undefined;
    } catch {
      return undefined; // gone or unreadable: load the project for the real error
    }
  }
  return { project: entry.project, notes: entry.notes };
}

/** Remembers a project that loaded and checked cleanly. */
export async function writeCachedProject(
  checked: CheckedProject,
  files: Record<string, string>,
  listings: Record<string, string>,
): Promise<void> {
  const { project } = checked;
  if (!project.projectFile || project.main !== undefined || !project.resourcePatterns) return;
  const path = await entryPath(project.projectFile);
  const entry: Entry = { ...checked, version: VERSION, cwd: Deno.cwd(), files, listings };
  try {
    ensurePrivateDir(path.slice(0, path.lastIndexOf("/")));
    writeFileAtomic(path, JSON.stringify(entry));
  } catch { /* a read-only home still works, only slower */ }
}
