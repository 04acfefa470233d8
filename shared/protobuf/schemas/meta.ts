/** k8s.io/apimachinery/pkg/apis/meta/v1 (generated.proto) and runtime.Unknown's TypeMeta. */
import { message } from '../schema.ts';

export const OWNER_REFERENCE = message({
  1: 'kind string keep',
  3: 'name string keep',
  4: 'uid string keep',
  5: 'apiVersion string keep',
  6: 'controller bool ptr',
  7: 'blockOwnerDeletion bool ptr',
});

/** ManagedFieldsEntry: fieldsV1 is FieldsV1 {1: Raw}, its bytes the JSON of the field set. */
export const MANAGED_FIELDS_ENTRY = message({
  1: 'manager string',
  2: 'operation string',
  3: 'apiVersion string',
  4: 'time time ptr',
  6: 'fieldsType string',
  7: 'fieldsV1 rawJSON ptr',
  8: 'subresource string',
});

export const OBJECT_META = message({
  1: 'name string',
  2: 'generateName string',
  3: 'namespace string',
  4: 'selfLink string',
  5: 'uid string',
  6: 'resourceVersion string',
  7: 'generation int64',
  8: 'creationTimestamp time',
  9: 'deletionTimestamp time ptr',
  10: 'deletionGracePeriodSeconds int64 ptr',
  11: 'labels map<string>',
  12: 'annotations map<string>',
  13: ['ownerReferences', OWNER_REFERENCE, 'rep'],
  14: 'finalizers []string',
  17: ['managedFields', MANAGED_FIELDS_ENTRY, 'rep'],
});

export const LIST_META = message({
  1: 'selfLink string',
  2: 'resourceVersion string',
  3: 'continue string',
  4: 'remainingItemCount int64 ptr',
});

export const LABEL_SELECTOR_REQUIREMENT = message({
  1: 'key string keep',
  2: 'operator string keep',
  3: 'values []string',
});

export const LABEL_SELECTOR = message({
  1: 'matchLabels map<string>',
  2: ['matchExpressions', LABEL_SELECTOR_REQUIREMENT, 'rep'],
});

/** metav1.Condition. */
export const CONDITION = message({
  1: 'type string keep',
  2: 'status string keep',
  3: 'observedGeneration int64',
  4: 'lastTransitionTime time keep',
  5: 'reason string keep',
  6: 'message string keep',
});

export const STATUS_CAUSE = message({
  1: 'reason string',
  2: 'message string',
  3: 'field string',
});

export const STATUS_DETAILS = message({
  1: 'name string',
  2: 'group string',
  3: 'kind string',
  4: ['causes', STATUS_CAUSE, 'rep'],
  5: 'retryAfterSeconds int32',
  6: 'uid string',
});

export const STATUS = message({
  1: ['metadata', LIST_META],
  2: 'status string',
  3: 'message string',
  4: 'reason string',
  5: ['details', STATUS_DETAILS, 'ptr'],
  6: 'code int32',
});

export const PRECONDITIONS = message({
  1: 'uid string ptr',
  2: 'resourceVersion string ptr',
});

export const DELETE_OPTIONS = message({
  1: 'gracePeriodSeconds int64 ptr',
  2: ['preconditions', PRECONDITIONS, 'ptr'],
  3: 'orphanDependents bool ptr',
  4: 'propagationPolicy string ptr',
  5: 'dryRun []string',
  6: 'ignoreStoreReadErrorWithClusterBreakingPotential bool ptr',
});

/** metav1.WatchEvent {type, object: runtime.RawExtension {1: raw}}: the object is handled by the watch framing. */
export const PARTIAL_OBJECT_METADATA = message({ 1: ['metadata', OBJECT_META] });

/** runtime.TypeMeta inside runtime.Unknown. */
export const TYPE_META = message({ 1: 'apiVersion string', 2: 'kind string' });
