import { StatusError, newBadRequest, newStatus } from '../../../shared/errors/status-error.ts';

/**
 * Request bodies in Kubernetes' protobuf encoding (`Content-Type: application/vnd.kubernetes.protobuf`), for
 * the kinds client-go's typed clients create from kubectl: `kubectl create namespace|service|secret|configmap|
 * serviceaccount` and `kubectl certificate approve|deny` send protobuf (the clientset's default content type),
 * every other kubectl write sends JSON.
 *
 * Wire form (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the magic bytes `k8s\0`, then a
 * runtime.Unknown {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}; `raw` is
 * the object's generated protobuf message (field numbers from the k8s.io/api and apimachinery
 * generated.proto files, checked against bodies captured from kubectl 1.32). The object comes out in its JSON
 * form: go-to-protobuf writes every non-pointer scalar even when empty, so zero strings, numbers and booleans
 * are dropped (the JSON tags are omitempty), nested structs stay (`spec: {}`), a zero Time is null.
 * Unknown field numbers are skipped, as proto2 decoding does. A kind without a table here is 415.
 */

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

type Scalar = 'string' | 'bool' | 'int32' | 'int64' | 'bytes';
type FieldType = Scalar | 'time' | 'stringMap' | 'bytesMap' | 'extraMap' | 'intOrString' | { message: Schema };
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** Kept even when zero (JSON tag without omitempty). */
  keepZero?: boolean;
}
type Schema = Record<number, Field>;

const OWNER_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};

/** metav1.ObjectMeta (managedFields, 17, is never sent on create and is skipped). */
const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  4: { name: 'selfLink', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int64' },
  8: { name: 'creationTimestamp', type: 'time', keepZero: true },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int64' },
  11: { name: 'labels', type: 'stringMap' },
  12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: { message: OWNER_REFERENCE }, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const NAMESPACE: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'spec', type: { message: { 1: { name: 'finalizers', type: 'string', repeated: true } } } },
  3: { name: 'status', type: { message: { 1: { name: 'phase', type: 'string' } } } },
};

const SERVICE_PORT: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'protocol', type: 'string' },
  3: { name: 'port', type: 'int32', keepZero: true },
  4: { name: 'targetPort', type: 'intOrString' },
  5: { name: 'nodePort', type: 'int32' },
  6: { name: 'appProtocol', type: 'string' },
};

const SERVICE: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: {
    name: 'spec',
    type: {
      message: {
        1: { name: 'ports', type: { message: SERVICE_PORT }, repeated: true },
        2: { name: 'selector', type: 'stringMap' },
        3: { name: 'clusterIP', type: 'string' },
        4: { name: 'type', type: 'string' },
        5: { name: 'externalIPs', type: 'string', repeated: true },
        7: { name: 'sessionAffinity', type: 'string' },
        8: { name: 'loadBalancerIP', type: 'string' },
        9: { name: 'loadBalancerSourceRanges', type: 'string', repeated: true },
        10: { name: 'externalName', type: 'string' },
        11: { name: 'externalTrafficPolicy', type: 'string' },
        12: { name: 'healthCheckNodePort', type: 'int32' },
        13: { name: 'publishNotReadyAddresses', type: 'bool' },
      },
    },
  },
  3: { name: 'status', type: { message: { 1: { name: 'loadBalancer', type: { message: {} } } } } },
};

const OBJECT_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'namespace', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'fieldPath', type: 'string' },
};

/** `kubectl create secret ...`: data is map<string, bytes>. */
const SECRET: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'data', type: 'bytesMap' },
  3: { name: 'type', type: 'string' },
  4: { name: 'stringData', type: 'stringMap' },
  5: { name: 'immutable', type: 'bool', keepZero: true },
};

const CONFIG_MAP: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'data', type: 'stringMap' },
  3: { name: 'binaryData', type: 'bytesMap' },
  4: { name: 'immutable', type: 'bool', keepZero: true },
};

const SERVICE_ACCOUNT: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'secrets', type: { message: OBJECT_REFERENCE }, repeated: true },
  3: { name: 'imagePullSecrets', type: { message: { 1: { name: 'name', type: 'string' } } }, repeated: true },
  4: { name: 'automountServiceAccountToken', type: 'bool', keepZero: true },
};

