// Applying an unchanged project again should cost little more than `get`: the
// loaded and checked project is kept in STIGMER_HOME/cache, keyed by the text
// of every file it was read from (Stigmer.yaml, manifests, skill files). A
// changed file, or a file appearing or vanishing under the resource globs, is
// a miss. Projects with a program (`main`) are never cached: its output
// depends on more than its own text.
import { join, resolve } from "../path.ts";
import { expandGlob, type GlobResult } from "../project/glob.ts";
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
  const matched = new Set<string>();
  for (const pattern of entry.project.resourcePatterns ?? []) {
    let found: GlobResult;
    try {
      found = expandGlob(entry.project.dir, pattern);
    } catch {
      return undefined; // the directory is gone or unreadable: load it for the real error
    }
    const { files, escapes } = found;
    if (escapes.length > 0) return undefined;
    for (const file of files) matched.add(file);
  }
  const same = matched.size === entry.project.files.length &&
    entry.project.files.every((f) => matched.has(f));
  return same ? { project: entry.project, notes: entry.notes } : undefined;
}

/** Remembers a project that loaded and checked cleanly. */
export async function writeCachedProject(
  checked: CheckedProject,
  files: Record<string, string>,
): Promise<void> {
  const { project } = checked;
  if (!project.projectFile || project.main !== undefined || !project.resourcePatterns) return;
  const path = await entryPath(project.projectFile);
  const entry: Entry = { ...checked, version: VERSION, cwd: Deno.cwd(), files };
  try {
    ensurePrivateDir(path.slice(0, path.lastIndexOf("/")));
    writeFileAtomic(path, JSON.stringify(entry));
  } catch { /* a read-only home still works, only slower */ }
}
