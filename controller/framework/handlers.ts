/**
 * Informer event handlers that only enqueue keys (sample-controller: "handlers only enqueue; workers read
 * listers"). They never look at what changed beyond deciding whether the change can matter.
 *
 *   nodes.addEventHandler(enqueueHandler((key) => controller.enqueue(key)));
 *   pods.addEventHandler(enqueueHandler((key) => controller.enqueue(key), {
 *     keysOf: (pod) => pod.spec.nodeName ? [pod.spec.nodeName] : [],      // a pod change wakes its node
 *   }));
 */
import type { Namespace } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { ResourceEventHandler } from '../../shared/cache/shared-informer.ts';
import { metaNamespaceKeyFunc, unwrapTombstone, type DeletedFinalStateUnknown } from '../../shared/cache/store.ts';

export interface EnqueueHandlerOptions<T extends KubeObject> {
  /** Objects for which this returns false are ignored (on update: ignored when false for both versions). */
  filter?: (obj: T) => boolean;
  /** The keys an object maps to. @default [`namespace/name`] (or `name` for cluster-scoped objects) */
  keysOf?: (obj: T) => string[];
  /**
   * Decides whether an update can matter; return false to skip it. Called after the same-resourceVersion
   * check. @default every update with a new resourceVersion matters
   */
  updateMatters?: (oldObj: T, newObj: T) => boolean;
}

/** `namespace/name`, the workqueue key of a namespaced object (controller.KeyFunc for objects with a namespace). */
export function namespacedKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/**
 * True for an update that carries no change: a periodic resync or a relist re-delivers the object with the
 * resourceVersion the cache already had (sample-controller's "Periodic resync will send update events for all
 * known Deployments ... same ResourceVersion" check).
 */
export function isResyncUpdate(oldObj: KubeObject, newObj: KubeObject): boolean {
  const a = oldObj.metadata?.resourceVersion;
  return a !== undefined && a !== '' && a === newObj.metadata?.resourceVersion;
}

/** A handler that enqueues the keys of every added, changed or deleted object. */
export function enqueueHandler<T extends KubeObject>(enqueue: (key: string) => void, options: EnqueueHandlerOptions<T> = {}): ResourceEventHandler<T> {
  const keysOf = options.keysOf ?? ((obj: T) => [metaNamespaceKeyFunc(obj)]);
  const pass = options.filter ?? (() => true);
  const add = (obj: T) => {
    for (const k of keysOf(obj)) enqueue(k);
  };
  return {
    onAdd(obj) {
      if (pass(obj)) add(obj);
    },
    onUpdate(oldObj, newObj) {
      if (isResyncUpdate(oldObj, newObj)) return;
      if (options.updateMatters && !options.updateMatters(oldObj, newObj)) return;
      const oldPass = pass(oldObj);
      const newPass = pass(newObj);
      if (!oldPass && !newPass) return;
      const keys = new Set<string>(newPass ? keysOf(newObj) : []);
      // An object that moved (e.g. a pod to another node) must wake what it left as well.
      if (oldPass) for (const k of keysOf(oldObj)) keys.add(k);
      for (const k of keys) enqueue(k);
    },
    onDelete(obj: T | DeletedFinalStateUnknown<T>) {
      const o = unwrapTombstone(obj);
      if (pass(o)) add(o);
    },
  };
}

/**
 * namespaceAdded / namespaceUpdated of the controllers that keep an object in every namespace (serviceaccount,
 * root-ca-cert-publisher): enqueue the name of every added namespace, and of an updated one while it is
 * Active; deletions are ignored (the namespace's content goes with it).
 */
export function activeNamespaceHandler(enqueue: (namespace: string) => void): ResourceEventHandler<Namespace> {
  return {
    onAdd: (ns) => enqueue(ns.metadata.name ?? ''),
    onUpdate: (_old, ns) => {
      if ((ns.status?.phase ?? 'Active') === 'Active') enqueue(ns.metadata.name ?? '');
    },
    onDelete: () => undefined,
  };
}
