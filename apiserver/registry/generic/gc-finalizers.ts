/**
 * The garbage-collection side of DELETE in the generic registry (k8s.io/apiserver pkg/registry/generic/registry/
 * store.go: shouldOrphanDependents, shouldDeleteDependents, deletionFinalizersForGarbageCollection): which of
 * the `orphan` and `foregroundDeletion` finalizers an object being deleted carries, from the request's
 * propagationPolicy / orphanDependents, else the finalizers already on the object, else the strategy's default.
 */
import type { KubeObject } from '../../../shared/api/meta.ts';
import type { GarbageCollectionPolicy } from '../rest/strategy.ts';

/** metav1.FinalizerOrphanDependents */
export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
/** metav1.FinalizerDeleteDependents */
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

/** The garbage-collection part of DeleteOptions. */
export interface GarbageCollectionOptions {
  propagationPolicy?: string;
  /** Deprecated DeleteOptions.orphanDependents; cannot be combined with propagationPolicy. */
  orphanDependents?: boolean;
}

/** True when the object should get (or keep) the `orphan` finalizer. */
export function shouldOrphanDependents(obj: KubeObject, options: GarbageCollectionOptions, defaultPolicy: GarbageCollectionPolicy): boolean {
  if (defaultPolicy === 'Unsupported') return false;
  if (options.orphanDependents !== undefined) return options.orphanDependents;
  switch (options.propagationPolicy) {
    case 'Orphan':
      return true;
    case 'Background':
    case 'Foreground':
      return false;
  }
  // A finalizer already on the object overrides the default.
  for (const f of obj.metadata.finalizers ?? []) {
    if (f === FINALIZER_ORPHAN_DEPENDENTS) return true;
    if (f === FINALIZER_DELETE_DEPENDENTS) return false;
  }
  return defaultPolicy === 'OrphanDependents';
}

/** True when the object should get (or keep) the `foregroundDeletion` finalizer. */
export function shouldDeleteDependents(obj: KubeObject, options: GarbageCollectionOptions, defaultPolicy: GarbageCollectionPolicy): boolean {
  if (defaultPolicy === 'Unsupported') return false;
  if (options.orphanDependents !== undefined) return false;
  switch (options.propagationPolicy) {
    case 'Foreground':
      return true;
    case 'Background':
    case 'Orphan':
      return false;
  }
  for (const f of obj.metadata.finalizers ?? []) {
    if (f === FINALIZER_DELETE_DEPENDENTS) return true;
    if (f === FINALIZER_ORPHAN_DEPENDENTS) return false;
  }
  return false;
}

/**
 * The object's finalizers after the GC ones were adjusted to the request: both removed, then added back as
 * needed (orphan first). `changed` is false when the set stays the same (the order on the object is kept then).
 */
export function deletionFinalizersForGarbageCollection(
  obj: KubeObject,
  options: GarbageCollectionOptions,
  defaultPolicy: GarbageCollectionPolicy,
): { changed: boolean; finalizers: string[] } {
  const current = obj.metadata.finalizers ?? [];
  const next = current.filter((f) => f !== FINALIZER_ORPHAN_DEPENDENTS && f !== FINALIZER_DELETE_DEPENDENTS);
  if (shouldOrphanDependents(obj, options, defaultPolicy)) next.push(FINALIZER_ORPHAN_DEPENDENTS);
  if (shouldDeleteDependents(obj, options, defaultPolicy)) next.push(FINALIZER_DELETE_DEPENDENTS);
  const a = new Set(current);
  const b = new Set(next);
  const same = a.size === b.size && [...a].every((f) => b.has(f));
  return same ? { changed: false, finalizers: [...current] } : { changed: true, finalizers: next };
}
