import { UsageError } from "../../errors.ts";
import { slugify } from "../../model/slug.ts";
import { projectFiles } from "../templates/project.ts";
import { info, success } from "../output.ts";

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

export function init(name?: string): void {
  const dir = name ?? ".";
  const projectName = slugify(name ?? Deno.cwd().split("/").pop() ?? "") || "my-project";
  const files = projectFiles(projectName);
  // Check everything before writing anything: refuse, never overwrite.
  const taken = Object.keys(files).filter((file) => exists(`${dir}/${file}`));
  if (taken.length > 0) {
    throw new UsageError(
      `refusing to overwrite existing files: ${taken.map((f) => `${dir}/${f}`).join(", ")}`,
      {
        hint: name ? "choose another name" : "run stigmer init <name> to create a new directory",
      },
    );
  }
  for (const [file, text] of Object.entries(files)) {
    const path = `${dir}/${file}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, text, { createNew: true });
  }
  success(`Created project ${projectName}${name ? ` in ${dir}/` : ""}`);
  info(`Next:${name ? ` cd ${dir} &&` : ""} stigmer apply`);
}
