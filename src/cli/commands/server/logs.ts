import { tailLines } from "../../../rpc/log_tail.ts";
import { UsageError } from "../../../errors.ts";
import { info, writeOut } from "../../output.ts";
import { localDaemon } from "./shared.ts";

export async function logs(opts: { follow?: boolean; lines: string }): Promise<void> {
  const count = Number(opts.lines);
  if (!Number.isInteger(count) || count < 0) {
    throw new UsageError(`--lines expects a whole number, got "${opts.lines}"`);
  }
  const { paths } = await localDaemon();
  const lines = tailLines(paths.daemonLog, count);
  if (lines.length === 0 && !opts.follow) {
    info(`No log yet at ${paths.daemonLog}`);
    return;
  }
  if (lines.length > 0) writeOut(lines.join("\n"));
  if (!opts.follow) return;
  // Follow by size: a rotation (daemon restart) starts again from the top.
  let offset = (() => {
    try {
      return Deno.statSync(paths.daemonLog).size;
    } catch {
      return 0;
    }
  })();
  const decoder = new TextDecoder();
  while (true) {
    await new Promise((r) => setTimeout(r, 250));
    let size: number;
    try {
      size = Deno.statSync(paths.daemonLog).size;
    } catch {
      continue;
    }
    if (size < offset) offset = 0;
    if (size === offset) continue;
    const file = Deno.openSync(paths.daemonLog);
    file.seekSync(offset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(size - offset);
    const read = file.readSync(buffer) ?? 0;
    file.close();
    offset += read;
    Deno.stdout.writeSync(new TextEncoder().encode(decoder.decode(buffer.subarray(0, read))));
  }
}
