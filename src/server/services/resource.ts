// ResourceService: validates what the CLI sends (the server never trusts its
// clients) and applies the batch in one transaction, in which the store also
// checks every reference. A refused batch is an error status whose message
// names each problem at file:line, with the same problems as Diagnostics in the
// trailer the CLI reads to point at the field.
import {
  type ApplyRequest,
  type ApplyResponse,
  Diagnostics,
  type ResourceServiceDefinition,
} from "../../rpc/gen/stigmer/v1/resource.ts";
import type { Handlers } from "../grpc_adapter.ts";
import type { ResourceStore } from "../../store/store.ts";
import { MissingReferencesError } from "../../store/errors.ts";
import { DIAGNOSTICS_TRAILER, GrpcError, Status } from "../../rpc/status.ts";
import { manifestFromValue, prepareWorkflowCheck } from "../../project/manifest_value.ts";
import { formatKeyPath } from "../../model/problems.ts";
import { missingReferenceMessage, type Reference, referencesOf } from "../../model/references.ts";
import { API_VERSION, type Kind, type Resource, type ResourceInput } from "../../model/resource.ts";
import { type Diagnostic, formatDiagnostic } from "../../errors.ts";
import { parseKind } from "../../model/kind_names.ts";
import { resourceToWire } from "../convert.ts";
import { requireOrg } from "./org_access.ts";
import { formatBytes, MAX_BATCH_BYTES, utf8Length } from "../../model/limits.ts";

/** Kept well under HTTP/2 header limits; the message says how many more there were. */
const MAX_SENT = 50;
const MAX_IN_MESSAGE = 10;

function kindOf(text: string): Kind {
  try {
    return parseKind(text);
  } catch (err) {
    throw new GrpcError(Status.INVALID_ARGUMENT, (err as Error).message);
  }
}

/** The kind as written, or its canonical name: only to see whether a batch holds workflows. */
function kindName(text: string): string {
  try {
    return parseKind(text);
  } catch {
    return text;
  }
}

/** A refused batch: every problem in the message (some) and in the trailer (more). */
function refuse(code: number, summary: string, diagnostics: Diagnostic[]): GrpcError {
  const shown = diagnostics.slice(0, MAX_IN_MESSAGE).map(formatDiagnostic);
  const more = diagnostics.length - shown.length;
  const text = [summary, ...shown, ...(more > 0 ? [`… and ${more} more`] : [])].join("\n");
  const sent = Diagnostics.encode({
    diagnostics: diagnostics.slice(0, MAX_SENT),
    total: diagnostics.length,
  }).finish();
  return new GrpcError(code, text, { metadata: { [DIAGNOSTICS_TRAILER]: sent } });
}

interface Checked {
  inputs: ResourceInput[];
  /** Per input, its references with where they are written. */
  references: Reference[][];
}

/** Parses and validates each resource once; throws INVALID_ARGUMENT with every problem. */
function checkRequest(request: ApplyRequest): Checked {
  const inputs: ResourceInput[] = [];
  const references: Reference[][] = [];
  const diagnostics: Diagnostic[] = [];
  for (const input of request.resources) {
    const source = { file: input.sourceFile || "(request)", line: input.sourceLine };
    let spec: unknown;
    try {
      spec = input.specJson ? JSON.parse(input.specJson) : {};
    } catch {
      diagnostics.push({ ...source, column: 0, path: "spec", message: "is not valid JSON" });
      continue;
    }
    const result = manifestFromValue({
      apiVersion: API_VERSION,
      kind: input.kind,
      metadata: {
        name: input.name,
        ...(Object.keys(input.labels).length ? { labels: input.labels } : {}),
        ...(Object.keys(input.annotations).length ? { annotations: input.annotations } : {}),
      },
      spec,
    }, source);
    diagnostics.push(...result.diagnostics);
    for (const { kind, name, labels, annotations, spec } of result.resources) {
      const refs = referencesOf({ kind, spec });
      inputs.push({
        kind,
        name,
        labels,
        annotations,
        spec,
        project: request.project,
        references: refs,
      });
      references.push(refs);
    }
  }
  if (diagnostics.length > 0) {
    throw refuse(Status.INVALID_ARGUMENT, "the batch is invalid; nothing applied", diagnostics);
  }
  return { inputs, references };
}

