// stigmer apply: load and validate the project locally, then hand the whole
// batch to the backend, which checks references and applies it atomically.
// The loader and validator (YAML, zod) are imported only when the project
// changed since the last apply: see project_cache.ts.
import { lazyImport } from "../../lazy_import.ts";
import type { LoadedProject } from "../../project/project.ts";
import type { DeclaredResource } from "../../project/manifest_value.ts";
import { type CheckedProject, readCachedProject, writeCachedProject } from "../project_cache.ts";
import { type Diagnostic, formatDiagnostic, UsageError, ValidationError } from "../../errors.ts";
import { connectBackend } from "../backend.ts";
import { explain } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { DIAGNOSTICS_TRAILER, GrpcError } from "../../rpc/status.ts";
import {
  type ApplyResponse,
  Diagnostics,
  ResourceServiceDefinition,
} from "../../rpc/gen/stigmer/v1/resource.ts";
import { colors, formatTable, info, printJson, success, warn, writeOut } from "../output.ts";
import { displayPath } from "../../project/paths.ts";
import { loadConfig } from "../../config/config.ts";
import { protectedFiles } from "../../config/paths.ts";
import { readEnvironment } from "../../config/environment.ts";

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
 * What can be checked without a backend, in one pass: duplicates are errors
 * (thrown, before anything starts); names not in the batch come back as notes,
 * for the backend to resolve in its apply transaction.
 */
async function localCheck(resources: DeclaredResource[]): Promise<string[]> {
  const [{ checkBatch }, { batchSizeDiagnostics }] = await Promise.all([
    lazyImport<typeof import("../../project/batch.ts")>("../../project/batch.ts", import.meta.url),
    lazyImport<typeof import("../../project/batch_size.ts")>(
      "../../project/batch_size.ts",
      import.meta.url,
    ),
  ]);
  const checked = checkBatch(resources);
  const errors = [...checked.errors, ...batchSizeDiagnostics(resources)];
  const unresolved = checked.unresolved;
  if (errors.length > 0) {
    throw new ValidationError("the project has errors; nothing applied", errors);
  }
  return unresolved.map((d) => `${formatDiagnostic(d)} (apply will look in the backend)`);
}

/**
 * The backend only knows where each resource starts (the file:line sent with
 * it); point its diagnostics at the field, as local ones do.
 */
async function relocate(
  diagnostic: Diagnostic,
  resources: DeclaredResource[],
): Promise<Diagnostic> {
  const [{ locateInManifest }, { parseKeyPath }] = await Promise.all([
    lazyImport<typeof import("../../project/manifest.ts")>(
      "../../project/manifest.ts",
      import.meta.url,
    ),
    lazyImport<typeof import("../../model/problems.ts")>(
      "../../model/problems.ts",
      import.meta.url,
    ),
  ]);
  const resource = resources.find((r) =>
    r.source.file === diagnostic.file && r.source.line === diagnostic.line
  );
  if (!resource || !diagnostic.path) return diagnostic;
  return { ...diagnostic, ...await locateInManifest(resource, parseKeyPath(diagnostic.path)) };
}

/** A batch the backend refused, with its problems at file:line:column. */
async function refusal(err: unknown, resources: DeclaredResource[]): Promise<unknown> {
  if (!(err instanceof GrpcError)) return err;
  const trailer = err.metadata[DIAGNOSTICS_TRAILER];
  if (!trailer) return err;
  const { diagnostics, total } = Diagnostics.decode(trailer);
  if (diagnostics.length === 0) return err;
  const more = total - diagnostics.length;
  return new ValidationError(
    err.details.split("\n")[0],
    await Promise.all(diagnostics.map((d) => relocate(d, resources))),
    more > 0 ? { hint: `${more} more problems not shown; fix these and apply again` } : {},
  );
}

/** Loads and checks the project, or takes it from the cache when nothing changed. */
async function loadChecked(opts: ApplyOptions): Promise<CheckedProject> {
  const cacheable = !opts.file?.length;
  const cached = cacheable ? await readCachedProject(opts.dir) : undefined;
  if (cached) return cached;
  const { loadProject } = await lazyImport<typeof import("../../project/project.ts")>(
    "../../project/project.ts",
    import.meta.url,
  );
  // A broken config.yaml is reported by the commands that use it; a dry run still checks.
  const home = readEnvironment().home;
  const dataDir = await loadConfig().then((c) => c.local.dataDir, () => `${home}/data`);
  const files: Record<string, string> = {};
  const listings: Record<string, string> = {};
  const project = await loadProject({
    dir: opts.dir,
    files: opts.file,
    onRead: (path, text) => (files[path] = text),
    onListing: (dir, listing) => (listings[dir] = listing),
    codeMode: { protection: protectedFiles(home, dataDir) },
  });
  const checked = { project, notes: await localCheck(project.resources) };
  if (cacheable) await writeCachedProject(checked, files, listings);
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
    writeOut(
      await formatTable(
        ["KIND", "NAME", "SOURCE"],
        resources.map((
          r,
        ) => [r.kind, r.name, `${displayPath(r.source.file, Deno.cwd())}:${r.source.line}`]),
      ),
    );
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
    // The project loaded (not the one around the current directory); "" when it names none.
    projectOrg: project.organization,
  });
  const request = {
    org: backend.selection.org,
    project: project.name,
    prune: opts.prune ?? false,
    resources: resources.map((r) => ({
      kind: r.kind,
      name: r.name,
      labels: r.labels,
      annotations: r.annotations,
      specJson: JSON.stringify(r.spec),
      sourceFile: r.source.file,
      sourceLine: r.source.line,
    })),
  };
  let response: ApplyResponse;
  try {
    response = await makeClient(backend.channel, ResourceServiceDefinition).apply(request);
  } catch (err) {
    throw explain(await refusal(err, resources), backend.selection);
  } finally {
    backend.channel.close();
  }
  if (opts.json) {
    return printJson(response.results.map(({ kind, name, action, version, id }) => ({
      kind,
      name,
      action,
      version,
      id,
    })));
  }
  const c = colors();
  const paint: Record<string, (s: string) => string> = {
    CREATED: c.green,
    UPDATED: c.yellow,
    DELETED: c.red,
    UNCHANGED: c.dim,
  };
  writeOut(
    await formatTable(
      ["KIND", "NAME", "ACTION", "VERSION", "ID"],
      response.results.map((r) => [
        r.kind,
        r.name,
        r.action,
        String(r.version),
        r.id,
      ]),
      { 2: (action) => (paint[action] ?? String)(action) },
    ),
  );
  const counts = new Map<string, number>();
  for (const r of response.results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  success(`Applied: ${[...counts].map(([a, n]) => `${n} ${a.toLowerCase()}`).join(", ")}`);
}
