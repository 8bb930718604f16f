import { readEnvironment } from "../../../config/environment.ts";
import { homePaths } from "../../../config/paths.ts";
import { ensurePrivateDir } from "../../../secure_fs.ts";
import { setConfigValue } from "../../../config/edit.ts";
import { success } from "../../output.ts";

export function set(key: string, value: string): void {
  const paths = homePaths(readEnvironment().home);
  ensurePrivateDir(paths.home);
  setConfigValue(paths.config, key, value);
  success(`${key} = ${value}`);
}
