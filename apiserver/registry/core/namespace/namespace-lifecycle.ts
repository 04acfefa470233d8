import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Namespace } from '../../../../shared/api/core-v1.ts';
import { isNotFound, newForbidden, newNotFound, StatusError } from '../../../../shared/errors/status-error.ts';
import type { Clock, Timer } from '../../../../shared/util/clock.ts';
import { log } from '../../../../shared/util/log.ts';
import { everything } from '../../generic/selection.ts';
import type { GenericStore } from '../../generic/store.ts';
import { namespaceFinalizeStrategy } from './strategy.ts';

/** Namespaces that exist from the start and may never be deleted (kube's system namespaces). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

/** NamespaceLifecycle admission: refuses deleting system namespaces. */
export function validateNamespaceDelete(obj: KubeObject): void {
  const name = obj.metadata.name ?? '';
  if (UNDELETABLE.has(name)) throw newForbidden('namespaces', name, 'this namespace may not be deleted');
}

/**
 * NamespaceLifecycle admission for creates: the namespace must exist and not be terminating.
 * `lookup` reads the watch cache first and falls back to storage (a namespace created a moment ago may not
 * be in the cache yet). `resource` (group-qualified) and `name` are what is being created: like kube's
 * admission.NewForbidden, the refusal reads `pods "web" is forbidden: unable to create new content in
 * namespace x because it is being terminated` (plugin/pkg/admission/namespace/lifecycle/admission.go).
 */
export function namespaceChecker(lookup: (name: string) => Promise<Namespace | null>): (ns: string, resource?: string, name?: string) => Promise<void> {
  return async (ns: string, resource = '', name = '') => {
    const obj = await lookup(ns);
    if (!obj) throw newNotFound('namespaces', ns);
    if (obj.metadata.deletionTimestamp || obj.status?.phase === 'Terminating') {
      const e = newForbidden('', '', '');
      const reason = `unable to create new content in namespace ${ns} because it is being terminated`;
      // apierrors.NewForbidden: "<resource> \"<name>\" is forbidden: ...", without the name when it is empty.
      const message = !resource ? `forbidden: ${reason}` : name ? `${resource} "${name}" is forbidden: ${reason}` : `${resource} is forbidden: ${reason}`;
      const dot = resource.indexOf('.');
      const details = {
        ...(name ? { name } : {}),
        ...(dot > 0 ? { group: resource.slice(dot + 1) } : {}),
        kind: dot > 0 ? resource.slice(0, dot) : resource,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      };
      throw new StatusError({ ...e.status, message, details });
    }
  };
}

/**
 * The namespace controller, run inside the apiserver so a standalone apiserver behaves like a cluster: a
 * terminating namespace has its content deleted (pods gracefully: their node agents finish them), then its
 * `kubernetes` finalizer removed, which deletes it. Level-based: `sync()` looks at every namespace; it is
 * called on namespace events and every `resyncMs` while any namespace is terminating.
 */
export class NamespaceLifecycle {
  readonly #namespaces: GenericStore;
  readonly #content: GenericStore[];
  readonly #clock: Clock;
  readonly #resyncMs: number;
  #timer: Timer | undefined;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(opts: { namespaces: GenericStore; content: GenericStore[]; clock: Clock; resyncMs?: number }) {
    this.#namespaces = opts.namespaces;
    this.#content = opts.content;
    this.#clock = opts.clock;
    this.#resyncMs = opts.resyncMs ?? 2000;
  }

  /** Requests a sync (coalesced: one runs at a time, one more is queued at most). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#sync().finally(() => {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  async #sync(): Promise<void> {
    let pending = false;
    try {
      const list = await this.#namespaces.list(undefined, { predicate: everything });
      for (const ns of list.items as Namespace[]) {
        if (!ns.metadata.deletionTimestamp) continue;
        pending = true;
        await this.#finalize(ns).catch((e: unknown) => {
          if (!isNotFound(e)) log.warn('Namespace finalization failed', { namespace: ns.metadata.name, error: String(e) });
        });
      }
    } catch (e) {
      pending = true;
      log.warn('Namespace lifecycle sync failed', { error: String(e) });
    }
    this.#timer?.cancel();
    if (pending && !this.#stopped) this.#timer = this.#clock.setTimeout(() => this.kick(), this.#resyncMs);
  }

  async #finalize(ns: Namespace): Promise<void> {
    const name = ns.metadata.name ?? '';
    let remaining = 0;
    for (const store of this.#content) {
      const items = (await store.list(name, { predicate: everything })).items;
      for (const item of items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        await store.delete(name, item.metadata.name ?? '', {}).catch((e: unknown) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }
    if (remaining > 0) {
      // Deletions just issued may have removed everything (non-graceful kinds): look again next round.
      return;
    }
    if ((ns.spec?.finalizers ?? []).includes('kubernetes')) {
      await this.#namespaces.update(undefined, name, (cur) => {
        if (!cur) throw newNotFound('namespaces', name);
        const next = structuredClone(cur) as Namespace;
        next.spec = { ...(next.spec ?? {}), finalizers: (next.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') };
        return next;
      }, { strategy: namespaceFinalizeStrategy, subresource: 'finalize' });
    }
  }
}
