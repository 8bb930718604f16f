// `stigmer ui [--no-open]`: the local daemon's run viewer (SPEC §12) in the browser. The daemon
// (started like for any backend command) serves it on 127.0.0.1 and hands out a link with a
// one-time token; the link goes to stdout, and the platform's opener gets it unless --no-open.
import { connectBackend, resolveSelection } from "../backend.ts";
import { withBackend } from "../rpc_errors.ts";
import { makeClient } from "../../client/grpc_fetch.ts";
import { DaemonServiceDefinition } from "../../rpc/gen/stigmer/v1/daemon.ts";
import { RemoteError, StigmerError } from "../../errors.ts";
import { Status } from "../../rpc/status.ts";
import { info, warn, writeOut } from "../output.ts";

export interface UiOptions {
  open: boolean;
  autoStart: boolean;
}

/** The command that opens a URL in the default browser on this platform. */
export function opener(url: string, os: typeof Deno.build.os = Deno.build.os): string[] {
  if (os === "darwin") return ["open", url];
  // `start` is a cmd builtin whose first quoted argument is a window title: an empty one
  // (an empty argument reaches cmd as ""). The link holds no & or other cmd metacharacter.
  if (os === "windows") return ["cmd", "/c", "start", "", url];
  return ["xdg-open", url];
}

/** How long an opener may run before we leave it be (some stay up as long as the browser). */
const OPENER_PATIENCE_MS = 3000;

/** Starts the opener; resolves with a reason when it could not open the URL. */
export async function openInBrowser(url: string): Promise<string | undefined> {
  const [command, ...args] = opener(url);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (err) {
    return err instanceof Deno.errors.NotFound
      ? `${command} was not found`
      : `${command} could not start: ${(err as Error).message}`;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    child.status,
    new Promise<"running">((resolve) =>
      timer = setTimeout(() => resolve("running"), OPENER_PATIENCE_MS)
    ),
  ]);
  clearTimeout(timer);
  if (waited === "running") {
    child.unref();
    return undefined;
  }
  return waited.success ? undefined : `${command} exited with code ${waited.code}`;
}

/** How long a link is good (the viewer's TOKEN_TTL_MS, src/viewer/server.ts). */
const LINK_LIFE = "within 5 minutes";

export async function ui(opts: UiOptions): Promise<void> {
  const { selection } = await resolveSelection({});
  if (selection.type !== "local") {
    throw new StigmerError(
      "the run viewer shows the local daemon's runs, and the backend is cloud",
      { hint: "switch to the local backend first: stigmer backend use local" },
    );
  }
  const backend = await connectBackend({ autoStart: opts.autoStart, quiet: true });
  let url: string;
  try {
    const client = makeClient(backend.channel, DaemonServiceDefinition);
    try {
      ({ url } = await withBackend(backend.selection, () => client.openViewer({})));
    } catch (err) {
      if (err instanceof RemoteError && err.code === Status.UNIMPLEMENTED) {
        throw new StigmerError("the running daemon has no run viewer", {
          hint: "restart it with this version: stigmer server restart",
        });
      }
      throw err;
    }
  } finally {
    backend.channel.close();
  }
  if (!opts.open) {
    info(`Open this link in a browser (it works once, ${LINK_LIFE}):`);
    writeOut(url);
    return;
  }
  info(`Opening the run viewer in your browser (the link works once, ${LINK_LIFE}):`);
  writeOut(url);
  const failed = await openInBrowser(url);
  if (failed) warn(`could not open a browser (${failed}): open the link above yourself`);
}
