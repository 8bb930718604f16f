// Aligned columns with a header row, as kubectl prints them. A cell's width is
// what a terminal shows: colour codes take no column, wide characters take two.
// Neither library loads for a table of plain ASCII (no colour code, no wide
// character), which is measured by its length: most tables (names, versions,
// ids) then cost no npm package (strip-ansi, ~8 ms a command here). string-width
// builds an Intl.Segmenter and Unicode property regexes as it loads (60-130 ms
// measured here), so it loads only for cells that are not plain ASCII once
// their colour codes are gone.
//
// Cells are escaped first (a name from a server may hold a newline or a bidi
// override: it must not forge a row), then `paint` colours a column's cells.
import { escapeUnsafe } from "../model/unsafe_text.ts";

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

export async function formatTable(
  header: string[],
  rows: string[][],
  paint: Record<number, (cell: string) => string> = {},
): Promise<string> {
  const safe = rows.map((row) =>
    row.map((cell, i) => {
      const escaped = escapeUnsafe(cell ?? "");
      return paint[i] ? paint[i](escaped) : escaped;
    })
  );
  const all = [header, ...safe];
  if (all.every((row) => row.every((cell) => PLAIN_ASCII.test(cell)))) {
    return layOut(all, (text) => text.length);
  }
  const { default: stripAnsi } = await import("strip-ansi");
  const needsUnicode = all.some((row) => row.some((cell) => !PLAIN_ASCII.test(stripAnsi(cell))));
  return layOut(
    all,
    needsUnicode ? (await import("string-width")).default : (text) => stripAnsi(text).length,
  );
}

function layOut(all: string[][], width: (text: string) => number): string {
  const header = all[0];
  const widths = header.map((_, i) => Math.max(...all.map((row) => width(row[i] ?? ""))));
  const line = (cells: string[]) =>
    cells.map((cell, i) =>
      i === cells.length - 1 ? cell : cell + " ".repeat(Math.max(0, widths[i] - width(cell)))
    ).join("   ").trimEnd();
  return all.map(line).join("\n");
}