/** certificates.k8s.io/v1 (`kubectl certificate approve|deny` PUTs the whole object to /approval). */
const CERTIFICATE_SIGNING_REQUEST: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: {
    name: 'spec',
    type: {
      message: {
        1: { name: 'request', type: 'bytes' },
        2: { name: 'username', type: 'string' },
        3: { name: 'uid', type: 'string' },
        4: { name: 'groups', type: 'string', repeated: true },
        5: { name: 'usages', type: 'string', repeated: true },
        6: { name: 'extra', type: 'extraMap' },
        7: { name: 'signerName', type: 'string', keepZero: true },
        8: { name: 'expirationSeconds', type: 'int32', keepZero: true },
      },
    },
  },
  3: {
    name: 'status',
    type: {
      message: {
        1: {
          name: 'conditions',
          repeated: true,
          type: {
            message: {
              1: { name: 'type', type: 'string', keepZero: true },
              2: { name: 'reason', type: 'string' },
              3: { name: 'message', type: 'string' },
              4: { name: 'lastUpdateTime', type: 'time' },
              5: { name: 'lastTransitionTime', type: 'time' },
              6: { name: 'status', type: 'string', keepZero: true },
            },
          },
        },
        2: { name: 'certificate', type: 'bytes' },
      },
    },
  },
};

/** authentication.k8s.io/v1 (k8s.io/api/authentication/v1/generated.proto): what `kubectl create token` and
 *  `kubectl auth whoami` send, and TokenReview from typed clients. Status fields are never read from a request. */
const TOKEN_REQUEST: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: {
    name: 'spec',
    type: {
      message: {
        1: { name: 'audiences', type: 'string', repeated: true },
        3: {
          name: 'boundObjectRef',
          type: { message: { 1: { name: 'kind', type: 'string' }, 2: { name: 'apiVersion', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'uid', type: 'string' } } },
        },
        4: { name: 'expirationSeconds', type: 'int64', keepZero: true },
      },
    },
  },
};
const TOKEN_REVIEW: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'spec', type: { message: { 1: { name: 'token', type: 'string' }, 2: { name: 'audiences', type: 'string', repeated: true } } } },
};
const SELF_SUBJECT_REVIEW: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
};

/** metav1.LabelSelector {1: matchLabels, 2: matchExpressions {1: key, 2: operator, 3: values}}. */
const LABEL_SELECTOR: Schema = {
  1: { name: 'matchLabels', type: 'stringMap' },
  2: {
    name: 'matchExpressions',
    repeated: true,
    type: { message: { 1: { name: 'key', type: 'string' }, 2: { name: 'operator', type: 'string' }, 3: { name: 'values', type: 'string', repeated: true } } },
  },
};

/** k8s.io/api rbac/v1 generated.proto (what `kubectl create role|clusterrole|rolebinding|clusterrolebinding` send). */
const POLICY_RULE: Schema = {
  1: { name: 'verbs', type: 'string', repeated: true },
  2: { name: 'apiGroups', type: 'string', repeated: true },
  3: { name: 'resources', type: 'string', repeated: true },
  4: { name: 'resourceNames', type: 'string', repeated: true },
  5: { name: 'nonResourceURLs', type: 'string', repeated: true },
};
const ROLE: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'rules', type: { message: POLICY_RULE }, repeated: true },
};
const CLUSTER_ROLE: Schema = {
  ...ROLE,
  3: { name: 'aggregationRule', type: { message: { 1: { name: 'clusterRoleSelectors', type: { message: LABEL_SELECTOR }, repeated: true } } } },
};
const ROLE_BINDING: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: {
    name: 'subjects',
    repeated: true,
    type: { message: { 1: { name: 'kind', type: 'string' }, 2: { name: 'apiGroup', type: 'string' }, 3: { name: 'name', type: 'string' }, 4: { name: 'namespace', type: 'string' } } },
  },
  3: { name: 'roleRef', type: { message: { 1: { name: 'apiGroup', type: 'string', keepZero: true }, 2: { name: 'kind', type: 'string', keepZero: true }, 3: { name: 'name', type: 'string', keepZero: true } } } },
};

