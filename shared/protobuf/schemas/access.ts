/**
 * rbac.authorization.k8s.io/v1, authorization.k8s.io/v1, authentication.k8s.io/v1, certificates.k8s.io/v1 and
 * coordination.k8s.io/v1 (generated.proto, pointers and JSON tags from types.go).
 */
import { extend, message } from '../schema.ts';
import { LABEL_SELECTOR, OBJECT_META } from './meta.ts';

// ---------------------------------------------------------------- rbac

const POLICY_RULE = message({
  1: 'verbs []string',
  2: 'apiGroups []string',
  3: 'resources []string',
  4: 'resourceNames []string',
  5: 'nonResourceURLs []string',
});
export const ROLE = message({ 1: ['metadata', OBJECT_META], 2: ['rules', POLICY_RULE, 'rep'] });
export const CLUSTER_ROLE = extend(ROLE, { 3: ['aggregationRule', message({ 1: ['clusterRoleSelectors', LABEL_SELECTOR, 'rep'] }), 'ptr'] });
export const ROLE_BINDING = message({
  1: ['metadata', OBJECT_META],
  2: ['subjects', message({ 1: 'kind string keep', 2: 'apiGroup string', 3: 'name string keep', 4: 'namespace string' }), 'rep'],
  3: ['roleRef', message({ 1: 'apiGroup string keep', 2: 'kind string keep', 3: 'name string keep' })],
});

// ---------------------------------------------------------------- authorization

const FIELD_SELECTOR_ATTRIBUTES = message({
  1: 'rawSelector string',
  2: ['requirements', message({ 1: 'key string keep', 2: 'operator string keep', 3: 'values []string' }), 'rep'],
});
const LABEL_SELECTOR_ATTRIBUTES = message({
  1: 'rawSelector string',
  2: ['requirements', message({ 1: 'key string keep', 2: 'operator string keep', 3: 'values []string' }), 'rep'],
});
const RESOURCE_ATTRIBUTES = message({
  1: 'namespace string',
  2: 'verb string',
  3: 'group string',
  4: 'version string',
  5: 'resource string',
  6: 'subresource string',
  7: 'name string',
  8: ['fieldSelector', FIELD_SELECTOR_ATTRIBUTES, 'ptr'],
  9: ['labelSelector', LABEL_SELECTOR_ATTRIBUTES, 'ptr'],
});
const NON_RESOURCE_ATTRIBUTES = message({ 1: 'path string', 2: 'verb string' });
const SUBJECT_ACCESS_REVIEW_STATUS = message({ 1: 'allowed bool keep', 2: 'reason string', 3: 'evaluationError string', 4: 'denied bool' });

export const SUBJECT_ACCESS_REVIEW = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: ['resourceAttributes', RESOURCE_ATTRIBUTES, 'ptr'],
      2: ['nonResourceAttributes', NON_RESOURCE_ATTRIBUTES, 'ptr'],
      3: 'user string',
      4: 'groups []string',
      5: 'extra map<stringList>',
      6: 'uid string',
    }),
  ],
  3: ['status', SUBJECT_ACCESS_REVIEW_STATUS],
});
export const SELF_SUBJECT_ACCESS_REVIEW = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', message({ 1: ['resourceAttributes', RESOURCE_ATTRIBUTES, 'ptr'], 2: ['nonResourceAttributes', NON_RESOURCE_ATTRIBUTES, 'ptr'] })],
  3: ['status', SUBJECT_ACCESS_REVIEW_STATUS],
});
export const SELF_SUBJECT_RULES_REVIEW = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', message({ 1: 'namespace string' })],
  3: [
    'status',
    message({
      1: ['resourceRules', message({ 1: 'verbs []string', 2: 'apiGroups []string', 3: 'resources []string', 4: 'resourceNames []string' }), 'rep'],
      2: ['nonResourceRules', message({ 1: 'verbs []string', 2: 'nonResourceURLs []string' }), 'rep'],
      3: 'incomplete bool keep',
      4: 'evaluationError string',
    }),
  ],
});

// ---------------------------------------------------------------- authentication

const USER_INFO = message({ 1: 'username string', 2: 'uid string', 3: 'groups []string', 4: 'extra map<stringList>' });

export const TOKEN_REVIEW = message({
  1: ['metadata', OBJECT_META],
  2: ['spec', message({ 1: 'token string', 2: 'audiences []string' })],
  3: ['status', message({ 1: 'authenticated bool', 2: ['user', USER_INFO], 3: 'error string', 4: 'audiences []string' })],
});
export const TOKEN_REQUEST = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: 'audiences []string',
      3: ['boundObjectRef', message({ 1: 'kind string', 2: 'apiVersion string', 3: 'name string', 4: 'uid string' }), 'ptr'],
      4: 'expirationSeconds int64 ptr',
    }),
  ],
  3: ['status', message({ 1: 'token string keep', 2: 'expirationTimestamp time keep' })],
});
export const SELF_SUBJECT_REVIEW = message({
  1: ['metadata', OBJECT_META],
  2: ['status', message({ 1: ['userInfo', USER_INFO] })],
});

// ---------------------------------------------------------------- certificates

export const CERTIFICATE_SIGNING_REQUEST = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: 'request bytes keep',
      2: 'username string',
      3: 'uid string',
      4: 'groups []string',
      5: 'usages []string',
      6: 'extra map<stringList>',
      7: 'signerName string keep',
      8: 'expirationSeconds int32 ptr',
    }),
  ],
  3: [
    'status',
    message({
      1: [
        'conditions',
        message({
          1: 'type string keep',
          2: 'reason string',
          3: 'message string',
          4: 'lastUpdateTime time',
          5: 'lastTransitionTime time',
          6: 'status string keep',
        }),
        'rep',
      ],
      2: 'certificate bytes',
    }),
  ],
});

// ---------------------------------------------------------------- coordination

export const LEASE = message({
  1: ['metadata', OBJECT_META],
  2: [
    'spec',
    message({
      1: 'holderIdentity string ptr',
      2: 'leaseDurationSeconds int32 ptr',
      3: 'acquireTime microTime ptr',
      4: 'renewTime microTime ptr',
      5: 'leaseTransitions int32 ptr',
      6: 'strategy string ptr',
      7: 'preferredHolder string ptr',
    }),
  ],
});
