import { connectBackend } from "../../backend.ts";
import { withBackend } from "../../rpc_errors.ts";
import { makeClient } from "../../../client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../../rpc/gen/stigmer/v1/execution.ts";
import { formatTable, info, printJson, writeOut } from "../../output.ts";
import { age } from "../../resource_table.ts";

export async function list(
  opts: { json?: boolean; org?: string; autoStart?: boolean },
): Promise<void> {
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart });
  try {
    const page = await withBackend(
      backend.selection,
      () =>
        makeClient(backend.channel, ExecutionServiceDefinition).list({
          org: backend.selection.org,
          pageSize: 50,
          pageToken: "",
        }),
    );
    if (opts.json) return printJson(page.items);
    if (page.items.length === 0) return info("No executions yet: stigmer run <workflow>");
    writeOut(formatTable(
      ["ID", "TARGET", "PHASE", "AGE"],
      page.items.map((e) => [e.id, e.targetName, e.phase, age(e.createdAt)]),
    ));
  } finally {
    backend.channel.close();
  }
}
