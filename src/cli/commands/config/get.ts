import { checkKey } from "../../../config/edit.ts";
import { writeOut } from "../../output.ts";
import { loadSettings } from "./shared.ts";

export async function get(key: string): Promise<void> {
  checkKey(key); // an unknown key is refused with a suggestion, before reading anything
  const { settings } = await loadSettings();
  writeOut(String(settings.find((s) => s.key === key)!.value));
}
