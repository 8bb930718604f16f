// Opaque page tokens: base64url of a JSON array holding the last key seen.
// Callers must treat them as opaque; only the store that made one reads it.
import { InvalidInputError } from "./errors.ts";

export function encodePageToken(key: readonly (string | number)[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify(key));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Decodes a token made by encodePageToken whose parts have the given types. */
export function decodePageToken<T extends (string | number)[]>(
  token: string,
  types: { [K in keyof T]: T[K] extends string ? "string" : "number" },
): T {
  try {
    const binary = atob(token.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const key: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (
      Array.isArray(key) && key.length === types.length &&
      key.every((part, i) => typeof part === types[i])
    ) {
      return key as T;
    }
  } catch {
    // Fall through to the one error below.
  }
  throw new InvalidInputError(`invalid page token: ${JSON.stringify(token)}`);
}
