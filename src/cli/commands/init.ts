import { UsageError } from "../../errors.ts";
import { slugify } from "../../model/slug.ts";
import { projectFiles } from "../templates/project.ts";
import { info, success } from "../output.ts";

/**
 * The path that stands in the way of writing `file` under `dir`: the file
 * itself, or a parent that exists but is not a directory (e.g. `demo` is a file).
 */
function obstacle(dir: string, file: string): string | undefined {
  const parts = file.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const path = `${dir}/${parts.slice(0, i).join("/")}`;
    let stat: Deno.FileInfo;
    try {
      stat = i === parts.length ? Deno.lstatSync(path) : Deno.statSync(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      if (err instanceof Deno.errors.NotADirectory) return `${dir}`;
      throw err;
    }
    if (i === parts.length || !stat.isDirectory) return path;
  }
  return undefined;
}

export function init(name?: string): void {
  const dir = name ?? ".";
  const projectName = slugify(name ?? Deno.cwd().split("/").pop() ?? "") || "my-project";
  const files = projectFiles(projectName);
  // Check everything before writing anything: refuse, never overwrite.
  const taken = [
    ...new Set(
      Object.keys(files).map((file) => obstacle(dir, file)).filter((p) => p !== undefined),
    ),
  ];
  if (taken.length > 0) {
    throw new UsageError(
      `refusing to overwrite existing files: ${taken.join(", ")}`,
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
