import { connectBackend } from "../../backend.ts";
import { explain, withBackend } from "../../rpc_errors.ts";
import { makeClient } from "../../../client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../../rpc/gen/stigmer/v1/execution.ts";
import { follow } from "../../follow.ts";
import { info, printJson, writeOut } from "../../output.ts";

export async function get(
  id: string,
  opts: { json?: boolean; follow?: boolean; org?: string; autoStart?: boolean },
): Promise<void> {
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart, quiet: true });
  const org = backend.selection.org;
  try {
    const client = makeClient(backend.channel, ExecutionServiceDefinition);
    const execution = await withBackend(backend.selection, () => client.get({ org, id }));
    if (opts.follow) {
      let result;
      try {
        result = await follow(backend.channel, org, id, { json: opts.json });
      } catch (err) {
        throw explain(err, backend.selection);
      }
      if (!result.detached && result.phase !== "COMPLETED") Deno.exitCode = 1;
      return;
    }
    const view = {
      ...execution,
      input: execution.inputJson ? JSON.parse(execution.inputJson) : {},
      output: execution.outputJson ? JSON.parse(execution.outputJson) : null,
    };
    const { inputJson: _i, outputJson: _o, ...shown } = view;
    if (opts.json) return printJson(shown);
    for (const [key, value] of Object.entries(shown)) {
      if (value === "" || value === null) continue;
      writeOut(
        `${`${key}:`.padEnd(13)}${typeof value === "object" ? JSON.stringify(value) : value}`,
      );
    }
    if (execution.phase === "RUNNING" || execution.phase === "PENDING") {
      info(`Follow it: stigmer executions get ${id} --follow`);
    }
  } finally {
    backend.channel.close();
  }
}
