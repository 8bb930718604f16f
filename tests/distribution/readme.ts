// The README's commands, read from the README itself, so that a test runs them as written.
import { REPO } from "../helpers/cli.ts";

/** The first fenced block of `lang` after the line that contains `marker`. */
export async function readmeBlock(marker: string, lang: string): Promise<string> {
  const text = await Deno.readTextFile(`${REPO}/README.md`);
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no "${marker}"`);
  const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(text.slice(at));
  if (!match) throw new Error(`README.md has no ${lang} block after "${marker}"`);
  return match[1];
}

export const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs a shell script (a README block) with sh -e; returns code, stdout and stderr. */
export async function sh(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("sh", {
    args: ["-e", "-c", script],
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Build-script warnings and permission prompts must never reach a user. */
export function noise(text: string): boolean {
  return /Ignored build scripts|approve-scripts|Allow\? \[y\/n/.test(text);
}
