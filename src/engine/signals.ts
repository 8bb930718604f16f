// Waiting that an AbortSignal interrupts at once. Every promise here settles when the
// signal aborts, and removes its timer and listener when done, so nothing leaks.

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts, even if
 * `work` ignores the signal (a hook that never looks at it, say).
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {}); // it may still reject later; nobody is listening
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A child signal that also aborts after `ms` with `reason()`. Call `dispose()` when the
 * guarded work is over, to clear the timer.
 */
export function withTimeout(
  parent: AbortSignal,
  ms: number,
  reason: () => unknown,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(reason()), ms);
  const signal = AbortSignal.any([parent, controller.signal]);
  return { signal, dispose: () => clearTimeout(timer) };
}

/**
 * Lets timers and I/O callbacks run. A loop of instant tasks never leaves the microtask
 * queue otherwise, and an abort requested from a timer or a socket would wait until it
 * ends. A message port, not setTimeout(0): nested timers are clamped to ~4 ms.
 */
export function yieldToEventLoop(): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
    port2.close();
  });
}