/** k8s.io/api authorization/v1 generated.proto (`kubectl auth can-i` sends SelfSubjectAccessReview/SelfSubjectRulesReview). */
const RESOURCE_ATTRIBUTES: Schema = {
  1: { name: 'namespace', type: 'string' },
  2: { name: 'verb', type: 'string' },
  3: { name: 'group', type: 'string' },
  4: { name: 'version', type: 'string' },
  5: { name: 'resource', type: 'string' },
  6: { name: 'subresource', type: 'string' },
  7: { name: 'name', type: 'string' },
};
const NON_RESOURCE_ATTRIBUTES: Schema = { 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } };
const ACCESS_REVIEW_SPEC: Schema = {
  1: { name: 'resourceAttributes', type: { message: RESOURCE_ATTRIBUTES } },
  2: { name: 'nonResourceAttributes', type: { message: NON_RESOURCE_ATTRIBUTES } },
  3: { name: 'user', type: 'string' },
  4: { name: 'groups', type: 'string', repeated: true },
  6: { name: 'uid', type: 'string' },
};
const SUBJECT_ACCESS_REVIEW: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'spec', type: { message: ACCESS_REVIEW_SPEC } },
};
const SELF_SUBJECT_RULES_REVIEW: Schema = {
  1: { name: 'metadata', type: { message: OBJECT_META } },
  2: { name: 'spec', type: { message: { 1: { name: 'namespace', type: 'string' } } } },
};

/** Kinds decodable from protobuf, by `<apiVersion>/<kind>`. */
const SCHEMAS: Record<string, Schema> = {
  'authentication.k8s.io/v1/TokenRequest': TOKEN_REQUEST,
  'authentication.k8s.io/v1/TokenReview': TOKEN_REVIEW,
  'authentication.k8s.io/v1/SelfSubjectReview': SELF_SUBJECT_REVIEW,
  'v1/Namespace': NAMESPACE,
  'v1/Service': SERVICE,
  'v1/Secret': SECRET,
  'v1/ConfigMap': CONFIG_MAP,
  'v1/ServiceAccount': SERVICE_ACCOUNT,
  'certificates.k8s.io/v1/CertificateSigningRequest': CERTIFICATE_SIGNING_REQUEST,
  'rbac.authorization.k8s.io/v1/Role': ROLE,
  'rbac.authorization.k8s.io/v1/ClusterRole': CLUSTER_ROLE,
  'rbac.authorization.k8s.io/v1/RoleBinding': ROLE_BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ROLE_BINDING,
  'authorization.k8s.io/v1/SubjectAccessReview': SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/LocalSubjectAccessReview': SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': SUBJECT_ACCESS_REVIEW,
  'authorization.k8s.io/v1/SelfSubjectRulesReview': SELF_SUBJECT_RULES_REVIEW,
};

class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }
  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (len < 0 || this.pos + len > this.end) throw new Error('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new Error('truncated fixed-width field');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** int64/int32 from a varint (two's complement for negatives). */
function signed(v: bigint, bits: 32 | 64): number {
  return Number(BigInt.asIntN(bits, v));
}

/** metav1.Time: Timestamp {1: seconds, 2: nanos}; empty is the zero time (null in JSON). RFC 3339, seconds. */
function decodeTime(data: Uint8Array): string | null {
  const r = new Reader(data);
  let seconds = 0;
  while (!r.done) {
    const key = Number(r.varint());
    if (key >>> 3 === 1 && (key & 7) === 0) seconds = signed(r.varint(), 64);
    else r.skip(key & 7);
  }
  if (seconds === 0 || seconds === -62135596800) return null;
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A map entry {1: key, 2: value}; the value is returned as decoded by `value`. */
function decodeMapEntry<V>(data: Uint8Array, value: (b: Uint8Array) => V, empty: V): [string, V] {
  const r = new Reader(data);
  let k = '';
  let v = empty;
  while (!r.done) {
    const key = Number(r.varint());
    const f = key >>> 3;
    if ((key & 7) === 2 && f === 1) k = utf8.decode(r.bytes());
    else if ((key & 7) === 2 && f === 2) v = value(r.bytes());
    else r.skip(key & 7);
  }
  return [k, v];
}

function decodeStringMapEntry(data: Uint8Array): [string, string] {
  return decodeMapEntry(data, (b) => utf8.decode(b), '');
}

/** ExtraValue {1: repeated string items}. */
function decodeExtraValue(data: Uint8Array): string[] {
  const r = new Reader(data);
  const items: string[] = [];
  while (!r.done) {
    const key = Number(r.varint());
    if ((key & 7) === 2 && key >>> 3 === 1) items.push(utf8.decode(r.bytes()));
    else r.skip(key & 7);
  }
  return items;
}

/** intstr.IntOrString {1: type, 2: intVal, 3: strVal}: a number or a string in JSON. */
function decodeIntOrString(data: Uint8Array): number | string {
  const r = new Reader(data);
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done) {
    const key = Number(r.varint());
    const f = key >>> 3;
    if (f === 1 && (key & 7) === 0) type = signed(r.varint(), 64);
    else if (f === 2 && (key & 7) === 0) intVal = signed(r.varint(), 32);
    else if (f === 3 && (key & 7) === 2) strVal = utf8.decode(r.bytes());
    else r.skip(key & 7);
  }
  return type === 1 ? strVal : intVal;
}

