// One typed error hierarchy for every layer. Each error knows its exit code and,
// where it can, the hint that tells the user what to do next (SPEC §5).

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_BACKEND = 3;

export class StigmerError extends Error {
  readonly exitCode: number = EXIT_FAILED;
  readonly hint?: string;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad command line: exit 2. */
export class UsageError extends StigmerError {
  override readonly exitCode = EXIT_USAGE;
}

/** One problem in a user's file, with where it is. */
export interface Diagnostic {
  file: string;
  line: number; // 1-based; 0 when unknown
  column: number; // 1-based; 0 when unknown
  path: string; // key path, e.g. "spec.instructions"
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}${d.column > 0 ? `:${d.column}` : ""}` : d.file;
  return `${where}: ${d.path ? `${d.path}: ` : ""}${d.message}`;
}

/** Invalid configuration or manifests: exit 2. Carries every problem found, not just the first. */
export class ValidationError extends StigmerError {
  override readonly exitCode = EXIT_USAGE;
  readonly diagnostics: Diagnostic[];
  constructor(message: string, diagnostics: Diagnostic[], options: { hint?: string } = {}) {
    super(message, options);
    this.diagnostics = diagnostics;
  }
}

/** The backend cannot be reached, or the local daemon failed to start: exit 3. */
export class BackendUnavailableError extends StigmerError {
  override readonly exitCode = EXIT_BACKEND;
}

/** A backend answered with an error (not found, denied, …): exit 1. */
export class RemoteError extends StigmerError {
  readonly code: number;
  constructor(code: number, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.code = code;
  }
}
