import { formatTable, printJson, writeOut } from "../../output.ts";
import { loadSettings } from "./shared.ts";

export async function list(opts: { json?: boolean }): Promise<void> {
  const { settings } = await loadSettings();
  if (opts.json) return printJson(settings);
  writeOut(
    await formatTable(
      ["KEY", "VALUE", "SOURCE"],
      settings.map((s) => [s.key, String(s.value), s.source]),
    ),
  );
}
