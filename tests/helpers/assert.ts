// The few assertions these tests need, over node:assert (built into Deno), as
// @std/assert is not reachable from here. Deep equality is strict.
import nodeAssert from "node:assert/strict";

export function assert(condition: unknown, message?: string): asserts condition {
  nodeAssert.ok(condition, message as string);
}

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message as string);
}

export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message as string);
}

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(actual, pattern, message as string);
}

/** Awaits fn and checks that it rejects with an instance of errorClass whose message includes text. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  errorClass: abstract new (...args: any[]) => Error = Error,
  text?: string,
): Promise<Error> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) nodeAssert.fail("expected a rejection, but the promise resolved");
  if (!(caught instanceof errorClass)) {
    nodeAssert.fail(`expected ${errorClass.name}, got ${String(caught)}`);
  }
  if (text !== undefined && !caught.message.includes(text)) {
    nodeAssert.fail(`expected the message to include ${JSON.stringify(text)}: ${caught.message}`);
  }
  return caught;
}
