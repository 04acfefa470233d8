import type { KubeObject } from '../../shared/api/meta.ts';
import {
  NODE_INFO_CONTAINER_RUNTIME_VERSION,
  NODE_INFO_KERNEL_VERSION,
  NODE_INFO_KUBELET_VERSION,
  NODE_INFO_OS_IMAGE,
  NODE_STATUS_ADDRESSES,
  OBJECT_META_CREATION_TIMESTAMP,
  OBJECT_META_NAME,
} from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/** `kubectl get nodes`: printNode in pkg/printers/internalversion/printers.go. */

interface NodeLike {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

export const NODE_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Status', 'string', 'The status of the node'),
  column('Roles', 'string', 'The roles of the node'),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
  column('Version', 'string', NODE_INFO_KUBELET_VERSION),
  column('Internal-IP', 'string', NODE_STATUS_ADDRESSES, { priority: 1 }),
  column('External-IP', 'string', NODE_STATUS_ADDRESSES, { priority: 1 }),
  column('OS-Image', 'string', NODE_INFO_OS_IMAGE, { priority: 1 }),
  column('Kernel-Version', 'string', NODE_INFO_KERNEL_VERSION, { priority: 1 }),
  column('Container-Runtime', 'string', NODE_INFO_CONTAINER_RUNTIME_VERSION, { priority: 1 }),
] as const;

const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_LABEL_ROLE = 'kubernetes.io/role';

/**
 * findNodeRoles: `node-role.kubernetes.io/<role>` labels (any value) and a non-empty `kubernetes.io/role`
 * label, de-duplicated and sorted (sets.String.List()).
 */
export function findNodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = k.slice(LABEL_NODE_ROLE_PREFIX.length);
      if (role.length > 0) roles.add(role);
    } else if (k === NODE_LABEL_ROLE && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

/**
 * The STATUS cell: only the Ready condition counts (`Ready`, or `NotReady` for False/Unknown), `Unknown` when
 * there is no Ready condition, then `,SchedulingDisabled` for a cordoned node.
 */
export function nodeStatus(node: KubeObject): string {
  const n = node as NodeLike;
  // Go builds a map keyed by type: the last condition of a type wins.
  let ready: { status?: string } | undefined;
  for (const c of n.status?.conditions ?? []) if (c.type === 'Ready') ready = c;
  const status: string[] = [];
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (n.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: NodeLike, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
}

function printNode(obj: KubeObject, now: number): PrintedRow {
  const node = obj as NodeLike;
  const info = node.status?.nodeInfo ?? {};
  const roles = findNodeRoles(obj).join(',');
  return {
    cells: [
      obj.metadata.name ?? '',
      nodeStatus(obj),
      roles || '<none>',
      translateTimestampSince(obj.metadata.creationTimestamp, now),
      info.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ],
  };
}

export const nodePrinter: ResourcePrinter = { columns: NODE_COLUMNS, print: printNode };
