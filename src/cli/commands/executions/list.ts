import { connectBackend } from "../../backend.ts";
import { withBackend } from "../../rpc_errors.ts";
import { makeClient } from "../../../client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../../rpc/gen/stigmer/v1/execution.ts";
import { formatTable, info, printJson, writeOut } from "../../output.ts";
import { age } from "../../resource_table.ts";

export interface ExecutionListOptions {
  /** table, json or yaml, as `get -o`; `--json` is `-o json`. */
  output?: "table" | "json" | "yaml";
  json?: boolean;
  org?: string;
  autoStart?: boolean;
}

export async function list(opts: ExecutionListOptions): Promise<void> {
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
    const output = opts.json ? "json" : opts.output ?? "table";
    if (output === "json") return printJson(page.items);
    if (output === "yaml") {
      const { stringify } = await import("yaml");
      return writeOut(stringify(page.items).trimEnd());
    }
    if (page.items.length === 0) return info("No executions yet: stigmer run <workflow>");
    writeOut(
      await formatTable(
        ["ID", "TARGET", "PHASE", "AGE"],
        page.items.map((e) => [e.id, e.targetName, e.phase, age(e.createdAt)]),
      ),
    );
  } finally {
    backend.channel.close();
  }
}
