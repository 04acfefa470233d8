import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from './codec.ts';
import { decodeObject, decodeUnknown, decodeWatchEvent, encodeObject, encodeWatchFrame, splitFrames } from './envelope.ts';
import { protobufKinds, schemaFor } from './kinds.ts';
import type { FieldSpec, MessageSchema, ScalarType } from './schema.ts';
import { ProtoReader, ProtoWriter } from './wire.ts';

type JSONObject = Record<string, unknown>;

/**
 * A JSON object with every field of `schema` set to a non-zero value (two entries in every list and map, inline
 * structs merged), nested messages likewise: the round trip JSON -> protobuf -> JSON must give it back exactly.
 */
function sample(schema: MessageSchema, depth = 0, out: JSONObject = {}): JSONObject {
  for (const f of schema.fields) {
    if (f.inline) {
      sample(f.type as MessageSchema, depth, out);
      continue;
    }
    const one = (i: number) => sampleValue(f, depth, i);
    if (f.repeated) out[f.name] = [one(0), one(1)];
    else if (f.map) out[f.name] = { [`${f.name}-a`]: one(0), [`example.com/${f.name}-b`]: one(1) };
    else out[f.name] = one(0);
  }
  return out;
}

function sampleValue(f: FieldSpec, depth: number, i: number): unknown {
  const t = f.type;
  if (typeof t !== 'string') return sample(t, depth + 1);
  return scalarSample(t, f.name, depth, i);
}

function scalarSample(t: ScalarType, name: string, depth: number, i: number): unknown {
  switch (t) {
    case 'string':
      return `${name}-${i} ✓`;
    case 'bool':
      return true;
    case 'int32':
      return i === 0 ? 300 + depth : -(1 + depth);
    case 'int64':
      return i === 0 ? 2 ** 40 + depth : -(2 ** 33);
    case 'bytes':
      return Buffer.from(`${name}\u0000\u00ff${i}`, 'latin1').toString('base64');
    case 'time':
      return `2024-05-06T07:08:0${i}Z`;
    case 'microTime':
      return `2024-05-06T07:08:09.12345${i}Z`;
    case 'quantity':
      return i === 0 ? '250m' : '1Gi';
    case 'intOrString':
      return (depth + i) % 2 === 0 ? 8080 : 'http';
    case 'rawJSON':
      return { a: [1, 'b', true], c: { d: null }, i };
    case 'stringList':
      return [`${name}-x`, `${name}-y`];
  }
}

function roundTrip(obj: JSONObject): JSONObject {
  return decodeObject(encodeObject(obj));
}

describe('protobuf codec: every kind round-trips JSON -> protobuf -> JSON', () => {
  for (const key of protobufKinds()) {
    const slash = key.lastIndexOf('/');
    const apiVersion = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    it(`${key} with every field of its table set`, () => {
      const schema = schemaFor(apiVersion, kind);
      assert.ok(schema);
      const obj = { kind, apiVersion, ...sample(schema) };
      assert.deepEqual(roundTrip(obj), obj);
    });
  }
});

describe('protobuf codec: JSON rules', () => {
  it('omitempty zeros are dropped, pointer zeros and non-omitempty zeros kept, zero times are null', () => {
    const deployment = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', creationTimestamp: null, generation: 0 },
      spec: {
        replicas: 0,
        paused: false,
        minReadySeconds: 0,
        revisionHistoryLimit: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'c', image: '', ports: [{ containerPort: 0 }], resources: {}, stdin: false }],
            terminationGracePeriodSeconds: 0,
            automountServiceAccountToken: false,
          },
        },
        strategy: {},
      },
      status: { replicas: 0, conditions: [{ type: 'Available', status: 'False', lastUpdateTime: null, lastTransitionTime: '2024-01-01T00:00:00Z' }] },
    };
    assert.deepEqual(roundTrip(deployment), {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', creationTimestamp: null },
      spec: {
        replicas: 0,
        revisionHistoryLimit: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', ports: [{ containerPort: 0 }], resources: {} }], terminationGracePeriodSeconds: 0, automountServiceAccountToken: false },
        },
        strategy: {},
      },
      status: { conditions: [{ type: 'Available', status: 'False', lastUpdateTime: null, lastTransitionTime: '2024-01-01T00:00:00Z' }] },
    });
  });

  it('inline structs (Volume.volumeSource, Probe.handler, configMapKeyRef name) and int-or-string', () => {
    const pod = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'p' },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'cm', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 420 } }, { name: 'tmp', emptyDir: {} }],
        containers: [
          {
            name: 'c',
            env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'a', optional: false } } }],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: 8080 } },
          },
        ],
      },
    };
    assert.deepEqual(roundTrip(pod), pod);
  });

  it('Secret data and ConfigMap binaryData are base64 in JSON, raw bytes on the wire', () => {
    const secret = { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's' }, data: { k: Buffer.from([0, 1, 255]).toString('base64'), empty: '' }, type: 'Opaque' };
    const pb = encodeObject(secret);
    assert.ok(pb.includes(Buffer.from([0, 1, 255])), 'the bytes, not their base64');
    assert.deepEqual(decodeObject(pb), secret);
  });

  it('MicroTime keeps microseconds; Time keeps whole seconds; FieldsV1 and RawExtension are JSON', () => {
    const lease = {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: {
        name: 'l',
        managedFields: [{ manager: 'm', operation: 'Apply', apiVersion: 'coordination.k8s.io/v1', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:holderIdentity': {} } } }],
      },
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2024-01-02T03:04:05.000123Z', acquireTime: '2024-01-02T03:04:05.987654Z' },
    };
    assert.deepEqual(roundTrip(lease), lease);
    const revision = { kind: 'ControllerRevision', apiVersion: 'apps/v1', metadata: { name: 'r' }, data: { spec: { template: { spec: {} } } }, revision: 1 };
    assert.deepEqual(roundTrip(revision), revision);
  });

  it('negative int32 and int64 use ten-byte varints', () => {
    const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' }, status: { containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'i', imageID: '', state: { terminated: { exitCode: -1 } }, lastState: {} }] } };
    assert.deepEqual(roundTrip(pod), pod);
  });

  it('lists: ListMeta and items', () => {
    const list = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '12', continue: 'abc', remainingItemCount: 0 }, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] };
    assert.deepEqual(roundTrip(list), list);
  });

  it('DeleteOptions in any group version, Status in v1 and meta.k8s.io/v1', () => {
    const opts = { kind: 'DeleteOptions', apiVersion: 'policy/v1', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u' }, dryRun: ['All'] };
    assert.deepEqual(roundTrip(opts), opts);
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 };
    assert.deepEqual(roundTrip(status), status);
  });

  it('unknown field numbers are skipped; the wrong wire type for a known field is an error', () => {
    const w = new ProtoWriter();
    w.tag(1, 2);
    w.string('n');
    w.tag(99, 0);
    w.varint(5);
    const meta = (w.finish());
    const schema = schemaFor('v1', 'Pod')!;
    const ns = schemaFor('v1', 'Namespace')!;
    const metaSchema = ns.byNumber.get(1)!.type as MessageSchema;
    assert.deepEqual(decodeMessage(meta, 0, meta.length, metaSchema), { name: 'n' });
    const bad = new ProtoWriter();
    bad.tag(1, 0);
    bad.varint(1);
    const b = bad.finish();
    assert.throws(() => decodeMessage(b, 0, b.length, schema), /wrong wireType = 0 for field Metadata/);
  });

  it('nested messages past 127 and 16383 bytes get multi-byte lengths', () => {
    const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'big', annotations: { a: 'x'.repeat(200) } }, data: { big: 'y'.repeat(20000), small: 'z' } };
    assert.deepEqual(roundTrip(cm), cm);
  });
});

