// JSON with object keys sorted at every level, so that two values that mean the
// same thing serialize to the same string whatever order their keys came in.

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  // toJSON first (Date and friends), as JSON.stringify would.
  const plain = typeof (value as { toJSON?: unknown }).toJSON === "function"
    ? (value as { toJSON(): unknown }).toJSON()
    : value;
  if (plain === null || typeof plain !== "object" || Array.isArray(plain)) return sortKeys(plain);
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(plain).sort()) {
    sorted[key] = sortKeys((plain as Record<string, unknown>)[key]);
  }
  return sorted;
}
