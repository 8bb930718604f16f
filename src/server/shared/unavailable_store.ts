// A store whose database is out of reach answers UNAVAILABLE (try again
// later), not INTERNAL: the request was fine and nothing was written.
import { GrpcError, Status } from "../../rpc/status.ts";
import { StoreUnavailableError } from "../../store/postgres_errors.ts";
import type { ResourceStore } from "../../store/store.ts";

export function mapUnavailable(store: ResourceStore): ResourceStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (err) {
          if (err instanceof StoreUnavailableError) {
            throw new GrpcError(Status.UNAVAILABLE, err.message);
          }
          throw err;
        }
      };
    },
  });
}
