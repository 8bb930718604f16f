// `stigmer server token create`: a new token for the shared server. Only its
// hash goes into the tokens file; the token itself is printed once.
import { lazyImport } from "../../../lazy_import.ts";
import { resolve } from "node:path";
import { success, writeOut } from "../../output.ts";

export async function create(opts: { name: string; org: string[]; tokens: string }) {
  const { addToken } = await lazyImport<typeof import("../../../server/tokens.ts")>(
    "../../../server/tokens.ts",
    import.meta.url,
  );
  const path = resolve(opts.tokens);
  const token = addToken(path, opts.name, opts.org);
  writeOut(token);
  success(
    `Token "${opts.name}" added to ${path} for ${opts.org.join(", ")}. ` +
      "It is shown only now: store it safely.",
  );
}
