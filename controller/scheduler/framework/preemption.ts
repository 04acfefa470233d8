/**
 * The diagnostic half of DefaultPreemption's PostFilter (kube-scheduler plugins/defaultpreemption and
 * framework/preemption/preemption.go), run when a pod fits nowhere so that the FailedScheduling message ends
 * like kube's: "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod,
 * 2 Preemption is not helpful for scheduling."
 *
 * Per node:
 * - rejected as UnschedulableAndUnresolvable (or never evaluated) → "Preemption is not helpful for scheduling";
 * - otherwise the pods of lower priority than the incoming pod are the potential victims: none →
 *   "No preemption victims found for incoming pod"; if the pod still does not fit with all of them removed →
 *   that filter status (e.g. "Insufficient cpu");
 * - if removing them would make room, kube would evict them and nominate the node. kubelab does not evict
 *   (preemption is not implemented); such nodes are reported as "Preemption is not supported by kubelab" so
 *   the message does not pretend otherwise.
 * A pod with preemptionPolicy: Never gets "preemption: not eligible due to preemptionPolicy=Never.".
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import { fitErrorMessage, nodeStatus, type Diagnosis } from './fit-error.ts';
import { newStatus, type CycleState, type Status } from './interface.ts';
import { newPodInfo, type NodeInfo } from './node-info.ts';

export const REASON_PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const REASON_NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
export const REASON_PREEMPTION_UNSUPPORTED = 'Preemption is not supported by kubelab';

const NOT_HELPFUL = newStatus('UnschedulableAndUnresolvable', REASON_PREEMPTION_NOT_HELPFUL);
const NO_VICTIMS = newStatus('UnschedulableAndUnresolvable', REASON_NO_PREEMPTION_VICTIMS);
const UNSUPPORTED = newStatus('Unschedulable', REASON_PREEMPTION_UNSUPPORTED);

/** Runs all filter plugins of the profile on one node; SUCCESS when the pod fits. */
export type RunFilters = (state: CycleState, pod: Pod, nodeInfo: NodeInfo) => Status;

/** The PostFilter message ("preemption: ..."), to be appended to the FitError. */
export function preemptionMessage(pod: Pod, allNodes: readonly NodeInfo[], diagnosis: Diagnosis, state: CycleState | undefined, runFilters: RunFilters): string {
  if (pod.spec.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const result = new Map<string, Status>();
  const priority = newPodInfo(pod).priority;
  for (const ni of allNodes) {
    const s = nodeStatus(diagnosis, ni.name);
    if (!s || s.code === 'UnschedulableAndUnresolvable' || !state) {
      result.set(ni.name, NOT_HELPFUL);
      continue;
    }
    const victims = ni.pods.filter((p) => p.priority < priority);
    if (victims.length === 0) {
      result.set(ni.name, NO_VICTIMS);
      continue;
    }
    const trial = ni.clone();
    for (const v of victims) trial.removePod(v.key);
    const fit = runFilters(state, pod, trial);
    result.set(ni.name, fit.code === 'Success' ? UNSUPPORTED : fit);
  }
  const msg = fitErrorMessage(allNodes.length, { nodeToStatus: result, absentNodesStatus: NOT_HELPFUL, unschedulablePlugins: new Set() });
  return `preemption: ${msg}`;
}
