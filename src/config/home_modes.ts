// SPEC §2: STIGMER_HOME and the data dir are 0700, their secret and data files 0600.
// A umask of 022, an older version or a hand-made directory can leave them
// open to other users; what the program owns is tightened, with one warning
// naming each change. Only what exists is touched: a few stat calls a command.
import { dataPaths, homePaths } from "./paths.ts";
import { DIR_MODE, SECRET_MODE } from "../secure_fs.ts";

function tighten(path: string, wanted: number, changed: string[]): void {
  let mode: number | null;
  try {
    mode = Deno.statSync(path).mode;
  } catch {
    return; // absent: created private when it is needed
  }
  if (mode === null || (mode & 0o077) === 0) return;
  try {
    Deno.chmodSync(path, wanted);
    changed.push(`${path} (${(mode & 0o777).toString(8)} → ${wanted.toString(8)})`);
  } catch {
    // Not ours to change (another owner, a read-only file system): leave it as it is.
  }
}

function filesIn(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => `${dir}/${e.name}`);
  } catch {
    return [];
  }
}

/**
 * Tightens STIGMER_HOME, the data dir, its logs and every file of theirs that
 * group or others may use. Returns the one warning to show, or undefined.
 */
export function tightenHomeModes(home: string, dataDir: string): string | undefined {
  const homeFiles = homePaths(home);
  const data = dataPaths(dataDir);
  const changed: string[] = [];
  for (const dir of [home, data.dataDir, data.logsDir]) tighten(dir, DIR_MODE, changed);
  // config.yaml holds no secret and is often written by hand: it is left as its owner made it.
  const files = [homeFiles.credentials, ...filesIn(data.dataDir), ...filesIn(data.logsDir)];
  for (const file of files) tighten(file, SECRET_MODE, changed);
  if (changed.length === 0) return undefined;
  return `other users could read files of STIGMER_HOME (${home}); tightened: ${changed.join(", ")}`;
}
