/**
 * The message of a pod that fits nowhere (kube-scheduler framework/types.go FitError.Error, 1.32):
 *
 *   0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
 *   2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.
 *
 * Every reason of every node's failing status is counted; the "<count> <reason>" strings are sorted as
 * strings (Go sort.Strings, so "10 x" sorts before "2 y") and joined with ", ". Nodes that were never
 * evaluated because PreFilter narrowed the candidates count with the "absent nodes" status. When PreFilter
 * rejected the pod outright, its message replaces the histogram. The PostFilter (preemption) message follows.
 */
import type { Status } from './interface.ts';

export interface Diagnosis {
  /** The failing status of each node that was evaluated and rejected. */
  nodeToStatus: Map<string, Status>;
  /** Status of the nodes not in nodeToStatus (PreFilter narrowed the candidates, or PreFilter failed). */
  absentNodesStatus?: Status | undefined;
  /** Plugins that rejected the pod on some node (or at PreFilter): they decide which events requeue it. */
  unschedulablePlugins: Set<string>;
  /** The message of a PreFilter rejection. */
  preFilterMsg?: string | undefined;
  /** The message of the PostFilter (preemption) step, "preemption: ...". */
  postFilterMsg?: string | undefined;
}

export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
}

/** The status of a node in the diagnosis (explicit, else the absent-nodes status). */
export function nodeStatus(d: Diagnosis, name: string): Status | undefined {
  return d.nodeToStatus.get(name) ?? d.absentNodesStatus;
}

/** framework.NoNodeAvailableMsg */
export function noNodeAvailableMsg(numAllNodes: number): string {
  return `0/${numAllNodes} nodes are available`;
}

/** FitError.Error(). */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `${noNodeAvailableMsg(numAllNodes)}:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = numAllNodes - d.nodeToStatus.size;
    if (absent > 0 && d.absentNodesStatus) for (const r of d.absentNodesStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    const parts: string[] = [];
    for (const [r, n] of counts) parts.push(`${n} ${r}`);
    parts.sort();
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** validation.NoteLengthLimit: Event messages longer than this are cut (schedule_one.go truncateMessage). */
export const NOTE_LENGTH_LIMIT = 1024;

export function truncateMessage(message: string): string {
  if (message.length <= NOTE_LENGTH_LIMIT) return message;
  const suffix = ' ...';
  return message.slice(0, NOTE_LENGTH_LIMIT - suffix.length) + suffix;
}
