// Projects (SPEC §8): Stigmer.yaml, its manifests and its program, loaded into
// one validated batch of declared resources.
import { dirname, extname, join, resolve } from "../path.ts";
import { z } from "zod";
import { type Diagnostic, UsageError, ValidationError } from "../errors.ts";
import { type CodeModeOptions, runCodeMode } from "./code_mode.ts";
import { expandGlob, hasWildcards } from "./glob.ts";
import { findProjectFile, PROJECT_FILE } from "./find_project.ts";

export { findProjectFile, PROJECT_FILE };
import { type FileReadListener, readFailure, readManifestFile } from "./manifest.ts";
import type { DeclaredResource } from "./manifest_value.ts";
import { displayPath, isInside, realPathInside, unsafeRelativePath } from "./paths.ts";
import { isPlainObject, type KeyPath, strictObject, zodProblems } from "../model/problems.ts";
import { parseYamlDocuments, problemsToDiagnostics } from "../model/yaml_source.ts";

export const DEFAULT_RESOURCES = ["stigmer/**/*.yaml"];

const projectSchema = strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  organization: z.string().optional(),
  resources: z.array(z.string().min(1)).optional(),
  main: z.string().min(1).optional(),
});

export interface ProjectFile {
  /** Absolute path of Stigmer.yaml. */
  path: string;
  dir: string;
  name: string;
  description: string;
  organization: string;
  resources: string[];
  /** False when `resources` was left out and the default applies. */
  resourcesDeclared: boolean;
  main?: string;
}

export interface LoadedProject {
  /** The project's name ("" when -f files have no Stigmer.yaml above them). */
  name: string;
  description: string;
  organization: string;
  /** The project directory (absolute). */
  dir: string;
  /** Stigmer.yaml, when there is one. */
  projectFile?: string;
  /** Its `resources` globs (project mode only). */
  resourcePatterns?: string[];
  resources: DeclaredResource[];
  /** The manifest files read, absolute. */
  files: string[];
  /** The program run in code mode, absolute. */
  main?: string;
}

export interface LoadProjectOptions {
  /** The project directory (holds Stigmer.yaml). Default: search upward from `cwd`. */
  dir?: string;
  /** Load just these manifests (or directories of them, or a program) instead of a project. */
  files?: string[];
  /** Default: Deno.cwd(). Diagnostics name files relative to it. */
  cwd?: string;
  /** Run `main` (default true). */
  runMain?: boolean;
  codeMode?: CodeModeOptions;
  /** Told of every file read (Stigmer.yaml, manifests, skill files). */
  onRead?: FileReadListener;
  /** Told of every directory the `resources` globs walked, with its listing (listing.ts). */
  onListing?: (dir: string, listing: string) => void;
}

