// The end of the daemon's log, which the starting CLI shows when the daemon
// fails and `stigmer server logs` prints. The daemon writes the log
// (src/daemon/log.ts); this is the reading side of that contract.

/** Reads the last `count` lines of a log file ("" when absent). */
export function tailLines(path: string, count: number): string[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return [];
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.slice(-count);
}
