import type { KubeObject } from '../../../shared/api/meta.ts';

/** The status strategies of ReplicaSets, StatefulSets and DaemonSets: a status write keeps the stored spec. */
export function keepSpec(obj: KubeObject, old: KubeObject): void {
  if (old.spec === undefined) delete obj.spec;
  else obj.spec = old.spec;
}

/** deploymentStatusStrategy: the stored spec and labels (annotations may change with a status write). */
export function keepSpecAndLabels(obj: KubeObject, old: KubeObject): void {
  keepSpec(obj, old);
  if (old.metadata.labels === undefined) delete obj.metadata.labels;
  else obj.metadata.labels = old.metadata.labels;
}

/** The main resources' PrepareForUpdate: status always comes from the stored object. */
export function keepStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = old.status;
}
