/** k8s.io/api/apps/v1 and autoscaling/v1 Scale (generated.proto, pointers and JSON tags from types.go). */
import { message } from '../schema.ts';
import { LABEL_SELECTOR, OBJECT_META } from './meta.ts';
import { PERSISTENT_VOLUME_CLAIM, POD_TEMPLATE_SPEC } from './core.ts';

const ROLLING_UPDATE_DEPLOYMENT = message({ 1: 'maxUnavailable intOrString ptr', 2: 'maxSurge intOrString ptr' });
const DEPLOYMENT_CONDITION = message({
  1: 'type string keep',
  2: 'status string keep',
  4: 'reason string',
  5: 'message string',
  6: 'lastUpdateTime time',
  7: 'lastTransitionTime time',
});
export const DEPLOYMENT = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: 'replicas int32 ptr',
      2: ['selector', LABEL_SELECTOR, 'ptr'],
      3: ['template', POD_TEMPLATE_SPEC],
      4: ['strategy', message({ 1: 'type string', 2: ['rollingUpdate', ROLLING_UPDATE_DEPLOYMENT, 'ptr'] })],
      5: 'minReadySeconds int32',
      6: 'revisionHistoryLimit int32 ptr',
      7: 'paused bool',
      9: 'progressDeadlineSeconds int32 ptr',
    }),
  ],
  3: [
    'status',
    message({
      1: 'observedGeneration int64',
      2: 'replicas int32',
      3: 'updatedReplicas int32',
      4: 'availableReplicas int32',
      5: 'unavailableReplicas int32',
      6: ['conditions', DEPLOYMENT_CONDITION, 'rep'],
      7: 'readyReplicas int32',
      8: 'collisionCount int32 ptr',
      9: 'terminatingReplicas int32 ptr',
    }),
  ],
});

/** ReplicaSet, StatefulSet and DaemonSet conditions share this shape. */
const WORKLOAD_CONDITION = message({
  1: 'type string keep',
  2: 'status string keep',
  3: 'lastTransitionTime time',
  4: 'reason string',
  5: 'message string',
});

export const REPLICA_SET = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({ 1: 'replicas int32 ptr', 2: ['selector', LABEL_SELECTOR, 'ptr'], 3: ['template', POD_TEMPLATE_SPEC], 4: 'minReadySeconds int32' }),
  ],
  3: [
    'status',
    message({
      1: 'replicas int32 keep',
      2: 'fullyLabeledReplicas int32',
      3: 'observedGeneration int64',
      4: 'readyReplicas int32',
      5: 'availableReplicas int32',
      6: ['conditions', WORKLOAD_CONDITION, 'rep'],
      7: 'terminatingReplicas int32 ptr',
    }),
  ],
});

export const STATEFUL_SET = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: 'replicas int32 ptr',
      2: ['selector', LABEL_SELECTOR, 'ptr'],
      3: ['template', POD_TEMPLATE_SPEC],
      4: ['volumeClaimTemplates', PERSISTENT_VOLUME_CLAIM, 'rep'],
      5: 'serviceName string',
      6: 'podManagementPolicy string',
      7: [
        'updateStrategy',
        message({ 1: 'type string', 2: ['rollingUpdate', message({ 1: 'partition int32 ptr', 2: 'maxUnavailable intOrString ptr' }), 'ptr'] }),
      ],
      8: 'revisionHistoryLimit int32 ptr',
      9: 'minReadySeconds int32',
      10: ['persistentVolumeClaimRetentionPolicy', message({ 1: 'whenDeleted string', 2: 'whenScaled string' }), 'ptr'],
      11: ['ordinals', message({ 1: 'start int32' }), 'ptr'],
    }),
  ],
  3: [
    'status',
    message({
      1: 'observedGeneration int64',
      2: 'replicas int32 keep',
      3: 'readyReplicas int32',
      4: 'currentReplicas int32',
      5: 'updatedReplicas int32',
      6: 'currentRevision string',
      7: 'updateRevision string',
      9: 'collisionCount int32 ptr',
      10: ['conditions', WORKLOAD_CONDITION, 'rep'],
      11: 'availableReplicas int32 keep',
    }),
  ],
});

export const DAEMON_SET = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: ['selector', LABEL_SELECTOR, 'ptr'],
      2: ['template', POD_TEMPLATE_SPEC],
      3: [
        'updateStrategy',
        message({ 1: 'type string', 2: ['rollingUpdate', message({ 1: 'maxUnavailable intOrString ptr', 2: 'maxSurge intOrString ptr' }), 'ptr'] }),
      ],
      4: 'minReadySeconds int32',
      6: 'revisionHistoryLimit int32 ptr',
    }),
  ],
  3: [
    'status',
    message({
      1: 'currentNumberScheduled int32 keep',
      2: 'numberMisscheduled int32 keep',
      3: 'desiredNumberScheduled int32 keep',
      4: 'numberReady int32 keep',
      5: 'observedGeneration int64',
      6: 'updatedNumberScheduled int32',
      7: 'numberAvailable int32',
      8: 'numberUnavailable int32',
      9: 'collisionCount int32 ptr',
      10: ['conditions', WORKLOAD_CONDITION, 'rep'],
    }),
  ],
});

/** data is a runtime.RawExtension: the bytes are the JSON the controllers wrote. */
export const CONTROLLER_REVISION = message({ 1: ['metadata', OBJECT_META], 2: 'data rawJSON', 3: 'revision int64 keep' });

/** autoscaling/v1 Scale. */
export const SCALE = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', message({ 1: 'replicas int32' })],
  3: ['status', message({ 1: 'replicas int32 keep', 2: 'selector string' })],
});
