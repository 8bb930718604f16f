import { loadConfig, type StigmerConfig } from "../../../config/config.ts";
import { readEnvironment } from "../../../config/environment.ts";
import { effectiveSettings, type Setting } from "../../../config/effective.ts";
import { readTextIfExists } from "../../../secure_fs.ts";
import { warn } from "../../output.ts";

/** Loads the config (warning about unknown keys) and lists every setting. */
export async function loadSettings(): Promise<{ config: StigmerConfig; settings: Setting[] }> {
  const env = readEnvironment();
  const config = await loadConfig(env);
  for (const w of config.warnings) warn(w);
  const text = readTextIfExists(config.configPath);
  const fileData = text ? (await import("yaml")).parse(text) : {};
  return { config, settings: effectiveSettings(config, fileData, env) };
}
