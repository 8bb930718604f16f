// File paths for the CLI's warm paths. node:path (and node:url) cost about 35 ms of CPU per
// command here (measured: a bare `deno run` 91 ms, with node:path 127–132 ms), and pathe, the
// ESM alternative, costs more (it is resolved as an npm package and reads `process` for cwd).
// So POSIX paths are handled by these few functions, and Windows, where drive letters and
// backslashes need the real thing, loads node:path once at start.
const windows = Deno.build.os === "windows"
  ? await import("node:path").then((m) => m.win32)
  : undefined;

export const sep: string = windows ? windows.sep : "/";

function normalizeParts(path: string, absolute: boolean): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

export function isAbsolute(path: string): boolean {
  return windows ? windows.isAbsolute(path) : path.startsWith("/");
}

export function join(...parts: string[]): string {
  if (windows) return windows.join(...parts);
  const path = parts.filter((p) => p !== "").join("/");
  if (path === "") return ".";
  const normalized = normalizeParts(path, path.startsWith("/"));
  return path.endsWith("/") && normalized !== "/" ? `${normalized}/` : normalized;
}

export function resolve(...parts: string[]): string {
  if (windows) return windows.resolve(...parts);
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !path.startsWith("/"); i--) {
    if (parts[i] !== "") path = path ? `${parts[i]}/${path}` : parts[i];
  }
  if (!path.startsWith("/")) path = `${Deno.cwd()}/${path}`;
  return normalizeParts(path, true);
}

export function dirname(path: string): string {
  if (windows) return windows.dirname(path);
  const trimmed = path.replace(/\/+$/, "") || (path.startsWith("/") ? "/" : "");
  const at = trimmed.lastIndexOf("/");
  if (at === -1) return ".";
  if (at === 0) return "/";
  return trimmed.slice(0, at);
}

export function basename(path: string, suffix?: string): string {
  if (windows) return windows.basename(path, suffix);
  const trimmed = path.replace(/\/+$/, "") || (path.startsWith("/") ? "/" : "");
  const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  return suffix && base !== suffix && base.endsWith(suffix) ? base.slice(0, -suffix.length) : base;
}

export function extname(path: string): string {
  if (windows) return windows.extname(path);
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 || base === ".." ? "" : base.slice(dot);
}

export function relative(from: string, to: string): string {
  if (windows) return windows.relative(from, to);
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...Array(a.length - common).fill(".."), ...b.slice(common)].join("/");
}

/** The path of a file: URL. */
export function fromFileUrl(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "file:") throw new TypeError(`not a file URL: ${u.href}`);
  if (windows) {
    const path = decodeURIComponent(u.pathname).replace(/^\/([A-Za-z]:)/, "$1");
    return (u.hostname ? `\\\\${u.hostname}${path}` : path).replaceAll("/", "\\");
  }
  return decodeURIComponent(u.pathname);
}

/** The file: URL of a path. */
export function toFileUrl(path: string): URL {
  const absolute = resolve(path);
  const url = new URL("file:///");
  // The URL setter encodes what a path may hold except "%", which it would take as an escape.
  const encoded = absolute.replaceAll("%", "%25");
  url.pathname = windows ? `/${encoded.replaceAll("\\", "/")}` : encoded;
  return url;
}
