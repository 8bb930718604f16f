import { loadConfig, type StigmerConfig } from "../../../config/config.ts";
import { type DataPaths, dataPaths } from "../../../config/paths.ts";
import { tightenHomeModes } from "../../../config/home_modes.ts";
import { warn } from "../../output.ts";

/** The local daemon's config and files, whatever the current backend mode. */
export async function localDaemon(): Promise<{ config: StigmerConfig; paths: DataPaths }> {
  const config = await loadConfig();
  for (const w of config.warnings) warn(w);
  const tightened = tightenHomeModes(config.home, config.local.dataDir);
  if (tightened) warn(tightened);
  return { config, paths: dataPaths(config.local.dataDir) };
}
