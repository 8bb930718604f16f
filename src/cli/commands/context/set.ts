import { readEnvironment } from "../../../config/environment.ts";
import { homePaths } from "../../../config/paths.ts";
import { ensurePrivateDir } from "../../../secure_fs.ts";
import { setConfigValue } from "../../../config/edit.ts";
import { UsageError } from "../../../errors.ts";
import { success } from "../../output.ts";

export function set(opts: { org: string }): void {
  const org = opts.org.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(org)) {
    throw new UsageError(`invalid organization "${opts.org}"`, {
      hint: "use letters, digits, '.', '_' or '-', starting with a letter or digit",
    });
  }
  const paths = homePaths(readEnvironment().home);
  ensurePrivateDir(paths.home);
  setConfigValue(paths.config, "context.organization", org);
  success(`Organization for cloud mode: ${org} (local mode always uses "local")`);
}
