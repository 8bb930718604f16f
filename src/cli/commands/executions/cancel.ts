import { connectBackend } from "../../backend.ts";
import { withBackend } from "../../rpc_errors.ts";
import { makeClient } from "../../../client/grpc_fetch.ts";
import {
  type Execution,
  ExecutionServiceDefinition,
} from "../../../rpc/gen/stigmer/v1/execution.ts";
import { Status } from "../../../rpc/status.ts";
import { RemoteError } from "../../../errors.ts";
import { TERMINAL_PHASES } from "../../../model/execution.ts";
import { info, success } from "../../output.ts";

const finished = (e: Execution) => (TERMINAL_PHASES as ReadonlySet<string>).has(e.phase);

/** A run that has already ended: say so and how, not an error pointing at the daemon's log. */
function sayFinished(e: Execution): void {
  info(`${e.id} has already finished: it ended ${e.phase}${e.error ? ` (${e.error})` : ""}`);
  info(`Nothing to cancel. See it: stigmer executions get ${e.id}`);
}

export async function cancel(
  id: string,
  opts: { org?: string; autoStart?: boolean },
): Promise<void> {
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart, quiet: true });
  const org = backend.selection.org;
  const client = makeClient(backend.channel, ExecutionServiceDefinition);
  try {
    const before = await withBackend(backend.selection, () => client.get({ org, id }));
    if (finished(before)) return sayFinished(before);
    let execution: Execution;
    try {
      execution = await withBackend(backend.selection, () => client.cancel({ org, id }));
    } catch (err) {
      // It ended between the look and the cancel.
      if (!(err instanceof RemoteError) || err.code !== Status.FAILED_PRECONDITION) throw err;
      const after = await withBackend(backend.selection, () => client.get({ org, id }));
      if (!finished(after)) throw err;
      return sayFinished(after);
    }
    success(`${execution.id} ${execution.phase}`);
  } finally {
    backend.channel.close();
  }
}
