// The single way the CLI reports a failure: one `error: …` line, the problems
// found, a hint saying what to do, and the exit code. No stack traces, except
// the cause chain with --debug.
import { formatDiagnostic, StigmerError, ValidationError } from "../errors.ts";
import { colors, isBrokenPipe, writeErr } from "./output.ts";
import { readEnvironment } from "../config/environment.ts";
import { findNotCapable, permissionError } from "../permission_error.ts";
import { escapeUnsafeLines } from "../model/unsafe_text.ts";

let debug = false;

export function setDebug(enabled: boolean): void {
  debug = enabled;
}

/** STIGMER_DEBUG=1 does what --debug does, also for errors before the flag is parsed. */
function debugFromEnvironment(): boolean {
  try {
    return readEnvironment().debug;
  } catch {
    return false; // no home directory: the error being reported says so
  }
}

/** An error's text, escaped: names in it (from a server too) must not forge lines or reorder text. */
function message(err: unknown): string {
  return escapeUnsafeLines(err instanceof Error ? err.message : String(err));
}

export function reportError(err: unknown): number {
  if (isBrokenPipe(err)) return 0; // the reader of our output closed it: nothing to report
  const c = colors();
  // Deno's own wording ("run again with the --allow-net flag") names no command the user has.
  const notCapable = err instanceof StigmerError ? undefined : findNotCapable(err);
  if (notCapable) err = permissionError(notCapable);
  if (err instanceof ValidationError) {
    writeErr(`${c.red("error:")} ${message(err)}`);
    for (const d of err.diagnostics) writeErr(`  ${escapeUnsafeLines(formatDiagnostic(d))}`);
  } else if (err instanceof Deno.errors.NotCapable) {
    writeErr(`${c.red("error:")} ${message(err)}`);
    writeErr(`${c.dim("hint:")} grant that permission to deno (see the README's permission table)`);
    return 1;
  } else {
    writeErr(`${c.red("error:")} ${message(err)}`);
  }
  if (err instanceof StigmerError && err.hint) {
    writeErr(`${c.dim("hint:")} ${escapeUnsafeLines(err.hint)}`);
  }
  if (debug || debugFromEnvironment()) {
    let cause = err instanceof Error ? err.cause : undefined;
    while (cause) {
      writeErr(`${c.dim("caused by:")} ${message(cause)}`);
      if (cause instanceof Error && cause.stack) writeErr(c.dim(cause.stack));
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    if (err instanceof Error && err.stack) writeErr(c.dim(err.stack));
  }
  return err instanceof StigmerError ? err.exitCode : 1;
}

/** Prints the error and exits with its code. */
export function fail(err: unknown): never {
  Deno.exit(reportError(err));
}
