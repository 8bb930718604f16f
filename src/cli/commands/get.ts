// stigmer get <kind> [NAME]: a table, JSON or YAML; a list when NAME is absent.
import { parseKind, pluralOf } from "../../model/kind_names.ts";
import { UsageError } from "../../errors.ts";
import { connectBackend } from "../backend.ts";
import { withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { type Resource, ResourceServiceDefinition } from "../../rpc/gen/stigmer/v1/resource.ts";
import { formatTable, info, printJson, writeOut } from "../output.ts";
import { age, resourceDocument } from "../resource_table.ts";

export interface GetOptions {
  output: "table" | "json" | "yaml";
  selector?: string[];
  org?: string;
  autoStart?: boolean;
}

function parseSelector(pairs: string[] = []): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`invalid selector "${pair}": expected label=value`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

/** "in 4s", "on event" or "-" (not scheduled, or not by this backend). */
function nextStart(resource: Resource, now = Date.now()): string {
  const next = resource.statusJson ? JSON.parse(resource.statusJson).nextStart : undefined;
  if (typeof next !== "string") return "-";
  const at = Date.parse(next);
  if (Number.isNaN(at)) return next;
  return `in ${age(new Date(now - Math.max(0, at - now)).toISOString(), now)}`;
}

async function print(resources: Resource[], output: GetOptions["output"], single: boolean) {
  if (output === "json") {
    const docs = resources.map(resourceDocument);
    return printJson(single ? docs[0] : docs);
  }
  if (output === "yaml") {
    const { stringify } = await import("yaml");
    return writeOut(resources.map((r) => stringify(resourceDocument(r))).join("---\n"));
  }
  // Workflows show when their schedule starts them next (the local daemon's scheduler).
  const workflows = resources.length > 0 && resources.every((r) => r.kind === "Workflow");
  writeOut(
    await formatTable(
      ["NAME", "VERSION", "ID", "AGE", "PROJECT", ...(workflows ? ["NEXT START"] : [])],
      resources.map((r) => [
        r.metadata?.name ?? "",
        String(r.metadata?.version ?? ""),
        r.metadata?.id ?? "",
        age(r.metadata?.createdAt ?? ""),
        r.metadata?.project ?? "",
        ...(workflows ? [nextStart(r)] : []),
      ]),
    ),
  );
}

export async function get(
  kindText: string,
  name: string | undefined,
  opts: GetOptions,
): Promise<void> {
  const kind = parseKind(kindText);
  const labels = parseSelector(opts.selector);
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart });
  const client = makeClient(backend.channel, ResourceServiceDefinition);
  const org = backend.selection.org;
  try {
    if (name !== undefined) {
      const resource = await withBackend(
        backend.selection,
        () => client.get({ org, kind, ref: name }),
      );
      return await print([resource], opts.output, true);
    }
    const items: Resource[] = [];
    let pageToken = "";
    do {
      const page = await withBackend(
        backend.selection,
        () => client.list({ org, kind, labels, pageSize: 1000, pageToken }),
      );
      items.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    if (items.length === 0 && opts.output === "table") {
      info(`No ${pluralOf(kind)} found in organization ${org}`);
      return;
    }
    await print(items, opts.output, false);
  } finally {
    backend.channel.close();
  }
}
