// Characters that have no place in a name or a label, and that must never
// reach a terminal raw: control characters (Cc: NUL, newline, ESC…), format
// characters (Cf: bidi overrides, zero-width spaces…), line and paragraph
// separators, lone surrogates, and U+FFFD, what invalid UTF-8 decodes to.
// They cut names short (NUL), or forge lines and reorder text in a table.

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFD]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFD]/gu;

/** `U+202E`, as the error names a character. */
function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Why `text` may not be a name or label, or undefined when it may:
 * `must not contain control, format or invalid characters (U+202E at 5)`.
 */
export function unsafeCharacterProblem(text: string): string | undefined {
  const match = UNSAFE.exec(text);
  if (!match) return undefined;
  const what = match[0] === "\uFFFD" ? ": invalid UTF-8" : "";
  return `must not contain control, format or invalid characters (${
    codePoint(match[0])
  } at character ${match.index + 1}${what})`;
}

/**
 * `text` with those characters written as escapes (`\n`, `\u{202e}`), so a
 * value from anywhere prints as one line that reads as it is.
 */
export function escapeUnsafe(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, (char) => {
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    if (char === "\t") return "\\t";
    return `\\u{${char.codePointAt(0)!.toString(16)}}`;
  });
}

/** {@link escapeUnsafe} line by line: a message keeps its own line breaks. */
export function escapeUnsafeLines(text: string): string {
  return text.split("\n").map(escapeUnsafe).join("\n");
}
