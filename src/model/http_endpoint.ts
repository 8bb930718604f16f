// `call: http` speaks http and https only: fetch would also read file: and
// data: URLs, and a refused one must say so plainly (issue 16).

/** The scheme of a URI that call: http does not speak (`file:`, `data:`…), if any. */
export function unsupportedScheme(uri: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri.trim())?.[1].toLowerCase();
  return scheme && scheme !== "http" && scheme !== "https" ? `${scheme}:` : undefined;
}

export function unsupportedSchemeMessage(scheme: string, uri: string): string {
  return `call: http reaches http and https endpoints only; the "${scheme}" scheme is not supported (${uri})`;
}
