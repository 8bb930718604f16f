import { UsageError } from "../../../errors.ts";
import { SETTABLE_KEYS } from "../../../config/edit.ts";
import { writeOut } from "../../output.ts";
import { loadSettings } from "./shared.ts";

export async function get(key: string): Promise<void> {
  const { settings } = await loadSettings();
  const setting = settings.find((s) => s.key === key);
  if (!setting) {
    throw new UsageError(`unknown setting "${key}"`, {
      hint: `settings are: ${SETTABLE_KEYS.join(", ")}`,
    });
  }
  writeOut(String(setting.value));
}
