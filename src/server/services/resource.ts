// ResourceService: validates what the CLI sends (the server never trusts its
// clients), checks references against the batch and the store, and applies
// the batch in one transaction.
import type { ResourceServiceDefinition } from "../../rpc/gen/stigmer/v1/resource.ts";
import type { Handlers } from "../grpc_adapter.ts";
import type { ResourceStore } from "../../store/store.ts";
import { GrpcError, Status } from "../../rpc/status.ts";
import {
  type DeclaredResource,
  manifestFromValue,
  prepareWorkflowCheck,
  toResourceInput,
} from "../../project/manifest.ts";
import { checkBatch, type KnownNames } from "../../project/project.ts";
import { referencedNames } from "../../model/references.ts";
import { API_VERSION, type Kind } from "../../model/resource.ts";
import type { Diagnostic } from "../../errors.ts";
import { parseKind } from "../../model/kind_names.ts";
import { resourceToWire } from "../convert.ts";
import { requireOrg } from "./org_access.ts";

function kindOf(text: string): Kind {
  try {
    return parseKind(text);
  } catch (err) {
    throw new GrpcError(Status.INVALID_ARGUMENT, (err as Error).message);
  }
}

function kindName(text: string): string {
  try {
    return parseKind(text);
  } catch {
    return text;
  }
}

export function resourceHandlers(store: ResourceStore): Handlers<typeof ResourceServiceDefinition> {
  return {
    apply: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const declared: DeclaredResource[] = [];
      const diagnostics: Diagnostic[] = [];
      await prepareWorkflowCheck(request.resources.map((r) => kindName(r.kind)).join(" "));
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
        declared.push(...result.resources);
        diagnostics.push(...result.diagnostics);
      }
      if (diagnostics.length === 0) {
        const known: KnownNames = {};
        for (const [kind, names] of referencedNames(declared)) {
          const found: string[] = [];
          for (const name of names) if (await store.get(org, kind, name)) found.push(name);
          known[kind] = found;
        }
        diagnostics.push(...checkBatch(declared, known));
      }
      if (diagnostics.length > 0) return { results: [], diagnostics };
      if (request.prune && !request.project) {
        throw new GrpcError(
          Status.INVALID_ARGUMENT,
          "--prune needs a project name (Stigmer.yaml name)",
        );
      }
      const { outcomes, pruned } = await store.applyBatch(
        org,
        declared.map((r) => toResourceInput(r, request.project)),
        { pruneProject: request.prune ? request.project : undefined },
      );
      return {
        results: [
          ...outcomes.map((o) => ({ action: o.action, resource: resourceToWire(o.resource) })),
          ...pruned.map((r) => ({ action: "DELETED", resource: resourceToWire(r) })),
        ],
        diagnostics: [],
      };
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
      return resourceToWire(resource);
    },
    list: async (request, ctx) => {
      const org = requireOrg(ctx.principal, request.org);
      const page = await store.list(org, {
        kind: request.kind ? kindOf(request.kind) : undefined,
        labels: request.labels,
        pageSize: request.pageSize || undefined,
        pageToken: request.pageToken || undefined,
      });
      return { items: page.items.map(resourceToWire), nextPageToken: page.nextPageToken };
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
      return { resource: resourceToWire(resource) };
    },
  };
}
