/** k8s.io/api/batch/v1 (generated.proto, pointers and JSON tags from types.go). */
import { message } from '../schema.ts';
import { LABEL_SELECTOR, OBJECT_META } from './meta.ts';
import { OBJECT_REFERENCE, POD_TEMPLATE_SPEC } from './core.ts';

const POD_FAILURE_POLICY_RULE = message({
  1: 'action string keep',
  2: ['onExitCodes', message({ 1: 'containerName string ptr', 2: 'operator string keep', 3: 'values []int32' }), 'ptr'],
  3: ['onPodConditions', message({ 1: 'type string keep', 2: 'status string keep' }), 'rep'],
});

const JOB_CONDITION = message({
  1: 'type string keep',
  2: 'status string keep',
  3: 'lastProbeTime time',
  4: 'lastTransitionTime time',
  5: 'reason string',
  6: 'message string',
});

export const JOB_SPEC = message({
  1: 'parallelism int32 ptr',
  2: 'completions int32 ptr',
  3: 'activeDeadlineSeconds int64 ptr',
  4: ['selector', LABEL_SELECTOR, 'ptr'],
  5: 'manualSelector bool ptr',
  6: ['template', POD_TEMPLATE_SPEC],
  7: 'backoffLimit int32 ptr',
  8: 'ttlSecondsAfterFinished int32 ptr',
  9: 'completionMode string ptr',
  10: 'suspend bool ptr',
  11: ['podFailurePolicy', message({ 1: ['rules', POD_FAILURE_POLICY_RULE, 'rep'] }), 'ptr'],
  12: 'backoffLimitPerIndex int32 ptr',
  13: 'maxFailedIndexes int32 ptr',
  14: 'podReplacementPolicy string ptr',
  15: 'managedBy string ptr',
  16: ['successPolicy', message({ 1: ['rules', message({ 1: 'succeededIndexes string ptr', 2: 'succeededCount int32 ptr' }), 'rep'] }), 'ptr'],
});

export const JOB = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', JOB_SPEC],
  3: [
    'status',
    message({
      1: ['conditions', JOB_CONDITION, 'rep'],
      2: 'startTime time ptr',
      3: 'completionTime time ptr',
      4: 'active int32',
      5: 'succeeded int32',
      6: 'failed int32',
      7: 'completedIndexes string',
      8: ['uncountedTerminatedPods', message({ 1: 'succeeded []string', 2: 'failed []string' }), 'ptr'],
      9: 'ready int32 ptr',
      10: 'failedIndexes string ptr',
      11: 'terminating int32 ptr',
    }),
  ],
});

export const CRON_JOB = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: 'schedule string keep',
      2: 'startingDeadlineSeconds int64 ptr',
      3: 'concurrencyPolicy string',
      4: 'suspend bool ptr',
      5: ['jobTemplate', message({ 1: ['metadata', OBJECT_META], 2: ['spec', JOB_SPEC] })],
      6: 'successfulJobsHistoryLimit int32 ptr',
      7: 'failedJobsHistoryLimit int32 ptr',
      8: 'timeZone string ptr',
    }),
  ],
  3: ['status', message({ 1: ['active', OBJECT_REFERENCE, 'rep'], 4: 'lastScheduleTime time ptr', 5: 'lastSuccessfulTime time ptr' })],
});
