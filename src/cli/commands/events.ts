// stigmer events emit: publishes one CloudEvent on the backend's event bus, where it wakes
// the `listen` tasks and event-driven schedules of the organization.
import { connectBackend } from "../backend.ts";
import { withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { EventServiceDefinition } from "../../rpc/gen/stigmer/v1/event.ts";
import { UsageError } from "../../errors.ts";
import { printJson, success } from "../output.ts";

export interface EmitOptions {
  type: string;
  source: string;
  data?: string;
  subject?: string;
  id?: string;
  json?: boolean;
  org?: string;
  autoStart?: boolean;
}

export async function emit(opts: EmitOptions): Promise<void> {
  if (!opts.type.trim()) throw new UsageError("--type needs a value, e.g. --type com.example.ping");
  if (!opts.source.trim()) {
    throw new UsageError("--source needs a value, e.g. --source urn:me");
  }
  if (opts.data !== undefined) {
    try {
      JSON.parse(opts.data);
    } catch (error) {
      throw new UsageError(
        `--data is not valid JSON (${(error as Error).message}); quote text like '"hello"'`,
      );
    }
  }
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart, quiet: true });
  const org = backend.selection.org;
  const client = makeClient(backend.channel, EventServiceDefinition);
  try {
    const response = await withBackend(backend.selection, () =>
      client.emit({
        org,
        type: opts.type,
        source: opts.source,
        id: opts.id ?? "",
        subject: opts.subject ?? "",
        dataJson: opts.data ?? "",
      }));
    const event = JSON.parse(response.eventJson);
    if (opts.json) return printJson({ event, delivered: response.delivered });
    success(
      `Emitted ${event.type} (${event.id}) to ${response.delivered} listener${
        response.delivered === 1 ? "" : "s"
      } in ${org}`,
    );
  } finally {
    backend.channel.close();
  }
}
