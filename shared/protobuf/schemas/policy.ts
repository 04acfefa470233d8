/** k8s.io/api/policy/v1 (generated.proto, pointers and JSON tags from types.go). */
import { message } from '../schema.ts';
import { CONDITION, DELETE_OPTIONS, LABEL_SELECTOR, OBJECT_META } from './meta.ts';

export const POD_DISRUPTION_BUDGET = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: 'minAvailable intOrString ptr',
      2: ['selector', LABEL_SELECTOR, 'ptr'],
      3: 'maxUnavailable intOrString ptr',
      4: 'unhealthyPodEvictionPolicy string ptr',
    }),
  ],
  3: [
    'status',
    message({
      1: 'observedGeneration int64',
      2: 'disruptedPods map<time>',
      3: 'disruptionsAllowed int32 keep',
      4: 'currentHealthy int32 keep',
      5: 'desiredHealthy int32 keep',
      6: 'expectedPods int32 keep',
      7: ['conditions', CONDITION, 'rep'],
    }),
  ],
});

/** What `kubectl drain` POSTs to pods/eviction. */
export const EVICTION = message({ 1: ['metadata', OBJECT_META], 2: ['deleteOptions', DELETE_OPTIONS, 'ptr'] });
