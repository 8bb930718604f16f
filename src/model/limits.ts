// How big things may be (issue 16: an unbounded Apply took the daemon to
// 2.5 GB and a List of two huge agents broke `get agents`). One place for the
// numbers: the CLI refuses before sending (with file:line), the server
// refuses what a client sent anyway, and gRPC's message limits follow from
// them. The README's "Limits" section lists them for users.
import { MAX_NAME_LENGTH } from "./slug.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** A resource name (and so its slug), in characters, like a DNS label. */
export const MAX_NAME_CHARS = MAX_NAME_LENGTH;
/** Labels on one resource, and the length of each key and value, in characters. */
export const MAX_LABELS = 64;
export const MAX_LABEL_KEY_CHARS = 128;
export const MAX_LABEL_VALUE_CHARS = 256;
/** All of one resource's annotations (keys and values), in UTF-8 bytes. */
export const MAX_ANNOTATIONS_BYTES = 256 * KiB;
/** One resource's spec as JSON, in UTF-8 bytes (a Skill's content counts here). */
export const MAX_SPEC_BYTES = 1 * MiB;
/** Everything one apply sends (the specs, labels and annotations of its resources). */
export const MAX_BATCH_BYTES = 16 * MiB;
/** An execution's input as JSON. */
export const MAX_EXECUTION_INPUT_BYTES = 1 * MiB;
/** The data of one execution event (a task's output, the workflow's output) as JSON. */
export const MAX_EVENT_DATA_BYTES = 1 * MiB;
/** One List page, whatever its count: pages are cut by size as well. */
export const MAX_LIST_PAGE_BYTES = 4 * MiB;
/**
 * One gRPC message, either way: the largest batch plus room for names,
 * metadata and framing. Larger messages are refused (RESOURCE_EXHAUSTED)
 * before they are read into memory.
 */
export const MAX_MESSAGE_BYTES = MAX_BATCH_BYTES + 4 * MiB;

/** UTF-8 length of a string, counted without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** "1 MiB", "1.5 MiB", "256 KiB", "12 bytes". */
export function formatBytes(bytes: number): string {
  const round = (n: number) => Number.isInteger(n) ? String(n) : n.toFixed(1);
  if (bytes >= MiB) return `${round(bytes / MiB)} MiB`;
  if (bytes >= KiB) return `${round(bytes / KiB)} KiB`;
  return `${bytes} bytes`;
}

/** What goes into the batch limit for one resource. */
export function resourceWireBytes(
  resource: { name: string; spec: unknown; labels: object; annotations: object },
): number {
  return utf8Length(resource.name) + utf8Length(JSON.stringify(resource.spec ?? {})) +
    utf8Length(JSON.stringify(resource.labels)) + utf8Length(JSON.stringify(resource.annotations));
}
