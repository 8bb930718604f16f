// Slugs identify resources inside an organization (SPEC §7). Kept free of heavy
// imports: the daemon and the store use it on every apply.

/** The longest name (and so slug) a resource may have, like a DNS label. */
export const MAX_NAME_LENGTH = 63;

/**
 * Turns a resource name into its slug: lowercase, whitespace to `-`, other
 * characters that are not `a-z`, `0-9` or `-` dropped, repeated `-` folded and
 * leading/trailing `-` trimmed. Accents are folded first ("Café" → "cafe") so
 * that a readable name keeps a readable slug.
 */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\s+/g, "-")
    .replace(/[^a-z0-9-]/g, "")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
}
