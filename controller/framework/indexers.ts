/**
 * Informer indexes shared by several controllers. The informer factory shares one pod informer between every
 * consumer and refuses two different functions under one index name, so everyone uses these exports.
 */
import type { Pod } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { IndexFunc } from '../../shared/cache/indexer.ts';

/** Index name: pods by the node they are bound to (the name kube-controller-manager uses). */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';

/** Indexes a pod by spec.nodeName; unbound pods are not indexed. */
export const podNodeNameIndexFunc: IndexFunc<KubeObject> = (obj) => {
  const nodeName = (obj as Pod).spec?.nodeName;
  return nodeName ? [nodeName] : [];
};

/** Index name: pods by the uid of their controllerRef (upstream PodControllerUIDIndex). */
export const POD_CONTROLLER_UID_INDEX = 'podControllerUID';
/** The index value of pods without a controllerRef in a namespace (upstream OrphanPodIndexKeyForNamespace). */
export function orphanPodIndexKeyForNamespace(namespace: string): string {
  return `_ORPHAN_POD/${namespace}`;
}

/**
 * Indexes a pod by its controllerRef's uid, or an orphan by orphanPodIndexKeyForNamespace: a controller finds
 * what it owns and what it may adopt without scanning its namespace.
 */
export const podControllerUIDIndexFunc: IndexFunc<KubeObject> = (obj) => {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
  return ref ? [ref.uid] : [orphanPodIndexKeyForNamespace(obj.metadata?.namespace ?? '')];
};
