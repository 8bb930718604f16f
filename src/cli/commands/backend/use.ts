import { readEnvironment } from "../../../config/environment.ts";
import { homePaths } from "../../../config/paths.ts";
import { ensurePrivateDir } from "../../../secure_fs.ts";
import { setConfigValue } from "../../../config/edit.ts";
import { checkBackendType } from "../../../config/backend_mode.ts";
import { readCredentials } from "../../../config/credentials.ts";
import { success, warn } from "../../output.ts";

export async function use(type: string): Promise<void> {
  const mode = checkBackendType(type, "the command line");
  const env = readEnvironment();
  const paths = homePaths(env.home);
  ensurePrivateDir(paths.home);
  setConfigValue(paths.config, "backend.type", mode);
  success(`Now using the ${mode} backend`);
  if (mode === "cloud" && !(await readCredentials(env)).credentials) {
    warn("not logged in: run stigmer login");
  }
  if (env.backend && env.backend !== mode) {
    warn(`STIGMER_BACKEND=${env.backend} is set and overrides this`);
  }
}
