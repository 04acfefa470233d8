/**
 * TaintToleration (kube-scheduler plugins/tainttoleration).
 * - Filter: the node's first NoSchedule/NoExecute taint that the pod does not tolerate rejects the node,
 *   "node(s) had untolerated taint {key: value}" (UnschedulableAndUnresolvable).
 * - Score: the number of PreferNoSchedule taints not tolerated by the pod's tolerations whose effect is
 *   PreferNoSchedule or empty; normalized reversed (fewer intolerable taints → higher score).
 */
import type { Pod, Toleration } from '../../../shared/api/core-v1.ts';
import {
  MAX_NODE_SCORE,
  SUCCESS,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../framework/interface.ts';
import type { NodeInfo } from '../framework/node-info.ts';
import { defaultNormalizeScore, findUntoleratedHardTaint, tolerationsTolerateTaint, untoleratedTaintStatus } from './_helpers.ts';

export const TAINT_TOLERATION = 'TaintToleration';
const PRE_SCORE_KEY = 'PreScore' + TAINT_TOLERATION;

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    if (nodeInfo.taints.length === 0) return SUCCESS;
    const taint = findUntoleratedHardTaint(nodeInfo.taints, pod.spec.tolerations);
    return taint ? untoleratedTaintStatus(taint.key, taint.value) : SUCCESS;
  }

  preScore(state: CycleState, pod: Pod): Status {
    // getAllTolerationPreferNoSchedule
    const prefer: Toleration[] = [];
    for (const t of pod.spec.tolerations ?? []) if (!t.effect || t.effect === 'PreferNoSchedule') prefer.push(t);
    state.write(PRE_SCORE_KEY, prefer);
    return SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const taints = nodeInfo.taints;
    if (taints.length === 0) return 0;
    const prefer = state.read<Toleration[]>(PRE_SCORE_KEY) ?? pod.spec.tolerations ?? [];
    let n = 0;
    for (const taint of taints) {
      if (taint.effect !== 'PreferNoSchedule') continue;
      if (!tolerationsTolerateTaint(prefer, taint)) n++;
    }
    return n;
  }

  normalizeScores(_state: CycleState, _pod: Pod, scores: Float64Array): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', actions: ['Add', 'UpdateNodeTaint'], label: 'NodeAdd|NodeTaintChange' }];
  }
}
