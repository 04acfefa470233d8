/**
 * Blocks a controller's start until its caches are filled (client-go cache.WaitForCacheSync): workers must
 * not read a lister that has not seen the first list, or they would act on "nothing exists".
 */
import { realClock, type Clock } from '../util/clock.ts';
import { log as rootLog, type Logger } from '../util/log.ts';

export type InformerSynced = () => boolean;

export interface WaitForCacheSyncOptions {
  /** @default realClock */
  clock?: Clock;
  /** Poll period. @default 100 (client-go's syncedPollPeriod) */
  intervalMs?: number;
  /** Used to name the controller in logs. */
  controller?: string;
  log?: Logger;
}

/**
 * Resolves true once every `hasSynced` returns true, false if `signal` aborts first. Checks at once, then
 * every intervalMs on the clock.
 */
export async function waitForCacheSync(signal: AbortSignal, hasSynced: InformerSynced[], options: WaitForCacheSyncOptions = {}): Promise<boolean> {
  const clock = options.clock ?? realClock;
  const interval = options.intervalMs ?? 100;
  const logger = options.log ?? rootLog;
  const all = () => hasSynced.every((f) => f());
  if (options.controller) logger.info('Waiting for caches to sync', { controller: options.controller });
  while (!all()) {
    if (signal.aborted) {
      if (options.controller) logger.warn('Unable to sync caches', { controller: options.controller });
      return false;
    }
    try {
      await clock.sleep(interval, signal);
    } catch {
      if (options.controller) logger.warn('Unable to sync caches', { controller: options.controller });
      return false;
    }
  }
  if (options.controller) logger.info('Caches are synced', { controller: options.controller });
  return true;
}
