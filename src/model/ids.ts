// Resource and execution ids: `<prefix>-<lowercase ULID>` (SPEC §7). Kept free
// of heavy imports: the daemon and the store use it on every write.
import { monotonicFactory } from "ulid";

// Monotonic, so ids made in the same millisecond still sort in creation order.
const nextUlid = monotonicFactory();

const ID_PATTERN = /^([a-z]+)-([0-9a-hjkmnp-tv-z]{26})$/;

/** A new id such as `agt-01j9zq3k4m5n6p7q8r9s0t1v2w`. */
export function newId(prefix: string): string {
  return `${prefix}-${nextUlid().toLowerCase()}`;
}

/** The prefix of a well-formed id (`agt` for `agt-01j…`), or undefined for anything else. */
export function idPrefixOf(id: string): string | undefined {
  return ID_PATTERN.exec(id)?.[1];
}
