import { VERSION } from "../../version.ts";
import { printJson, writeOut } from "../output.ts";
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
  if (opts.json) return printJson(info);
  writeOut(
    `stigmer ${info.version} (deno ${info.deno}, ${info.target}${
      info.commit ? `, ${info.commit}` : ""
    })`,
  );
}
