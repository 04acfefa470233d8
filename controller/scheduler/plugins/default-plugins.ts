/**
 * The default profile (kube-scheduler apis/config/v1/default_plugins.go, 1.32) restricted to what kubelab
 * implements, in upstream order, plus kubelab's NodeReady right after TaintToleration:
 *
 *   NodeUnschedulable, NodeName, TaintToleration (weight 3), NodeReady, NodeAffinity (2), NodePorts,
 *   NodeResourcesFit (1, LeastAllocated), PodTopologySpread (2, scoring only),
 *   NodeResourcesBalancedAllocation (1)
 *
 * Not implemented: SchedulingGates as a plugin (the queue holds gated pods instead), volume plugins,
 * InterPodAffinity, ImageLocality, DefaultPreemption's eviction (its message is produced, see
 * framework/preemption.ts).
 */
import type { Pod } from '../../../shared/api/core-v1.ts';
import type { LabelSelector } from '../../../shared/api/labels.ts';
import type { Plugin } from '../framework/interface.ts';
import { NODE_RESOURCES_BALANCED_ALLOCATION, NodeResourcesBalancedAllocation } from './balanced-allocation.ts';
import { NODE_AFFINITY, NodeAffinity } from './node-affinity.ts';
import { NodeName } from './node-name.ts';
import { NodePorts } from './node-ports.ts';
import { NodeReady } from './node-ready.ts';
import { NODE_RESOURCES_FIT, NodeResourcesFit } from './node-resources-fit.ts';
import { NodeUnschedulable } from './node-unschedulable.ts';
import { POD_TOPOLOGY_SPREAD, PodTopologySpread } from './pod-topology-spread.ts';
import { TAINT_TOLERATION, TaintToleration } from './taint-toleration.ts';

/** Upstream default score weights. */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  [TAINT_TOLERATION]: 3,
  [NODE_AFFINITY]: 2,
  [NODE_RESOURCES_FIT]: 1,
  [POD_TOPOLOGY_SPREAD]: 2,
  [NODE_RESOURCES_BALANCED_ALLOCATION]: 1,
});

export interface DefaultPluginsOptions {
  /** Selector of the default spreading constraints (see PodTopologySpread). */
  defaultSpreadSelector?: (pod: Pod) => LabelSelector | undefined;
  /** Leave out kubelab's NodeReady filter (upstream behaviour: only taints keep pods off unready nodes). */
  disableNodeReady?: boolean;
}

export function defaultPlugins(options: DefaultPluginsOptions = {}): Plugin[] {
  const plugins: Plugin[] = [new NodeUnschedulable(), new NodeName(), new TaintToleration()];
  if (!options.disableNodeReady) plugins.push(new NodeReady());
  plugins.push(
    new NodeAffinity(),
    new NodePorts(),
    new NodeResourcesFit(),
    new PodTopologySpread(options.defaultSpreadSelector ? { defaultSelector: options.defaultSpreadSelector } : {}),
    new NodeResourcesBalancedAllocation(),
  );
  return plugins;
}
