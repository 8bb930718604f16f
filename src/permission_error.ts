// Deno's NotCapable names a flag of `deno run`, which means nothing to someone who
// installed a `stigmer` command. This says which access is missing and what to do.
// Shared by the client (a refused fetch) and the CLI's error reporter.
import { StigmerError } from "./errors.ts";

/** Deno's wording, for a NotCapable that a library re-threw as a plain Error (grpc-js's bind). */
const NOT_CAPABLE_TEXT = /Requires \w+ access to .*run again with the --allow-\w+ flag/;

/** The NotCapable in an error or its cause chain, if any. */
export function findNotCapable(err: unknown): Error | undefined {
  for (let e = err, depth = 0; e && depth < 8; depth++) {
    if (e instanceof Deno.errors.NotCapable) return e;
    if (e instanceof Error && NOT_CAPABLE_TEXT.test(e.message)) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

const KINDS: Record<string, { what: string; flag: string }> = {
  net: { what: "connect to or listen on", flag: "--allow-net" },
  read: { what: "read", flag: "--allow-read" },
  write: { what: "write", flag: "--allow-write" },
  env: { what: "read the environment variable", flag: "--allow-env" },
  run: { what: "run", flag: "--allow-run" },
  sys: { what: "read system information", flag: "--allow-sys" },
  import: { what: "import code from", flag: "--allow-import" },
};

/** A missing Deno permission as an error that says what to do. */
export function permissionError(err: Error): StigmerError {
  const match = /Requires (\w+) access to "?([^",]*)"?/.exec(err.message);
  const kind = match ? KINDS[match[1]] : undefined;
  const target = match?.[2] ?? "";
  const message = kind
    ? `stigmer may not ${kind.what} ${target}: it was started without that Deno permission`
    : `stigmer was started without a Deno permission it needs (${err.message})`;
  const flag = kind?.flag ?? "the permission named above";
  return new StigmerError(message, {
    hint: `give the command ${flag}: reinstall it with the flags in the README's ` +
      `"Ways to get it" (deno install … ${flag} …), or add ${flag} to your deno run`,
    cause: err,
  });
}
