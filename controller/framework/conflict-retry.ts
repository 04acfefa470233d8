/**
 * Read-modify-write with a retry on 409 Conflict. The first attempt usually writes a copy of the cached
 * object; when the cache was stale the server answers Conflict, and the next attempt re-reads the object from
 * the server, so there is nothing to wait for between attempts (unlike retry.RetryOnConflict, which backs off
 * because its callers race other writers on every attempt).
 */
import { isConflict } from '../../shared/errors/status-error.ts';

/** Calls fn(0), fn(1), ... until it resolves, throws something other than a Conflict, or `attempts` ran out. */
export async function retryOnConflictNow<T>(fn: (attempt: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isConflict(err) || attempt + 1 >= attempts) throw err;
    }
  }
}
