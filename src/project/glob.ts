// A small glob matcher for Stigmer.yaml `resources`: `**`, `*`, `?` and
// `{a,b}`. Like shells, wildcards do not match names starting with a dot.
import { join, resolve } from "node:path";
import { isInside } from "./paths.ts";

export function hasWildcards(pattern: string): boolean {
  return /[*?{]/.test(pattern);
}

/** Splits a pattern or a relative path into segments ("./a//b" → ["a", "b"]). */
export function segments(path: string): string[] {
  return path.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
}

const segmentRegexes = new Map<string, RegExp>();

function segmentRegex(pattern: string): RegExp {
  let regex = segmentRegexes.get(pattern);
  if (!regex) {
    let source = "";
    for (const char of pattern) {
      if (char === "*") source += "[^/]*";
      else if (char === "?") source += "[^/]";
      else if (char === "{") source += "(?:";
      else if (char === "}") source += ")";
      else if (char === ",") source += "|";
      else source += char.replace(/[.+^$()|[\]\\]/g, "\\$&");
    }
    regex = new RegExp(`^${source}$`);
    segmentRegexes.set(pattern, regex);
  }
  return regex;
}

function matchSegment(pattern: string, name: string): boolean {
  if (name.startsWith(".") && !pattern.startsWith(".")) return false;
  return segmentRegex(pattern).test(name);
}

/**
 * Whether `path` (segments) matches `pattern` (segments). With `partial`, whether
 * something below the directory `path` could match: used to prune the walk.
 */
export function matchSegments(pattern: string[], path: string[], partial = false): boolean {
  if (path.length === 0) return partial ? pattern.length > 0 : pattern.every((p) => p === "**");
  if (pattern.length === 0) return false;
  if (pattern[0] === "**") {
    return matchSegments(pattern.slice(1), path, partial) ||
      (!path[0].startsWith(".") && matchSegments(pattern, path.slice(1), partial));
  }
  return matchSegment(pattern[0], path[0]) &&
    matchSegments(pattern.slice(1), path.slice(1), partial);
}

export interface GlobResult {
  /** Absolute paths of matching files, sorted. */
  files: string[];
  /** Relative paths of matches that are symlinks leading outside the root. */
  escapes: { path: string; target: string }[];
}

/**
 * Finds the files under `root` matching `pattern`, refusing symlinks that leave
 * `root`. Symlinks inside `root` are followed after the real entries, and each
 * real file is listed once, so a link never duplicates or shadows its target.
 */
export async function expandGlob(root: string, pattern: string): Promise<GlobResult> {
  const patternSegments = segments(pattern);
  const realRoot = await Deno.realPath(root);
  const result: GlobResult = { files: [], escapes: [] };
  const visitedDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const links: { path: string; rel: string[]; isDirectory: boolean }[] = [];

  const take = async (path: string, rel: string[], isDirectory: boolean): Promise<void> => {
    if (isDirectory) {
      if (matchSegments(patternSegments, rel, true)) await walk(path, rel);
    } else if (matchSegments(patternSegments, rel)) {
      const real = await Deno.realPath(path);
      if (!seenFiles.has(real)) result.files.push(resolve(path));
      seenFiles.add(real);
    }
  };

  const walk = async (dir: string, relative: string[]): Promise<void> => {
    const real = await Deno.realPath(dir);
    if (visitedDirs.has(real)) return; // seen already, or a symlink loop
    visitedDirs.add(real);
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const rel = [...relative, entry.name];
      if (!entry.isSymlink) {
        if (entry.isDirectory || entry.isFile) await take(path, rel, entry.isDirectory);
        continue;
      }
      let target: string;
      let info: Deno.FileInfo;
      try {
        target = await Deno.realPath(path);
        info = await Deno.stat(target);
      } catch {
        continue; // a dangling symlink matches nothing
      }
      if (isInside(realRoot, target)) {
        links.push({ path, rel, isDirectory: info.isDirectory });
      } else if (matchSegments(patternSegments, rel, info.isDirectory)) {
        result.escapes.push({ path: rel.join("/"), target });
      }
    }
  };

  await walk(root, []);
  while (links.length > 0) {
    const link = links.shift()!;
    await take(link.path, link.rel, link.isDirectory);
  }
  result.files.sort();
  return result;
}
