// "Did you mean …?" for names typed on the command line (kinds, run targets), by edit distance.

/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidates closest to `typed` (case-insensitive), nearest first: within 2 edits, or a
 * third of the word for long names; or those that start with what was typed.
 */
export function closest(typed: string, candidates: Iterable<string>, limit = 3): string[] {
  const word = typed.toLowerCase();
  const allowed = Math.max(2, Math.floor(word.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of new Set(candidates)) {
    const lower = name.toLowerCase();
    const score = lower.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, lower);
    if (score <= allowed) scored.push({ name, score });
  }
  return scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((s) => s.name);
}

/** "did you mean a?" / "did you mean a, b?", or undefined. */
export function didYouMean(typed: string, candidates: Iterable<string>): string | undefined {
  const near = closest(typed, candidates);
  return near.length ? `did you mean ${near.join(", ")}?` : undefined;
}
