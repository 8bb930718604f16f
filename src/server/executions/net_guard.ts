// The local daemon reaches only the hosts it was allowed (SPEC §1): a workflow
// calling any other host gets an error that says how to allow it, instead of
// Deno's permission message.

export function guardedFetch(inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) {
        const url = new URL(input instanceof Request ? input.url : String(input));
        throw new Error(
          `the local daemon may not reach ${url.host}; allow it with: ` +
            `stigmer config set backend.local.allowed_hosts ${url.hostname} ` +
            `(comma-separated, "*" for any), then: stigmer server restart`,
        );
      }
      throw err;
    }
  };
}
