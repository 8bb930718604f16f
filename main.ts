// stigmer: the CLI and, re-executed with a hidden command, its own local daemon.
import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  const code = await main(Deno.args);
  // Exit explicitly: the daemon keeps running on its own until it is stopped.
  if (code !== 0 || Deno.args[0] !== "__daemon") Deno.exit(code);
}
