/**
 * Polling for tests: `until(what, fn)` calls fn until it returns something other than undefined or false
 * (errors it throws count as "not yet"); after `timeoutMs` it fails naming `what` and the last error.
 */
export type Until = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs?: number, everyMs?: number) => Promise<T>;

/** An `until` with its own default timeout and polling interval. */
export function untilWith(defaults: { timeoutMs: number; everyMs: number }): Until {
  return async (what, fn, timeoutMs = defaults.timeoutMs, everyMs = defaults.everyMs) => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v !== undefined && v !== false) return v as NonNullable<typeof v>;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
}

export const until: Until = untilWith({ timeoutMs: 30_000, everyMs: 100 });
