// Path helpers shared by project loading and code mode: show paths relative to
// the current directory, and keep every file a project names inside the project.

/** A path as users should see it: relative to `cwd` when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split(sep).join("/") : path;
}

/** True when `path` is `root` or below it (both absolute, already resolved). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Why a relative path written in a project file may not be used, or undefined when it may. */
export function unsafeRelativePath(path: string): string | undefined {
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\")) {
    return "must be relative to the project directory, not absolute";
  }
  if (path.split(/[\\/]/).includes("..")) return 'must stay inside the project directory (no "..")';
  return undefined;
}

/**
 * Resolves `path` against `base` and proves it stays inside `root`, following
 * symlinks. Returns the real path, or throws a plain-worded Error.
 */
export async function realPathInside(root: string, base: string, path: string): Promise<string> {
  const full = resolve(base, path);
  if (!isInside(root, full)) throw new Error(`${path} is outside the project directory ${root}`);
  const real = await Deno.realPath(full);
  const realRoot = await Deno.realPath(root);
  if (!isInside(realRoot, real)) {
    throw new Error(`${path} is a symlink to ${real}, outside the project directory ${root}`);
  }
  return real;
}
import { isAbsolute, relative, resolve, sep } from "../path.ts";
