// Event payloads of bounded size: the caller stores every event, and a task's output can
// be megabytes (an HTTP body) or grow on every iteration of a loop.

/** Outputs whose JSON is longer than this are replaced by a preview. */
export const MAX_EVENT_DATA_CHARS = 16 * 1024;
const PREVIEW_CHARS = 1024;

export interface TruncatedData {
  truncated: true;
  /** The first characters of the value's JSON. */
  preview: string;
}

/** The value itself when small, else a truncated preview. Costs at most ~MAX chars of work. */
export function boundedData(value: unknown): unknown {
  if (
    value === null || value === undefined || typeof value === "number" || typeof value === "boolean"
  ) {
    return value;
  }
  const json = boundedJson(value, MAX_EVENT_DATA_CHARS);
  if (json !== undefined) return value;
  return {
    truncated: true,
    preview: boundedJson(value, PREVIEW_CHARS, true)!,
  } satisfies TruncatedData;
}

class Full extends Error {}

/**
 * JSON of `value`, or undefined once it passes `limit` characters (then, with `cut`,
 * the first `limit` characters). Stops early instead of serializing everything.
 */
function boundedJson(value: unknown, limit: number, cut = false): string | undefined {
  const parts: string[] = [];
  let length = 0;
  const push = (text: string) => {
    parts.push(text);
    length += text.length;
    if (length > limit) throw new Full();
  };
  const write = (v: unknown): void => {
    if (v === null || typeof v !== "object") {
      push(JSON.stringify(v) ?? "null");
    } else if (Array.isArray(v)) {
      push("[");
      v.forEach((item, i) => {
        if (i > 0) push(",");
        write(item);
      });
      push("]");
    } else {
      push("{");
      let first = true;
      for (const [key, item] of Object.entries(v)) {
        if (item === undefined || typeof item === "function") continue;
        push(`${first ? "" : ","}${JSON.stringify(key)}:`);
        first = false;
        write(item);
      }
      push("}");
    }
  };
  try {
    write(value);
    return parts.join("");
  } catch (error) {
    if (!(error instanceof Full)) throw error;
    return cut ? parts.join("").slice(0, limit) : undefined;
  }
}
