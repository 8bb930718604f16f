import { parseKind } from "../../model/kind_names.ts";
import { connectBackend } from "../backend.ts";
import { withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { ResourceServiceDefinition } from "../../rpc/gen/stigmer/v1/resource.ts";
import { success } from "../output.ts";

export async function deleteResource(
  kindText: string,
  name: string,
  opts: { org?: string; autoStart?: boolean },
): Promise<void> {
  const kind = parseKind(kindText);
  const backend = await connectBackend({ org: opts.org, autoStart: opts.autoStart });
  try {
    const { resource } = await withBackend(
      backend.selection,
      () =>
        makeClient(backend.channel, ResourceServiceDefinition).delete({
          org: backend.selection.org,
          kind,
          ref: name,
        }),
    );
    success(
      `${kind} ${resource?.metadata?.name ?? name} deleted (${resource?.metadata?.id ?? ""})`,
    );
  } finally {
    backend.channel.close();
  }
}
