import { connectBackend } from "../../backend.ts";
import { withBackend } from "../../rpc_errors.ts";
import { makeClient } from "../../../client/grpc_fetch.ts";
import { ExecutionServiceDefinition } from "../../../rpc/gen/stigmer/v1/execution.ts";
import { success } from "../../output.ts";

export async function cancel(
  id: string,
  opts: { org?: string; autoStart?: boolean },
): Promise<void> {
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart, quiet: true });
  try {
    const execution = await withBackend(
      backend.selection,
      () =>
        makeClient(backend.channel, ExecutionServiceDefinition).cancel({
          org: backend.selection.org,
          id,
        }),
    );
    success(`${execution.id} ${execution.phase}`);
  } finally {
    backend.channel.close();
  }
}