/** Reads and validates a Stigmer.yaml. Throws ValidationError with every problem. */
export async function readProjectFile(
  path: string,
  cwd = Deno.cwd(),
  onRead?: FileReadListener,
): Promise<ProjectFile> {
  const file = displayPath(path, cwd);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
    onRead?.(path, text);
  } catch (error) {
    throw new ValidationError(`cannot read ${file}`, [{
      file,
      line: 0,
      column: 0,
      path: "",
      message: readFailure(error),
    }]);
  }
  const { docs, diagnostics } = parseYamlDocuments(file, text);
  const doc = docs[0];
  if (diagnostics.length === 0 && docs.length !== 1) {
    const message = docs.length === 0
      ? "is empty; expected at least `name: my-project`"
      : "must hold one YAML document";
    diagnostics.push({ file, line: docs[1]?.start.line ?? 0, column: 0, path: "", message });
  }
  let parsed: z.infer<typeof projectSchema> | undefined;
  if (doc && diagnostics.length === 0) {
    const result = projectSchema.safeParse(doc.value, { reportInput: true });
    if (result.success) parsed = result.data;
    else {diagnostics.push(
        ...problemsToDiagnostics(file, doc, zodProblems(result.error.issues, doc.value)),
      );}
    const resources = isPlainObject(doc.value) && Array.isArray(doc.value.resources)
      ? doc.value.resources
      : [];
    resources.forEach((pattern, index) => {
      const unsafe = typeof pattern === "string" ? unsafeRelativePath(pattern) : undefined;
      if (unsafe) {
        diagnostics.push(
          ...problemsToDiagnostics(file, doc, [{ path: ["resources", index], message: unsafe }]),
        );
      }
    });
    const main = isPlainObject(doc.value) ? doc.value.main : undefined;
    const unsafeMain = typeof main === "string" ? unsafeRelativePath(main) : undefined;
    if (unsafeMain) {
      diagnostics.push(
        ...problemsToDiagnostics(file, doc, [{ path: ["main"], message: unsafeMain }]),
      );
    }
  }
  if (diagnostics.length > 0 || !parsed) throw invalid(diagnostics);
  return {
    path: resolve(path),
    dir: dirname(resolve(path)),
    name: parsed.name,
    description: parsed.description ?? "",
    organization: parsed.organization ?? "",
    resources: parsed.resources ?? DEFAULT_RESOURCES,
    resourcesDeclared: parsed.resources !== undefined,
    main: parsed.main,
  };
}

function invalid(diagnostics: Diagnostic[]): ValidationError {
  const count = diagnostics.length;
  return new ValidationError(`found ${count} problem${count === 1 ? "" : "s"}`, diagnostics);
}

/** Diagnostic about a key of Stigmer.yaml, located in it. */
async function projectDiagnostic(
  project: ProjectFile,
  cwd: string,
  path: KeyPath,
  message: string,
): Promise<Diagnostic> {
  const file = displayPath(project.path, cwd);
  const text = await Deno.readTextFile(project.path).catch(() => "");
  const doc = parseYamlDocuments(file, text).docs[0];
  return doc
    ? problemsToDiagnostics(file, doc, [{ path, message }])[0]
    : { file, line: 0, column: 0, path: "", message };
}

