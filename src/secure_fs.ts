// File writes that never leave a half-written file and never leak a secret:
// temp file + rename, 0700 directories, 0600 secret files.
import { StigmerError } from "./errors.ts";

export const DIR_MODE = 0o700;
export const SECRET_MODE = 0o600;

function describe(err: unknown): string {
  if (err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  if (err instanceof Deno.errors.NotADirectory) {
    return "a part of the path is a file, not a directory";
  }
  if (String(err).includes("Read-only file system")) return "read-only file system";
  return err instanceof Error ? err.message : String(err);
}

/** Creates a private directory (and its parents) or explains why it cannot. */
export function ensurePrivateDir(path: string): void {
  try {
    Deno.mkdirSync(path, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw new StigmerError(`cannot create directory ${path}: ${describe(err)}`, {
      hint: "check its permissions, or point STIGMER_HOME at a writable directory",
      cause: err,
    });
  }
}

/** Writes atomically: a crash leaves either the old file or the new one. */
export function writeFileAtomic(path: string, data: string, mode = SECRET_MODE): void {
  const dir = path.slice(0, path.lastIndexOf("/")) || ".";
  const temp = `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}.${Date.now()}.tmp`;
  try {
    Deno.writeTextFileSync(temp, data, { mode });
    Deno.chmodSync(temp, mode); // mode on create is masked by umask
    Deno.renameSync(temp, path);
  } catch (err) {
    try {
      Deno.removeSync(temp);
    } catch { /* it was never written */ }
    throw new StigmerError(`cannot write ${path}: ${describe(err)}`, {
      hint: "check the directory's permissions, or point STIGMER_HOME at a writable directory",
      cause: err,
    });
  }
}

/** Reads a file, or undefined when it does not exist. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new StigmerError(`cannot read ${path}: ${describe(err)}`, {
      hint: "check the permissions of the file and the directories above it, " +
        "or point STIGMER_HOME at another directory",
      cause: err,
    });
  }
}

/**
 * A secret file that group or others can read is repaired to 0600, with a warning.
 * Returns the warning text, or undefined when the file was fine or absent.
 */
export function repairSecretFileMode(path: string): string | undefined {
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(path);
  } catch {
    return undefined;
  }
  if (stat.mode === null || (stat.mode & 0o077) === 0) return undefined;
  const was = (stat.mode & 0o777).toString(8);
  try {
    Deno.chmodSync(path, SECRET_MODE);
  } catch (err) {
    throw new StigmerError(
      `${path} is readable by other users (mode ${was}) and cannot be repaired: ${describe(err)}`,
      {
        hint: `run: chmod 600 ${path}`,
      },
    );
  }
  return `${path} was readable by other users (mode ${was}); changed to 600`;
}
