// What a failed call means to the user, and what to do about it.
import { GrpcError, Status } from "../rpc/status.ts";
import { BackendUnavailableError, RemoteError, StigmerError, UsageError } from "../errors.ts";
import type { BackendSelection } from "../config/backend_mode.ts";

export function explain(err: unknown, selection: BackendSelection): unknown {
  if (!(err instanceof GrpcError)) return err;
  const local = selection.type === "local";
  switch (err.code) {
    case Status.UNAVAILABLE:
    case Status.DEADLINE_EXCEEDED:
      return new BackendUnavailableError(err.details, {
        hint: local
          ? "see: stigmer server status, and stigmer server logs"
          : `check the endpoint ${selection.endpoint} and your network`,
      });
    case Status.UNAUTHENTICATED:
      return new StigmerError(err.details, {
        hint: local ? "restart the daemon: stigmer server restart" : "run: stigmer login",
      });
    case Status.PERMISSION_DENIED:
      return new StigmerError(err.details, {
        hint:
          "choose an organization your token may use: --org <org> or stigmer context set --org <org>",
      });
    case Status.INVALID_ARGUMENT:
      return new UsageError(err.details);
    case Status.NOT_FOUND:
      return new RemoteError(err.code, err.details);
    default:
      return new RemoteError(err.code, err.details, {
        hint: local ? "see the daemon's log: stigmer server logs" : undefined,
      });
  }
}

/** Runs calls against the backend, translating their errors. */
export async function withBackend<T>(
  selection: BackendSelection,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explain(err, selection);
  }
}
