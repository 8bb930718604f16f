// Aligned columns with a header row, as kubectl prints them. A cell's width is
// what a terminal shows: colour codes take no column, wide characters take two.
// Both libraries load only when a table is printed, so output.ts costs the
// other commands nothing. string-width builds an Intl.Segmenter and Unicode
// property regexes as it loads (60-130 ms measured here), so it is loaded only
// for cells that are not plain ASCII once their colour codes are gone: tables
// of names and versions never pay for it.
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
  const { default: stripAnsi } = await import("strip-ansi");
  const safe = rows.map((row) =>
    row.map((cell, i) => {
      const escaped = escapeUnsafe(cell ?? "");
      return paint[i] ? paint[i](escaped) : escaped;
    })
  );
  const all = [header, ...safe];
  const needsUnicode = all.some((row) => row.some((cell) => !PLAIN_ASCII.test(stripAnsi(cell))));
  const width: (text: string) => number = needsUnicode
    ? (await import("string-width")).default
    : (text) => stripAnsi(text).length;
  const widths = header.map((_, i) => Math.max(...all.map((row) => width(row[i] ?? ""))));
  const line = (cells: string[]) =>
    cells.map((cell, i) =>
      i === cells.length - 1 ? cell : cell + " ".repeat(Math.max(0, widths[i] - width(cell)))
    ).join("   ").trimEnd();
  return all.map(line).join("\n");
}
