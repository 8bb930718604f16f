// Stigmer.yaml `resources` globs: `**`, `*`, `?`, `[ab]` and `{a,b}`, matched
// by zeptomatch (plain ESM, no Node layer: picomatch and minimatch each cost
// over 100 ms at import here, as they bring up Deno's Node compatibility).
// Like shells, wildcards do not match names starting with a dot: such a name
// must be written in the pattern (`.github/*.yaml`), which zeptomatch alone
// does not do, hence `dotsNamed`.
import { join, resolve } from "../path.ts";
import zeptomatch from "zeptomatch";
import { isInside } from "./paths.ts";
import { describeEntries, readEntries } from "./listing.ts";

export function hasWildcards(pattern: string): boolean {
  return /[*?{[]/.test(pattern);
}

/** Splits a pattern or a relative path into segments ("./a//b" → ["a", "b"]). */
export function segments(path: string): string[] {
  return path.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
}

/** Whether every dot-name in `path` is named by a pattern segment that starts with a dot. */
function dotsNamed(pattern: string[], path: string[]): boolean {
  return path.every((name) =>
    !name.startsWith(".") || pattern.some((p) => p.startsWith(".") && zeptomatch(p, name))
  );
}

/**
 * Whether the relative `path` matches `pattern`. With `partial`, whether
 * something below the directory `path` could match: used to prune the walk.
 */
export function matchPath(pattern: string, path: string, partial = false): boolean {
  const patternSegments = segments(pattern);
  const pathSegments = segments(path);
  if (!dotsNamed(patternSegments, pathSegments)) return false;
  return zeptomatch(patternSegments.join("/"), pathSegments.join("/"), { partial });
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
 * `onListing` is told each directory walked and its listing (listing.ts): the
 * same listings mean the same result. Synchronous: a project's tree is small.
 */
export function expandGlob(
  root: string,
  pattern: string,
  onListing?: (dir: string, listing: string) => void,
): GlobResult {
  const realRoot = Deno.realPathSync(root);
  const result: GlobResult = { files: [], escapes: [] };
  const visitedDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const links: { path: string; rel: string[]; isDirectory: boolean }[] = [];

  const take = (path: string, rel: string[], isDirectory: boolean): void => {
    if (isDirectory) {
      if (matchPath(pattern, rel.join("/"), true)) walk(path, rel);
    } else if (matchPath(pattern, rel.join("/"))) {
      const real = Deno.realPathSync(path);
      if (!seenFiles.has(real)) result.files.push(resolve(path));
      seenFiles.add(real);
    }
  };

  const walk = (dir: string, relative: string[]): void => {
    const real = Deno.realPathSync(dir);
    if (visitedDirs.has(real)) return; // seen already, or a symlink loop
    visitedDirs.add(real);
    const entries = readEntries(dir);
    onListing?.(dir, describeEntries(entries));
    for (const { entry, target } of entries) {
      const path = join(dir, entry.name);
      const rel = [...relative, entry.name];
      if (!entry.isSymlink) {
        if (entry.isDirectory || entry.isFile) take(path, rel, entry.isDirectory);
      } else if (!target) {
        continue; // a dangling symlink matches nothing
      } else if (isInside(realRoot, target.path)) {
        links.push({ path, rel, isDirectory: target.info.isDirectory });
      } else if (matchPath(pattern, rel.join("/"), target.info.isDirectory)) {
        result.escapes.push({ path: rel.join("/"), target: target.path });
      }
    }
  };

  walk(root, []);
  while (links.length > 0) {
    const link = links.shift()!;
    take(link.path, link.rel, link.isDirectory);
  }
  result.files.sort();
  return result;
}
