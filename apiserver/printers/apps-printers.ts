/**
 * `kubectl get deployments|replicasets|statefulsets|daemonsets|controllerrevisions`: the apps handlers of
 * pkg/printers/internalversion/printers.go (printDeployment, printReplicaSet, printStatefulSet, printDaemonSet,
 * printControllerRevision). kube-apiserver prints wide, so the priority-1 cells are always present.
 */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../shared/api/apps-v1.ts';
import type { Scale } from '../../shared/api/autoscaling-v1.ts';
import type { Container } from '../../shared/api/core-v1.ts';
import { labelSelectorFromMeta, toString as selectorString, type MetaLabelSelector } from '../../shared/api/labels.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

// The 1.32 swagger docs of the fields the columns show.
const CONTAINERS_DOC = 'Names of each container in the template.';
const IMAGES_DOC = 'Images referenced by each container in the template.';
const READY_DOC = 'Number of the pod with ready state';
const DEPLOYMENT_UPDATED_DOC = 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.';
const DEPLOYMENT_AVAILABLE_DOC = 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.';
const DEPLOYMENT_SELECTOR_DOC =
  "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.";
const RS_REPLICAS_DOC =
  'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller';
const RS_STATUS_REPLICAS_DOC =
  'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller';
const RS_READY_DOC = 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.';
const RS_SELECTOR_DOC =
  "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const DS_DESIRED_DOC =
  'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/';
const DS_CURRENT_DOC =
  'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/';
const DS_READY_DOC = 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.';
const DS_UPDATED_DOC = 'The total number of nodes that are running updated daemon pod';
const DS_AVAILABLE_DOC =
  'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)';
const NODE_SELECTOR_DOC =
  "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";
const DS_SELECTOR_DOC =
  "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
const CR_REVISION_DOC = 'Revision indicates the revision of the state represented by Data.';

const name = () => column('Name', 'string', OBJECT_META_NAME, { format: 'name' });
const age = () => column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP);
const wide = (description: string) => column(description === CONTAINERS_DOC ? 'Containers' : 'Images', 'string', description, { priority: 1 });

/** layoutContainerCells: names and images joined by ",". */
function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** LabelSelectorAsSelector(...).String(), or `onError` when the selector does not convert. */
function selectorText(sel: MetaLabelSelector | undefined, onError: string): string {
  try {
    return selectorString(labelSelectorFromMeta(sel));
  } catch {
    return onError;
  }
}

/** metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` for an invalid one. */
function formatLabelSelector(sel: MetaLabelSelector | undefined): string {
  const s = selectorText(sel, '<error>');
  return s === '' ? '<none>' : s;
}

/** labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when empty. */
function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