/**
 * Loads a project: Stigmer.yaml (in `dir`, or upward from `cwd`), its manifests
 * and its program; or, with `files`, just those. Every problem in every file
 * is collected and thrown as one ValidationError. Duplicates and references
 * across the batch are left to `checkBatch` (batch.ts).
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<LoadedProject> {
  const cwd = options.cwd ?? Deno.cwd();
  if (options.files && options.files.length > 0) {
    return await loadFiles(options.files, cwd, options);
  }

  const startDir = resolve(cwd, options.dir ?? ".");
  const projectPath = options.dir !== undefined
    ? join(startDir, PROJECT_FILE)
    : await findProjectFile(startDir);
  if (!projectPath || !(await Deno.stat(projectPath).catch(() => undefined))) {
    const where = options.dir !== undefined
      ? `in ${displayPath(startDir, cwd)}`
      : `in ${startDir} or any parent directory`;
    throw new UsageError(`no ${PROJECT_FILE} found ${where}`, {
      hint: "Run `stigmer init` to create a project, or pass manifests with -f FILE.",
    });
  }
  const project = await readProjectFile(projectPath, cwd, options.onRead);
  const diagnostics: Diagnostic[] = [];
  const resources: DeclaredResource[] = [];
  const files = new Set<string>();

  for (const [index, pattern] of project.resources.entries()) {
    const { files: matched, escapes } = expandGlob(project.dir, pattern, options.onListing);
    const key = project.resourcesDeclared ? ["resources", index] : ["resources"];
    for (const escape of escapes) {
      diagnostics.push(
        await projectDiagnostic(
          project,
          cwd,
          key,
          `"${pattern}" matches ${escape.path}, a symlink to ${escape.target}, outside the project directory`,
        ),
      );
    }
    if (matched.length === 0 && escapes.length === 0 && !hasWildcards(pattern)) {
      diagnostics.push(
        await projectDiagnostic(project, cwd, key, `file not found: ${pattern}`),
      );
    }
    for (const file of matched) files.add(file);
  }
  for (const file of [...files].sort()) {
    const result = await readManifestFile(file, { root: project.dir, cwd, onRead: options.onRead });
    resources.push(...result.resources);
    diagnostics.push(...result.diagnostics);
  }

  let main: string | undefined;
  if (project.main !== undefined) {
    try {
      main = await realPathInside(project.dir, project.dir, project.main);
    } catch (error) {
      const message = error instanceof Deno.errors.NotFound
        ? `file not found: ${project.main}`
        : error instanceof Error
        ? error.message
        : String(error);
      diagnostics.push(await projectDiagnostic(project, cwd, ["main"], message));
    }
    if (main && options.runMain !== false) {
      await collectCodeMode(project.dir, main, cwd, options, resources, diagnostics);
    }
  }
  if (files.size === 0 && project.main === undefined && diagnostics.length === 0) {
    diagnostics.push(
      await projectDiagnostic(
        project,
        cwd,
        ["resources"],
        project.resources.length === 0
          ? "is empty and no main program is set: nothing to apply"
          : `no manifests match ${
            project.resources.map((p) => `"${p}"`).join(", ")
          } and no main program is set`,
      ),
    );
  }
  if (diagnostics.length > 0) throw invalid(diagnostics);
  return {
    name: project.name,
    description: project.description,
    organization: project.organization,
    dir: project.dir,
    projectFile: project.path,
    resourcePatterns: project.resources,
    resources,
    files: [...files].sort(),
    main,
  };
}

const PROGRAM_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs"]);
const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml"]);

async function collectCodeMode(
  root: string,
  main: string,
  cwd: string,
  options: LoadProjectOptions,
  resources: DeclaredResource[],
  diagnostics: Diagnostic[],
): Promise<void> {
  try {
    resources.push(...await runCodeMode(root, main, { cwd, ...options.codeMode }));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    diagnostics.push(...error.diagnostics);
  }
}

/** `-f FILE...`: manifests, directories of manifests, or a program. */
async function loadFiles(
  paths: string[],
  cwd: string,
  options: LoadProjectOptions,
): Promise<LoadedProject> {
  const absolute = paths.map((p) => resolve(cwd, p));
  const projectPath = await findProjectFile(dirname(absolute[0]));
  let project: ProjectFile | undefined;
  if (projectPath) project = await readProjectFile(projectPath, cwd);

  const diagnostics: Diagnostic[] = [];
  const resources: DeclaredResource[] = [];
  const files: string[] = [];
  for (const path of absolute) {
    const display = displayPath(path, cwd);
    const info = await Deno.stat(path).catch((error) => error as Error);
    if (info instanceof Error) {
      diagnostics.push({ file: display, line: 0, column: 0, path: "", message: readFailure(info) });
      continue;
    }
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(path)) {
        if (entry.isFile && MANIFEST_EXTENSIONS.has(extname(entry.name))) {
          files.push(join(path, entry.name));
        }
      }
      continue;
    }
    if (PROGRAM_EXTENSIONS.has(extname(path))) {
      const root = project && isInside(project.dir, path) ? project.dir : dirname(path);
      await collectCodeMode(root, path, cwd, options, resources, diagnostics);
      continue;
    }
    files.push(path);
  }
  const unique = [...new Set(files)];
  for (const file of unique) {
    // Skill paths stay inside the project, or beside the manifest without one.
    const root = project && isInside(project.dir, file) ? project.dir : dirname(file);
    const result = await readManifestFile(file, { root, cwd });
    resources.push(...result.resources);
    diagnostics.push(...result.diagnostics);
  }
  if (diagnostics.length > 0) throw invalid(diagnostics);
  return {
    name: project?.name ?? "",
    description: project?.description ?? "",
    organization: project?.organization ?? "",
    dir: project?.dir ?? resolve(cwd),
    projectFile: project?.path,
    resources,
    files: unique,
  };
}
