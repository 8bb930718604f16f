// What `stigmer run NAME` says when NAME is neither a workflow nor an agent: the names it
// probably meant, from the backend's own lists, and where to see them all.
import { type Channel, makeClient } from "../client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../rpc/gen/stigmer/v1/resource.ts";
import { RemoteError } from "../errors.ts";
import { didYouMean } from "../model/suggest.ts";

export async function targetNotFound(
  channel: Channel,
  org: string,
  target: string,
  err: RemoteError,
): Promise<RemoteError> {
  const names: string[] = [];
  try {
    const client = makeClient(channel, ResourceServiceDefinition);
    for (const kind of ["Workflow", "Agent"]) {
      const page = await client.list({ org, kind, labels: {}, pageSize: 1000, pageToken: "" });
      names.push(...page.items.map((r) => r.metadata?.name ?? "").filter((n) => n !== ""));
    }
  } catch {
    // The suggestion is a courtesy: the not-found error stands without it.
  }
  const guess = didYouMean(target, names);
  return new RemoteError(err.code, err.message, {
    hint: `${guess ? `${guess} ` : ""}see: stigmer get workflows (or: stigmer get agents)`,
    cause: err,
  });
}