export const deploymentPrinter: ResourcePrinter = {
  columns: [
    name(),
    column('Ready', 'string', READY_DOC),
    column('Up-to-date', 'string', DEPLOYMENT_UPDATED_DOC),
    column('Available', 'string', DEPLOYMENT_AVAILABLE_DOC),
    age(),
    wide(CONTAINERS_DOC),
    wide(IMAGES_DOC),
    column('Selector', 'string', DEPLOYMENT_SELECTOR_DOC, { priority: 1 }),
  ],
  print(obj: KubeObject, now: number): PrintedRow {
    const d = obj as Deployment;
    const st = d.status ?? {};
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return {
      cells: [
        d.metadata.name ?? '',
        `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        st.updatedReplicas ?? 0,
        st.availableReplicas ?? 0,
        translateTimestampSince(d.metadata.creationTimestamp, now),
        names,
        images,
        selectorText(d.spec?.selector, '<invalid>'),
      ],
    };
  },
};

export const replicaSetPrinter: ResourcePrinter = {
  columns: [
    name(),
    column('Desired', 'integer', RS_REPLICAS_DOC),
    column('Current', 'integer', RS_STATUS_REPLICAS_DOC),
    column('Ready', 'integer', RS_READY_DOC),
    age(),
    wide(CONTAINERS_DOC),
    wide(IMAGES_DOC),
    column('Selector', 'string', RS_SELECTOR_DOC, { priority: 1 }),
  ],
  print(obj: KubeObject, now: number): PrintedRow {
    const rs = obj as ReplicaSet;
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return {
      cells: [
        rs.metadata.name ?? '',
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        translateTimestampSince(rs.metadata.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(rs.spec?.selector),
      ],
    };
  },
};

export const statefulSetPrinter: ResourcePrinter = {
  columns: [name(), column('Ready', 'string', READY_DOC), age(), wide(CONTAINERS_DOC), wide(IMAGES_DOC)],
  print(obj: KubeObject, now: number): PrintedRow {
    const sts = obj as StatefulSet;
    const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
    return {
      cells: [sts.metadata.name ?? '', `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`, translateTimestampSince(sts.metadata.creationTimestamp, now), names, images],
    };
  },
};

export const daemonSetPrinter: ResourcePrinter = {
  columns: [
    name(),
    column('Desired', 'integer', DS_DESIRED_DOC),
    column('Current', 'integer', DS_CURRENT_DOC),
    column('Ready', 'integer', DS_READY_DOC),
    column('Up-to-date', 'integer', DS_UPDATED_DOC),
    column('Available', 'integer', DS_AVAILABLE_DOC),
    column('Node Selector', 'string', NODE_SELECTOR_DOC),
    age(),
    wide(CONTAINERS_DOC),
    wide(IMAGES_DOC),
    column('Selector', 'string', DS_SELECTOR_DOC, { priority: 1 }),
  ],
  print(obj: KubeObject, now: number): PrintedRow {
    const ds = obj as DaemonSet;
    const st = ds.status;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return {
      cells: [
        ds.metadata.name ?? '',
        st?.desiredNumberScheduled ?? 0,
        st?.currentNumberScheduled ?? 0,
        st?.numberReady ?? 0,
        st?.updatedNumberScheduled ?? 0,
        st?.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        translateTimestampSince(ds.metadata.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

/** printControllerRevision: the controller as `<kind>.<group>/<name>` in lower case (formatResourceName). */
export const controllerRevisionPrinter: ResourcePrinter = {
  columns: [name(), column('Controller', 'string', 'Controller of the object'), column('Revision', 'string', CR_REVISION_DOC), age()],
  print(obj: KubeObject, now: number): PrintedRow {
    const cr = obj as ControllerRevision;
    const ref = cr.metadata.ownerReferences?.find((r) => r.controller === true);
    let controller = '<none>';
    if (ref) {
      const apiVersion = ref.apiVersion ?? '';
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const groupKind = group ? `${ref.kind}.${group}` : (ref.kind ?? '');
      controller = groupKind ? `${groupKind.toLowerCase()}/${ref.name}` : ref.name;
    }
    return { cells: [cr.metadata.name ?? '', controller, cr.revision ?? 0, translateTimestampSince(cr.metadata.creationTimestamp, now)] };
  },
};

/** printScale: the autoscaling/v1 Scale of `kubectl get deploy web --subresource=scale`. */
export const scalePrinter: ResourcePrinter = {
  columns: [name(), column('Desired', 'integer', 'Number of desired replicas'), column('Available', 'integer', 'Number of actual replicas')],
  print(obj: KubeObject): PrintedRow {
    const scale = obj as Scale;
    return { cells: [scale.metadata.name ?? '', scale.spec?.replicas ?? 0, scale.status?.replicas ?? 0] };
  },
};

/** The apps/v1 printers by `<group>/<plural>`, for table-for.ts (Scale as `autoscaling/scales`, for the scale subresource). */
export const APPS_PRINTERS: ReadonlyArray<[string, ResourcePrinter]> = [
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/controllerrevisions', controllerRevisionPrinter],
  ['autoscaling/scales', scalePrinter],
];
