import { VERSION } from "../../version.ts";
import { BUILD_COMMIT } from "../../build_info.ts";

export function versionInfo() {
  return {
    version: VERSION,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    target: Deno.build.target,
    commit: BUILD_COMMIT,
    compiled: isCompiled(),
  };
}

/** A `deno compile`d binary runs itself, not the deno executable. */
export function isCompiled(): boolean {
  return !/(^|\/)deno(\.exe)?$/.test(Deno.execPath());
}

export function version(opts: { json?: boolean }): void {
  const info = versionInfo();
  // console.log, not output.ts: `version` skips the parser and the Node layer (main.ts).
  if (opts.json) return console.log(JSON.stringify(info, null, 2));
  console.log(
    `stigmer ${info.version} (deno ${info.deno}, ${info.target}${
      info.commit ? `, ${info.commit}` : ""
    })`,
  );
}
