// Reads back what a code-mode program printed with the SDK's synth(): JSON
// between two marker lines, so the program's own console output cannot confuse it.
import { StigmerError } from "../errors.ts";
import { isPlainObject } from "../model/problems.ts";

// Must match src/sdk/mod.ts (which cannot import this file: it ships alone).
export const SYNTH_BEGIN = "--- stigmer synth begin v1 ---";
export const SYNTH_END = "--- stigmer synth end ---";

/** Where the SDK saw a builder called: a file URL and 1-based line/column. */
export interface SynthSource {
  file: string;
  line: number;
  column: number;
}

export interface SynthResource {
  manifest: unknown;
  source?: SynthSource;
}

/**
 * The resources in a program's stdout, from every synth block in order, or
 * undefined when it printed no block at all. Throws on a malformed block.
 */
export function parseSynthOutput(stdout: string): SynthResource[] | undefined {
  const lines = stdout.split(/\r?\n/);
  let found = false;
  const resources: SynthResource[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== SYNTH_BEGIN) continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === SYNTH_END);
    if (end < 0) {
      throw new StigmerError("the program's output ends inside a synth block (no end marker)");
    }
    resources.push(...parseBlock(lines.slice(i + 1, end).join("\n")));
    found = true;
    i = end;
  }
  return found ? resources : undefined;
}

function parseBlock(json: string): SynthResource[] {
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (error) {
    throw new StigmerError(`the program printed a synth block that is not valid JSON: ${error}`);
  }
  if (!isPlainObject(payload) || payload.version !== 1 || !Array.isArray(payload.resources)) {
    throw new StigmerError(
      "the program printed a synth block of an unknown format (expected version 1)",
    );
  }
  return payload.resources.map((item): SynthResource => {
    const source = isPlainObject(item) && isPlainObject(item.source) ? item.source : undefined;
    return {
      manifest: isPlainObject(item) ? item.manifest : undefined,
      source: source && typeof source.file === "string"
        ? { file: source.file, line: Number(source.line) || 0, column: Number(source.column) || 0 }
        : undefined,
    };
  });
}
