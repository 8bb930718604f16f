// Real jq (1.7, compiled to WebAssembly by the jq-web package), loaded on first need.
//
// jq-web reads its jq.wasm from Deno's npm cache when it loads, so the process needs
// read access to that file (the daemon is given read access to <DENO_DIR>/npm).
// Each call compiles the program afresh (jq-web exposes only jq's main): about 0.75 ms.

interface JqWeb {
  raw(json: string, filter: string, flags?: string[]): string | undefined;
}

/** jq's own words for a failed program, without the "jq: error (at …)" noise. */
export class JqError extends Error {
  override name = "JqError";
  readonly compile: boolean;
  constructor(message: string, compile: boolean) {
    super(message);
    this.compile = compile;
  }
}

let loading: Promise<JqWeb> | undefined;
let loaded: JqWeb | undefined;
let guarding = false;

/** Loads jq once per process. Rejects with a message that says which permission is missing. */
export function loadJq(): Promise<void> {
  if (!loading) {
    // When jq.wasm cannot be read, emscripten also rejects a promise nobody awaits, a few
    // ticks later; an unhandled rejection would end the whole daemon. Swallow those (only
    // emscripten's "Aborted(…)" errors): the failure itself is reported by this promise.
    if (!guarding) {
      guarding = true;
      globalThis.addEventListener("unhandledrejection", (event) => {
        const reason = event.reason;
        if (reason instanceof WebAssembly.RuntimeError && reason.message.startsWith("Aborted(")) {
          event.preventDefault();
        }
      });
    }
    loading = import("jq-web").then((mod) => mod.default as Promise<JqWeb>).then(
      (jq) => (loaded = jq),
      (error) => {
        const text = error instanceof Error ? error.message.split("\n")[0] : String(error);
        const reason = /Aborted\((.*)\)/.exec(text)?.[1] ?? text; // emscripten's wrapping
        throw new Error(`cannot load jq (npm:jq-web): ${reason}`, { cause: error });
      },
    );
  }
  return loading.then(() => {});
}

/**
 * Runs `filter` on the JSON text `input` and returns every output, parsed.
 * Synchronous: jq-web runs jq's main to completion, so calls never interleave.
 */
export function runJq(input: string, filter: string): unknown[] {
  if (!loaded) throw new Error("jq is not loaded: call loadJq() first");
  let stdout: string | undefined;
  // Emscripten's exit() sets process.exitCode (jq exits 5 on an error) and jq-web does not
  // always put it back: left alone, the whole process would later exit with that code.
  const exitCode = Deno.exitCode;
  try {
    stdout = loaded.raw(input, filter, ["-c"]);
  } catch (error) {
    throw toJqError(error);
  } finally {
    Deno.exitCode = exitCode;
  }
  if (!stdout) return [];
  // With -c every output is one line of JSON.
  return stdout.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

function toJqError(error: unknown): JqError {
  const stderr = (error as { stderr?: unknown })?.stderr;
  const text = typeof stderr === "string" && stderr
    ? stderr
    : error instanceof Error
    ? error.message
    : String(error);
  const compile = /compile error/.test(text) || /^jq: error: /m.test(text);
  return new JqError(cleanMessage(text), compile);
}

function cleanMessage(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  const first = lines.find((line) => line.startsWith("jq: error")) ?? lines[0] ?? "jq failed";
  return first
    .replace(/^jq: error \(at [^)]*\)(?: \(not a string\))?: /, "")
    .replace(/^jq: error: /, "")
    .replace(/ \(Unix shell quoting issues\?\)/, "")
    .replace(/ at <top-level>, line \d+:?$/, "")
    .trim();
}
