import { readEnvironment } from "../../../config/environment.ts";
import { homePaths } from "../../../config/paths.ts";
import { unsetConfigValue } from "../../../config/edit.ts";
import { info, success } from "../../output.ts";

export function unset(key: string): void {
  const paths = homePaths(readEnvironment().home);
  if (unsetConfigValue(paths.config, key)) success(`${key} removed (back to its default)`);
  else info(`${key} was not set`);
}
