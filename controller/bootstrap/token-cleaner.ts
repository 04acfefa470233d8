/**
 * The bootstrap token cleaner (kube-controller-manager pkg/controller/bootstrap/tokencleaner.go,
 * "tokencleaner"): deletes Secrets of type `bootstrap.kubernetes.io/token` in kube-system once the time in
 * their `expiration` key has passed (an unparseable expiration counts as expired). A token that expires later
 * is looked at again when it does (the clock is injected). The delete carries the Secret's uid as a
 * precondition, so a Secret recreated under the same name is not removed by mistake.
 */
import type { Secret } from '../../shared/api/core-v1.ts';
import { SECRET_TYPE_BOOTSTRAP_TOKEN } from '../../shared/api/core-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { secretsResource, type Clientset } from '../../shared/client/clientset.ts';
import { isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { enqueueHandler } from '../framework/handlers.ts';
import type { Reconciler, Result } from '../framework/reconciler.ts';

/** bootstrapapi.BootstrapTokenExpirationKey. */
export const BOOTSTRAP_TOKEN_EXPIRATION_KEY = 'expiration';

/**
 * bootstrapsecretutil.GetExpiration: the time left (ms) and whether the token expired. No expiration: never
 * expires (ttl 0, not expired); unparseable: expired.
 */
export function tokenExpiration(secret: Secret, nowMs: number): { ttlMs: number; expired: boolean } {
  const raw = secret.data?.[BOOTSTRAP_TOKEN_EXPIRATION_KEY];
  const expiration = raw ? Buffer.from(raw, 'base64').toString('utf8') : '';
  if (expiration === '') return { ttlMs: 0, expired: false };
  // time.RFC3339: a date, a time with optional fraction, and Z or an offset.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(expiration)) return { ttlMs: 0, expired: true };
  const at = Date.parse(expiration);
  if (Number.isNaN(at)) return { ttlMs: 0, expired: true };
  const ttlMs = at - nowMs;
  return ttlMs <= 0 ? { ttlMs: 0, expired: true } : { ttlMs, expired: false };
}

export interface TokenCleanerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** Where bootstrap tokens live. @default 'kube-system' */
  namespace?: string;
  clock?: Clock;
  log?: Logger;
}

export class TokenCleaner implements Reconciler {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #secrets: SharedIndexInformer<Secret>;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(options: TokenCleanerOptions) {
    this.#clientset = options.clientset;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'tokencleaner' });
    this.#secrets = options.informerFactory.informerFor<Secret>(secretsResource, {
      namespace: options.namespace ?? 'kube-system',
      fieldSelector: `type=${SECRET_TYPE_BOOTSTRAP_TOKEN}`,
    });
    this.controller = new Controller({ name: 'tokencleaner', reconciler: this, clock: this.#clock, log: options.log ?? rootLog });
    this.#secrets.addEventHandler(enqueueHandler<Secret>((key) => this.controller.enqueue(key)));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, { hasSynced: [() => this.#secrets.hasSynced()] });
  }

  /** syncFunc + evalSecret. */
  async reconcile(key: string, signal: AbortSignal): Promise<Result | void> {
    const secret = this.#secrets.lister.get(key);
    if (!secret || secret.type !== SECRET_TYPE_BOOTSTRAP_TOKEN) return;
    const { ttlMs, expired } = tokenExpiration(secret, this.#clock.now());
    if (expired) {
      this.#log.info('Deleting expired bootstrap token Secret', { secret: key });
      try {
        await this.#clientset.resource<Secret>(secretsResource).delete(secret.metadata.namespace ?? '', secret.metadata.name ?? '', {
          ...(secret.metadata.uid ? { preconditions: { uid: secret.metadata.uid } } : {}),
          signal,
        });
      } catch (err) {
        // Already gone, or replaced by another Secret of that name: nothing of ours to delete.
        if (isNotFound(err) || isConflict(err)) return;
        throw err;
      }
      return;
    }
    if (ttlMs > 0) return { requeueAfterMs: ttlMs };
  }
}
