import type { KubeObject } from '../../../shared/api/meta.ts';

/**
 * metav1.ResetObjectMetaForStatus: a status write keeps the stored object's deletionTimestamp, generation,
 * labels, annotations, finalizers and ownerReferences (managedFields stay: they record the status write).
 */
export function resetObjectMetaForStatus(obj: KubeObject, old: KubeObject): void {
  const m = obj.metadata;
  const o = old.metadata;
  for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    if (o[f] === undefined) delete m[f];
    else (m as Record<string, unknown>)[f] = o[f];
  }
}

/** The main resource ignores status changes: status always comes from the stored object. */
export function keepStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = old.status;
}
