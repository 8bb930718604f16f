// `stigmer logout`: forgets the cloud token and returns to the local backend.
import { readEnvironment } from "../../config/environment.ts";
import { removeCredentials } from "../../config/credentials.ts";
import { homePaths } from "../../config/paths.ts";
import { ensurePrivateDir } from "../../secure_fs.ts";
import { setConfigValue } from "../../config/edit.ts";
import { success, warn } from "../output.ts";

export function logout(): void {
  const env = readEnvironment();
  const paths = homePaths(env.home);
  const removed = removeCredentials(env.home);
  ensurePrivateDir(paths.home);
  setConfigValue(paths.config, "backend.type", "local");
  success(
    removed
      ? "Logged out: token removed; now using the local backend"
      : "Not logged in; now using the local backend",
  );
  if (env.token) warn("STIGMER_TOKEN is still set in your environment and would be used");
  if (env.backend && env.backend !== "local") {
    warn(`STIGMER_BACKEND=${env.backend} is set and overrides backend.type`);
  }
}
