// Manifest files → declared resources, with a located diagnostic for every
// problem in every document (not just the first).
import { dirname, resolve } from "../path.ts";
import type { Diagnostic } from "../errors.ts";
import type { ResourceInput } from "../model/resource.ts";
import { formatKeyPath, type KeyPath } from "../model/problems.ts";
import {
  type DeclaredResource,
  type ManifestParseResult,
  prepareWorkflowCheck,
  validateManifest,
} from "./manifest_value.ts";
import { displayPath, realPathInside } from "./paths.ts";
import {
  MAX_MANIFEST_BYTES,
  parseYamlDocuments,
  type Position,
  problemsToDiagnostics,
  tooLargeDiagnostic,
} from "../model/yaml_source.ts";

type Locator = (path: KeyPath, at?: "key" | "value") => Position;
// Kept beside the resources, not in them, so they stay plain data.
const locators = new WeakMap<DeclaredResource, Locator>();

/** Where a field of a declared resource was written; its declaration when unknown. */
export function locateIn(
  resource: DeclaredResource,
  path: KeyPath,
  at?: "key" | "value",
): Position {
  const locator = locators.get(resource);
  return locator
    ? locator(path, at)
    : { line: resource.source.line, column: resource.source.column ?? 0 };
}

/**
 * {@link locateIn}, also for a resource from the project cache, which keeps no
 * locator: its manifest is read and parsed again. This runs only to point an
 * error from the backend at its field; the cache has just checked the text.
 */
export async function locateInManifest(
  resource: DeclaredResource,
  path: KeyPath,
  cwd = Deno.cwd(),
): Promise<Position> {
  if (locators.has(resource) || !/\.ya?ml$/i.test(resource.source.file)) {
    return locateIn(resource, path);
  }
  const text = await Deno.readTextFile(resolve(cwd, resource.source.file)).catch(() => "");
  const doc = parseYamlDocuments(resource.source.file, text).docs.find((d) =>
    d.start.line === resource.source.line
  );
  return doc ? doc.locate(path) : locateIn(resource, path);
}

/** A diagnostic about a field of a declared resource. */
export function diagnosticAt(
  resource: DeclaredResource,
  path: KeyPath,
  message: string,
): Diagnostic {
  return {
    file: resource.source.file,
    ...locateIn(resource, path),
    path: formatKeyPath(path),
    message,
  };
}

/**
 * Parses a (multi-document) YAML manifest. `file` is the name used in
 * diagnostics. Pure: a Skill's `path` is left for {@link inlineSkillFiles}.
 */
export function parseManifests(file: string, text: string): ManifestParseResult {
  const { docs, diagnostics } = parseYamlDocuments(file, text);
  const resources: DeclaredResource[] = [];
  for (const doc of docs) {
    const { manifest, problems } = validateManifest(doc.value);
    diagnostics.push(...sortByPosition(problemsToDiagnostics(file, doc, problems)));
    if (!manifest) continue;
    const resource: DeclaredResource = { ...manifest, source: { file, ...doc.start } };
    locators.set(resource, doc.locate);
    resources.push(resource);
  }
  return { resources, diagnostics };
}

function sortByPosition(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
}

export interface ReadManifestOptions {
  /** Skill paths must stay inside this directory. */
  root: string;
  /** Base for names in diagnostics; default: the current directory. */
  cwd?: string;
  /** Told of every file read (the manifest and its skill files), e.g. to cache the result. */
  onRead?: FileReadListener;
}

export type FileReadListener = (path: string, text: string) => void;

/** Reads, parses and completes one manifest file (size checked before reading). */
export async function readManifestFile(
  path: string,
  options: ReadManifestOptions,
): Promise<ManifestParseResult> {
  const file = displayPath(path, options.cwd ?? Deno.cwd());
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (info.size > MAX_MANIFEST_BYTES) {
      return { resources: [], diagnostics: [tooLargeDiagnostic(file, info.size)] };
    }
    text = await Deno.readTextFile(path);
    options.onRead?.(path, text);
    await prepareWorkflowCheck(text);
  } catch (error) {
    return {
      resources: [],
      diagnostics: [{ file, line: 0, column: 0, path: "", message: readFailure(error) }],
    };
  }
  const result = parseManifests(file, text);
  result.diagnostics.push(
    ...await inlineSkillFiles(result.resources, dirname(path), options.root, options.onRead),
  );
  return result;
}

export function readFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "file not found";
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  return `cannot read: ${error instanceof Error ? error.message : error}`;
}

/**
 * Replaces each Skill's `path` with the file's text as `content`. The path is
 * relative to `baseDir` and must stay inside `root`; a directory means its SKILL.md.
 */
export async function inlineSkillFiles(
  resources: DeclaredResource[],
  baseDir: string,
  root: string,
  onRead?: FileReadListener,
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const resource of resources) {
    const path = resource.spec.path;
    if (resource.kind !== "Skill" || typeof path !== "string") continue;
    let wanted = path;
    try {
      let real = await realPathInside(root, baseDir, path);
      if ((await Deno.stat(real)).isDirectory) {
        wanted = `${path.replace(/[\\/]+$/, "")}/SKILL.md`;
        real = await realPathInside(root, real, "SKILL.md");
      }
      const size = (await Deno.stat(real)).size;
      if (size > MAX_MANIFEST_BYTES) throw new Error(`${path} is larger than 10 MB`);
      const content = await Deno.readTextFile(real);
      onRead?.(real, content);
      const { path: _, ...rest } = resource.spec;
      resource.spec = { ...rest, content };
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound
        ? `skill file not found: ${wanted}`
        : error instanceof Error
        ? error.message
        : String(error);
      diagnostics.push(diagnosticAt(resource, ["spec", "path"], reason));
    }
  }
  return diagnostics;
}

/** What the store needs from a declared resource. */
export function toResourceInput(resource: DeclaredResource, project: string): ResourceInput {
  const { kind, name, labels, annotations, spec } = resource;
  return { kind, name, labels, annotations, spec, project };
}
