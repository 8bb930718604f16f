// stigmer: the CLI and, re-executed with a hidden command, its own local daemon.
import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  const code = await main(Deno.args);
  // Exit explicitly: open handles (an HTTP/2 session, a timer) must not keep
  // a finished command alive. Commands that fail softly set Deno.exitCode.
  Deno.exit(code || Deno.exitCode);
}
