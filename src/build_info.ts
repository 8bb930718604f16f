// Filled in by the release workflow before `deno compile`; empty from source.
export const BUILD_COMMIT = "";
