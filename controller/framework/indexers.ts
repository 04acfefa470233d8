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