/** Missing references, located at the resource that holds them (file:line) and the field. */
function missingDiagnostics(
  request: ApplyRequest,
  checked: Checked,
  error: MissingReferencesError,
  org: string,
): Diagnostic[] {
  return error.missing.map(({ input, reference }) => {
    const sent = request.resources[input];
    const ref = checked.references[input][reference];
    return {
      file: sent.sourceFile || "(request)",
      line: sent.sourceLine,
      column: 0,
      path: formatKeyPath(ref.path),
      message: missingReferenceMessage(ref, `in this batch or in organization ${org}`),
    };
  });
}

async function applyBatch(
  store: ResourceStore,
  org: string,
  request: ApplyRequest,
): Promise<ApplyResponse> {
  // Workflows are checked by the engine (the DSL's schema, then preparation): load it if needed.
  await prepareWorkflowCheck(request.resources.map((r) => kindName(r.kind)).join(" "));
  const checked = checkRequest(request);
  if (request.prune && !request.project) {
    throw new GrpcError(
      Status.INVALID_ARGUMENT,
      "--prune needs a project name (Stigmer.yaml name)",
    );
  }
  try {
    const { outcomes, pruned } = await store.applyBatch(org, checked.inputs, {
      pruneProject: request.prune ? request.project : undefined,
    });
    return {
      results: [
        ...outcomes.map(({ action, resource }) => ({ action, resource })),
        ...pruned.map((resource) => ({ action: "DELETED", resource })),
      ].map(({ action, resource: { kind, metadata: { name, version, id } } }) => ({
        action,
        kind,
        name,
        version,
        id,
      })),
    };
  } catch (err) {
    if (!(err instanceof MissingReferencesError)) throw err;
    throw refuse(
      Status.FAILED_PRECONDITION,
      "a reference names no resource; nothing applied",
      missingDiagnostics(request, checked, err, org),
    );
  }
}

/** The batch limit, on what the client sent (the CLI checked it already, with file:line). */
function refuseLargeBatch(
  inputs: readonly {
    name: string;
    specJson: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }[],
): void {
  let total = 0;
  for (const input of inputs) {
    total += utf8Length(input.name) + utf8Length(input.specJson) +
      utf8Length(JSON.stringify(input.labels)) + utf8Length(JSON.stringify(input.annotations));
  }
  if (total > MAX_BATCH_BYTES) {
    throw new GrpcError(
      Status.RESOURCE_EXHAUSTED,
      `the batch is ${formatBytes(total)}; one apply may send at most ${
        formatBytes(MAX_BATCH_BYTES)
      }: split it into several applies`,
    );
  }
}

/** What the process serving resources adds: the scheduler (local daemon) hears of changes. */
export interface ResourceHooks {
  /** Workflows of `org` were applied or deleted (awaited: a `get` right after sees the result). */
  changed?(org: string): Promise<void>;
  /** Extra status fields shown with a resource (a workflow's next scheduled start). */
  status?(org: string, resource: Resource): Record<string, unknown> | undefined;
}

export function resourceHandlers(
  store: ResourceStore,
  hooks: ResourceHooks = {},
): Handlers<typeof ResourceServiceDefinition> {
  const toWire = (org: string, resource: Resource) => {
    const extra = hooks.status?.(org, resource);
    return resourceToWire(
      extra ? { ...resource, status: { ...resource.status, ...extra } } : resource,
    );
  };
  return {
    apply: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      refuseLargeBatch(request.resources);
      const applied = await applyBatch(store, org, request);
      await hooks.changed?.(org);
      return applied;
    },
    get: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const kind = kindOf(request.kind);
      const resource = await store.get(org, kind, request.ref);
      if (!resource) {
        throw new GrpcError(
          Status.NOT_FOUND,
          `${kind} "${request.ref}" not found in organization ${org}`,
        );
      }
      return toWire(org, resource);
    },
    list: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const page = await store.list(org, {
        kind: request.kind ? kindOf(request.kind) : undefined,
        labels: request.labels,
        pageSize: request.pageSize || undefined,
        pageToken: request.pageToken || undefined,
      });
      return {
        items: page.items.map((r) => toWire(org, r)),
        nextPageToken: page.nextPageToken,
      };
    },
    delete: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const kind = kindOf(request.kind);
      const resource = await store.delete(org, kind, request.ref);
      if (!resource) {
        throw new GrpcError(
          Status.NOT_FOUND,
          `${kind} "${request.ref}" not found in organization ${org}`,
        );
      }
      await hooks.changed?.(org);
      return { resource: resourceToWire(resource) };
    },
  };
}
