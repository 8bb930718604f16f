// `deno task stigmer` runs in the checkout that holds deno.json, wherever it was typed
// (`deno task --config ~/src/stigmer/deno.json stigmer apply` from a project folder). Deno
// sets INIT_CWD to the folder it was typed in: the CLI works there, so project lookup,
// `init`, `--dir` and `-f` mean what the user sees. Only when the process really is that
// task (running main.ts from source, in main.ts's folder): INIT_CWD left by an npm script
// that calls an installed `stigmer` elsewhere must not move it.
import { dirname, fromFileUrl } from "../path.ts";
import { readEnvironment } from "../config/environment.ts";

export function enterInvocationDir(mainModule = Deno.mainModule): void {
  if (!mainModule.startsWith("file:")) return;
  let initCwd: string | undefined;
  try {
    initCwd = readEnvironment().initCwd;
  } catch {
    return; // no home directory: the command reports that itself
  }
  if (!initCwd) return;
  const checkout = dirname(fromFileUrl(mainModule));
  const cwd = Deno.cwd();
  if (cwd !== checkout || initCwd === cwd) return;
  try {
    Deno.chdir(initCwd);
  } catch {
    // A folder that vanished: stay where deno task put us; the command's own errors say more.
  }
}
