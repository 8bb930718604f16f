// The `postgres` driver (3.4.9) can throw from a timer after a connection has
// dropped: `socket.write` on a socket it already released ("Cannot read
// properties of null (reading 'write')", connection.js nextWrite). The failing
// query has already been rejected and reported as "database unavailable", so
// this one stray error is dropped instead of taking the process down. Anything
// else stays uncaught.

let installed = false;

function isDriverWriteRace(error: unknown): boolean {
  return error instanceof TypeError &&
    /reading 'write'/.test(error.message) &&
    /postgres\/[\d.]+\/src\/connection\.js/.test(error.stack ?? "");
}

export function installPostgresDriverGuard(): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("error", (event) => {
    if (isDriverWriteRace(event.error)) event.preventDefault();
  });
}
