// stigmer apply: load and validate the project locally, then hand the whole
// batch to the backend, which checks references and applies it atomically.
// The loader and validator (YAML, zod) are imported only when the project
// changed since the last apply: see project_cache.ts.
import type { LoadedProject } from "../../project/project.ts";
import type { DeclaredResource } from "../../project/manifest.ts";
import type { Kind } from "../../model/resource.ts";
import { type CheckedProject, readCachedProject, writeCachedProject } from "../project_cache.ts";
import { type Diagnostic, formatDiagnostic, UsageError, ValidationError } from "../../errors.ts";
import { connectBackend } from "../backend.ts";
import { withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../../rpc/gen/stigmer/v1/resource.ts";
import { colors, formatTable, info, printJson, success, warn, writeOut } from "../output.ts";
import { displayPath } from "../../project/paths.ts";

export interface ApplyOptions {
  dir?: string;
  file?: string[];
  dryRun?: boolean;
  org?: string;
  prune?: boolean;
  json?: boolean;
  autoStart?: boolean;
}

function describeSource(project: LoadedProject): string {
  const cwd = Deno.cwd();
  return project.projectFile
    ? displayPath(project.projectFile, cwd)
    : project.files.map((f) => displayPath(f, cwd)).join(", ");
}

/**
 * What can be checked without a backend: duplicates are errors (thrown, before
 * anything starts); names not in the batch come back as notes, for the backend
 * to resolve.
 */
async function localCheck(resources: DeclaredResource[]): Promise<string[]> {
  const { checkBatch } = await import("../../project/project.ts");
  const { referencedNames } = await import("../../model/references.ts");
  const everything: Partial<Record<Kind, Set<string>>> = Object.fromEntries(
    referencedNames(resources),
  );
  const errors = checkBatch(resources, everything);
  if (errors.length > 0) {
    throw new ValidationError("the project has errors; nothing applied", errors);
  }
  return checkBatch(resources).map((d) =>
    `${formatDiagnostic(d)} (apply will look in the backend)`
  );
}

/**
 * The backend only knows where each resource starts; point its diagnostics at
 * the field, as local ones do (the resource is found by its file and line).
 */
async function relocate(
  diagnostic: Diagnostic,
  resources: DeclaredResource[],
): Promise<Diagnostic> {
  const { locateIn } = await import("../../project/manifest.ts");
  const { parseKeyPath } = await import("../../model/problems.ts");
  const resource = resources.find((r) =>
    displayPath(r.source.file, Deno.cwd()) === diagnostic.file &&
    r.source.line === diagnostic.line
  );
  if (!resource || !diagnostic.path) return diagnostic;
  return { ...diagnostic, ...locateIn(resource, parseKeyPath(diagnostic.path)) };
}

/** Loads and checks the project, or takes it from the cache when nothing changed. */
async function loadChecked(opts: ApplyOptions): Promise<CheckedProject> {
  const cacheable = !opts.file?.length;
  const cached = cacheable ? await readCachedProject(opts.dir) : undefined;
  if (cached) return cached;
  const { loadProject } = await import("../../project/project.ts");
  const files: Record<string, string> = {};
  const project = await loadProject({
    dir: opts.dir,
    files: opts.file,
    onRead: (path, text) => (files[path] = text),
  });
  const checked = { project, notes: await localCheck(project.resources) };
  if (cacheable) await writeCachedProject(checked, files);
  return checked;
}

export async function apply(opts: ApplyOptions): Promise<void> {
  // -f declares only part of a project: pruning would delete the rest of it.
  if (opts.prune && opts.file?.length) {
    throw new UsageError("--prune works on a whole project, not on files given with -f", {
      hint: "run `stigmer apply --prune` in the project (or with --dir DIR), without -f",
    });
  }
  const { project, notes } = await loadChecked(opts);
  const { resources } = project;
  info(
    `Loaded ${describeSource(project)}: ${resources.length} resource${
      resources.length === 1 ? "" : "s"
    }`,
  );

  if (opts.dryRun) {
    for (const note of notes) warn(note);
    if (opts.json) {
      return printJson({
        dryRun: true,
        project: project.name,
        resources: resources.map((r) => ({ kind: r.kind, name: r.name, source: r.source })),
      });
    }
    writeOut(formatTable(
      ["KIND", "NAME", "SOURCE"],
      resources.map((
        r,
      ) => [r.kind, r.name, `${displayPath(r.source.file, Deno.cwd())}:${r.source.line}`]),
    ));
    success("Dry run: the project is valid; nothing was applied");
    return;
  }
  if (resources.length === 0 && !opts.prune) {
    warn("nothing to apply: no resources declared");
    return;
  }

  const backend = await connectBackend({
    org: opts.org,
    autoStart: opts.autoStart,
    projectOrg: project.organization || undefined,
  });
  const response = await withBackend(
    backend.selection,
    () =>
      makeClient(backend.channel, ResourceServiceDefinition).apply({
        org: backend.selection.org,
        project: project.name,
        prune: opts.prune ?? false,
        resources: resources.map((r) => ({
          kind: r.kind,
          name: r.name,
          labels: r.labels,
          annotations: r.annotations,
          specJson: JSON.stringify(r.spec),
          sourceFile: displayPath(r.source.file, Deno.cwd()),
          sourceLine: r.source.line,
        })),
      }),
  );
  backend.channel.close();
  if (response.diagnostics.length > 0) {
    throw new ValidationError(
      "the backend refused the batch; nothing applied",
      await Promise.all(response.diagnostics.map((d) => relocate(d, resources))),
    );
  }
  if (opts.json) {
    return printJson(response.results.map((r) => ({
      kind: r.resource?.kind,
      name: r.resource?.metadata?.name,
      action: r.action,
      version: r.resource?.metadata?.version,
      id: r.resource?.metadata?.id,
    })));
  }
  const c = colors();
  const paint: Record<string, (s: string) => string> = {
    CREATED: c.green,
    UPDATED: c.yellow,
    DELETED: c.red,
    UNCHANGED: c.dim,
  };
  writeOut(formatTable(
    ["KIND", "NAME", "ACTION", "VERSION", "ID"],
    response.results.map((r) => [
      r.resource?.kind ?? "",
      r.resource?.metadata?.name ?? "",
      (paint[r.action] ?? String)(r.action),
      String(r.resource?.metadata?.version ?? ""),
      r.resource?.metadata?.id ?? "",
    ]),
  ));
  const counts = new Map<string, number>();
  for (const r of response.results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  success(`Applied: ${[...counts].map(([a, n]) => `${n} ${a.toLowerCase()}`).join(", ")}`);
}