function decodeMessage(data: Uint8Array, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(data);
  while (!r.done) {
    const key = Number(r.varint());
    const num = key >>> 3;
    const wire = key & 7;
    const field = schema[num];
    if (!field) {
      r.skip(wire);
      continue;
    }
    let value: unknown;
    const t = field.type;
    if (t === 'bool' || t === 'int32' || t === 'int64') {
      if (wire !== 0) throw new Error(`field ${field.name}: wire type ${wire}, want varint`);
      const v = r.varint();
      value = t === 'bool' ? v !== 0n : signed(v, t === 'int32' ? 32 : 64);
    } else {
      if (wire !== 2) throw new Error(`field ${field.name}: wire type ${wire}, want length-delimited`);
      const bytes = r.bytes();
      if (t === 'string') value = utf8.decode(bytes);
      else if (t === 'bytes') value = Buffer.from(bytes).toString('base64');
      else if (t === 'time') value = decodeTime(bytes);
      else if (t === 'intOrString') value = decodeIntOrString(bytes);
      else if (t === 'stringMap' || t === 'bytesMap' || t === 'extraMap') {
        const [k, v] =
          t === 'stringMap'
            ? decodeStringMapEntry(bytes)
            : t === 'bytesMap'
              ? decodeMapEntry<unknown>(bytes, (b) => Buffer.from(b).toString('base64'), '')
              : decodeMapEntry<unknown>(bytes, decodeExtraValue, []);
        const m = (out[field.name] as Record<string, unknown> | undefined) ?? {};
        m[k] = v;
        out[field.name] = m;
        continue;
      } else value = decodeMessage(bytes, t.message);
    }
    if (field.repeated) {
      let list = out[field.name] as unknown[] | undefined;
      if (!list) {
        list = [];
        out[field.name] = list;
      }
      list.push(value);
      continue;
    }
    const zero = value === '' || value === 0 || value === false || value === null;
    if (zero && !field.keepZero) delete out[field.name];
    else out[field.name] = value;
  }
  return out;
}

/** Protobuf of a kind without a table: the same 415 as any other unsupported body. */
function unsupported(): StatusError {
  return new StatusError(
    newStatus(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml'),
  );
}

/** Decodes a protobuf request body into the object's JSON form (kind and apiVersion from the envelope). */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) {
    throw newBadRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array | undefined;
  let contentEncoding = '';
  try {
    const r = new Reader(body, 4);
    while (!r.done) {
      const key = Number(r.varint());
      const num = key >>> 3;
      if ((key & 7) !== 2) {
        r.skip(key & 7);
        continue;
      }
      const bytes = r.bytes();
      if (num === 1) {
        const tm = new Reader(bytes);
        while (!tm.done) {
          const k = Number(tm.varint());
          if ((k & 7) === 2 && k >>> 3 === 1) apiVersion = utf8.decode(tm.bytes());
          else if ((k & 7) === 2 && k >>> 3 === 2) kind = utf8.decode(tm.bytes());
          else tm.skip(k & 7);
        }
      } else if (num === 2) raw = bytes;
      else if (num === 3) contentEncoding = utf8.decode(bytes);
    }
  } catch (e) {
    throw newBadRequest(`unable to decode the protobuf body: ${(e as Error).message}`);
  }
  if (contentEncoding) throw newBadRequest(`unsupported protobuf content encoding "${contentEncoding}"`);
  const schema = SCHEMAS[`${apiVersion}/${kind}`];
  if (!schema) throw unsupported();
  let obj: Record<string, unknown>;
  try {
    obj = decodeMessage(raw ?? new Uint8Array(), schema);
  } catch (e) {
    throw newBadRequest(`${kind} in version "${apiVersion}" cannot be handled as a ${kind}: ${(e as Error).message}`);
  }
  return { kind, apiVersion, ...obj };
}
