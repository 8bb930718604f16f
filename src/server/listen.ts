// Binding a grpc-js server, with the failure reasons people need to act on.
import * as grpc from "@grpc/grpc-js";

export class AddressInUseError extends Error {}

/** Binds and returns the port (useful when asked for port 0). */
export function bind(
  server: grpc.Server,
  address: string,
  credentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (!err) return resolve(port);
      if (/EADDRINUSE|address already in use/i.test(err.message)) {
        reject(new AddressInUseError(`${address} is already in use by another program`));
      } else reject(err);
    });
  });
}

/** Server options shared by the daemon and the shared server. */
export const SERVER_OPTIONS: grpc.ServerOptions = {
  // Bounded streams per connection: Deno's HTTP/2 layer has aborted under
  // about 1,000 concurrent streams closing at once (see BENCHMARKS.md).
  "grpc.max_concurrent_streams": 100,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
};
