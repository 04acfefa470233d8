/**
 * The schema of every kind that has a protobuf form, by `<apiVersion>/<kind>`, and of its `<Kind>List`.
 * Tables exist for kinds kubelab does not serve yet (Endpoints, events.k8s.io Event, PodTemplate,
 * PersistentVolumeClaim) so that serving them needs no codec change.
 */
import { type MessageSchema, listOf } from './schema.ts';
import { DELETE_OPTIONS, LIST_META, PARTIAL_OBJECT_METADATA, STATUS } from './schemas/meta.ts';
import {
  BINDING,
  CONFIG_MAP,
  ENDPOINTS,
  EVENT,
  EVENTS_V1_EVENT,
  NAMESPACE,
  NODE,
  PERSISTENT_VOLUME_CLAIM,
  POD,
  POD_TEMPLATE,
  SECRET,
  SERVICE,
  SERVICE_ACCOUNT,
} from './schemas/core.ts';
import { CONTROLLER_REVISION, DAEMON_SET, DEPLOYMENT, REPLICA_SET, SCALE, STATEFUL_SET } from './schemas/apps.ts';
import { CRON_JOB, JOB } from './schemas/batch.ts';
import { EVICTION, POD_DISRUPTION_BUDGET } from './schemas/policy.ts';
import { ENDPOINT_SLICE } from './schemas/discovery.ts';
import {
  CERTIFICATE_SIGNING_REQUEST,
  CLUSTER_ROLE,
  LEASE,
  ROLE,
  ROLE_BINDING,
  SELF_SUBJECT_ACCESS_REVIEW,
  SELF_SUBJECT_REVIEW,
  SELF_SUBJECT_RULES_REVIEW,
  SUBJECT_ACCESS_REVIEW,
  TOKEN_REQUEST,
  TOKEN_REVIEW,
} from './schemas/access.ts';

/** Kinds stored and listed (each gets a `<Kind>List` too). */
const OBJECT_KINDS: Record<string, MessageSchema> = {
  'v1/Pod': POD,
  'v1/Node': NODE,
  'v1/Namespace': NAMESPACE,
  'v1/Service': SERVICE,
  'v1/Endpoints': ENDPOINTS,
  'v1/Event': EVENT,
  'v1/Secret': SECRET,
  'v1/ConfigMap': CONFIG_MAP,
  'v1/ServiceAccount': SERVICE_ACCOUNT,
  'v1/PodTemplate': POD_TEMPLATE,
  'v1/PersistentVolumeClaim': PERSISTENT_VOLUME_CLAIM,
  'events.k8s.io/v1/Event': EVENTS_V1_EVENT,
  'apps/v1/Deployment': DEPLOYMENT,
  'apps/v1/ReplicaSet': REPLICA_SET,
  'apps/v1/StatefulSet': STATEFUL_SET,
  'apps/v1/DaemonSet': DAEMON_SET,
  'apps/v1/ControllerRevision': CONTROLLER_REVISION,
  'batch/v1/Job': JOB,
  'batch/v1/CronJob': CRON_JOB,
  'policy/v1/PodDisruptionBudget': POD_DISRUPTION_BUDGET,
  'rbac.authorization.k8s.io/v1/Role': ROLE,
  'rbac.authorization.k8s.io/v1/ClusterRole': CLUSTER_ROLE,
  'rbac.authorization.k8s.io/v1/RoleBinding': ROLE_BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ROLE_BINDING,
  'certificates.k8s.io/v1/CertificateSigningRequest': CERTIFICATE_SIGNING_REQUEST,
  'coordination.k8s.io/v1/Lease': LEASE,
  'discovery.k8s.io/v1/EndpointSlice': ENDPOINT_SLICE,
};

/** Kinds only created or returned (reviews, subresource bodies, options). */
const OTHER_KINDS: Record<string, MessageSchema> = {
  'v1/Binding': BINDING,
  'v1/Status': STATUS,
  'autoscaling/v1/Scale': SCALE,
  'policy/v1/Eviction': EVICTION,
  'authentication.k8s.io/v1/TokenRequest': TOKEN_REQUEST,
  'authentication.k8s.io/v1/TokenReview': TOKEN_REVIEW,
  'authentication.k8s.io/v1/SelfSubjectReview': SELF_SUBJECT_REVIEW,
  'authorization.k8s.io/v1/SubjectAccessReview': SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/LocalSubjectAccessReview': SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': SELF_SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/SelfSubjectRulesReview': SELF_SUBJECT_RULES_REVIEW,
  'meta.k8s.io/v1/PartialObjectMetadata': PARTIAL_OBJECT_METADATA,
  'meta.k8s.io/v1/PartialObjectMetadataList': listOf(PARTIAL_OBJECT_METADATA, LIST_META),
  'meta.k8s.io/v1beta1/PartialObjectMetadata': PARTIAL_OBJECT_METADATA,
  'meta.k8s.io/v1beta1/PartialObjectMetadataList': listOf(PARTIAL_OBJECT_METADATA, LIST_META),
};

const SCHEMAS = new Map<string, MessageSchema>();
for (const [key, schema] of Object.entries(OBJECT_KINDS)) {
  SCHEMAS.set(key, schema);
  SCHEMAS.set(`${key}List`, listOf(schema, LIST_META));
}
for (const [key, schema] of Object.entries(OTHER_KINDS)) SCHEMAS.set(key, schema);

/** metav1.DeleteOptions is registered in every group version (and as meta.k8s.io/v1). */
function isDeleteOptions(kind: string): boolean {
  return kind === 'DeleteOptions';
}

/** The schema of `kind` in `apiVersion`, if it has a protobuf form. */
export function schemaFor(apiVersion: string, kind: string): MessageSchema | undefined {
  if (isDeleteOptions(kind)) return DELETE_OPTIONS;
  if (kind === 'Status' && apiVersion === 'meta.k8s.io/v1') return STATUS;
  return SCHEMAS.get(`${apiVersion}/${kind}`);
}

/** Every `<apiVersion>/<kind>` with a table (for tests). */
export function protobufKinds(): string[] {
  return [...SCHEMAS.keys()];
}
