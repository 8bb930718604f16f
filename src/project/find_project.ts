// Finding Stigmer.yaml, kept apart from the loader so the warm path of apply
// can find a project without loading YAML or validation code.

export const PROJECT_FILE = "Stigmer.yaml";

/** The nearest Stigmer.yaml in `startDir` or a parent directory. */
export async function findProjectFile(startDir: string): Promise<string | undefined> {
  let dir = resolve(startDir);
  while (true) {
    const candidate = join(dir, PROJECT_FILE);
    const info = await Deno.stat(candidate).catch(() => undefined);
    if (info?.isFile) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
import { dirname, join, resolve } from "../path.ts";