describe('protobuf envelope and watch frames', () => {
  it('the envelope is k8s\\0 + runtime.Unknown with empty contentEncoding and contentType, as kube writes it', () => {
    const b = encodeObject({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'foo' } });
    assert.deepEqual([...b.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
    assert.deepEqual([...b.subarray(b.length - 4)], [0x1a, 0x00, 0x22, 0x00]);
    const u = decodeUnknown(b);
    assert.deepEqual([u.apiVersion, u.kind, u.contentEncoding], ['v1', 'Namespace', '']);
  });

  it('a watch frame: 4-byte big-endian length, WatchEvent {type, object {raw: envelope}}', () => {
    const obj = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', resourceVersion: '5' }, data: { a: 'b' } };
    const f1 = encodeWatchFrame('ADDED', encodeObject(obj));
    const f2 = encodeWatchFrame('BOOKMARK', encodeObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '9' } }));
    assert.equal(f1.readUInt32BE(0), f1.length - 4);
    const stream = Buffer.concat([f1, f2, f1.subarray(0, 3)]);
    const { frames, rest } = splitFrames(stream);
    assert.equal(frames.length, 2);
    assert.equal(rest.length, 3);
    assert.deepEqual(decodeWatchEvent(frames[0]!), { type: 'ADDED', object: obj });
    assert.deepEqual(decodeWatchEvent(frames[1]!), { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '9' } } });
    // The raw field of the WatchEvent's object is the full envelope.
    const r = new ProtoReader(frames[0]!);
    assert.equal(r.varint(), 0x0a);
    assert.equal(r.string(), 'ADDED');
  });

  it('a body that is not an envelope, or truncated, is refused', () => {
    assert.throws(() => decodeObject(Buffer.from('{"kind":"Pod"}')), /expected prefix \[107 56 115 0\]/);
    const b = encodeObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    assert.throws(() => decodeObject(b.subarray(0, b.length - 10)));
  });

  it('encoding into one reused buffer: a second object does not disturb the first result', () => {
    const a = encodeObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' }, data: { x: '1' } });
    const big = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'b' }, data: { x: 'q'.repeat(200_000) } };
    const b = encodeObject(big);
    assert.equal((decodeObject(a).metadata as JSONObject).name, 'a');
    assert.deepEqual(decodeObject(b), big);
  });
});

describe('ProtoWriter', () => {
  it('writes varints beyond 2^31 and negatives as protobuf does', () => {
    const w = new ProtoWriter(4);
    w.varint(2 ** 40);
    w.varint(-1);
    w.varint(300);
    const b = w.finish();
    const r = new ProtoReader(b);
    assert.equal(r.varint(), 2 ** 40);
    assert.equal(r.varint(), -1);
    assert.equal(r.varint(), 300);
    assert.deepEqual([...b.subarray(b.length - 2)], [0xac, 0x02]);
  });

  it('encodes a message with the same bytes wherever the writer starts', () => {
    const schema = schemaFor('v1', 'ConfigMap')!;
    const obj = { metadata: { name: 'x' }, data: { k: 'v'.repeat(300) } };
    const w1 = new ProtoWriter(8);
    encodeMessage(w1, obj, schema);
    const w2 = new ProtoWriter();
    w2.raw(Buffer.from([1, 2, 3]));
    encodeMessage(w2, obj, schema);
    assert.deepEqual(w2.finish().subarray(3), w1.finish());
  });
});
