// Handlers whose module loads on the first call: an idle daemon then holds only
// what it has served (the resource service's validation brings zod's schemas,
// about 25 MiB of an idle daemon's RSS measured here).
import type { ServiceDefinition } from "../rpc/service.ts";
import type { Handlers } from "./grpc_adapter.ts";

export function lazyHandlers<S extends ServiceDefinition>(
  service: S,
  load: () => Promise<Handlers<S>>,
): Handlers<S> {
  let loaded: Promise<Handlers<S>> | undefined;
  const handlers: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const key of Object.keys(service.methods)) {
    handlers[key] = async (...args) => {
      loaded ??= load();
      const real = (await loaded) as unknown as Record<string, (...a: unknown[]) => unknown>;
      return await real[key](...args);
    };
  }
  return handlers as unknown as Handlers<S>;
}
