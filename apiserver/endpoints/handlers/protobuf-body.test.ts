import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../shared/errors/status-error.ts';
import { decodeBody } from './body.ts';
import { decodeProtobufObject } from './protobuf-body.ts';

/** Bodies captured from kubectl 1.32 (`kubectl create namespace foo`, `kubectl create service clusterip svc1 --tcp=80:8080`). */
const CREATE_NAMESPACE = '6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800420012001a020a001a002200';
const CREATE_SERVICE =
  '6b3873000a0d0a027631120753657276696365126c0a210a047376633112001a0022002a003200380042005a0b0a0361707012047376633112430a1b0a0738302d38303830120354435018502207080010903f1a002800120b0a036170701204737663311a002209436c757374657249503a00420052005a00600068001a020a001a002200';

const hex = (s: string) => Buffer.from(s, 'hex');

/** A hand-built envelope: field bytes are key + length + payload. */
function ld(field: number, payload: Buffer | string): Buffer {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
}
function varintField(field: number, v: number): Buffer {
  const out = [(field << 3) | 0];
  let x = v;
  while (x > 0x7f) {
    out.push((x & 0x7f) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
  return Buffer.from(out);
}
function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), ld(1, Buffer.concat([ld(1, apiVersion), ld(2, kind)])), ld(2, raw)]);
}

describe('protobuf request bodies', () => {
  it('decodes kubectl create namespace', () => {
    assert.deepEqual(decodeProtobufObject(hex(CREATE_NAMESPACE)), {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'foo', creationTimestamp: null },
      spec: {},
      status: {},
    });
  });

  it('decodes kubectl create service clusterip', () => {
    assert.deepEqual(decodeProtobufObject(hex(CREATE_SERVICE)), {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'svc1', creationTimestamp: null, labels: { app: 'svc1' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc1' }, type: 'ClusterIP' },
      status: { loadBalancer: {} },
    });
  });

  it('labels, annotations, finalizers, times, string target ports', () => {
    const meta = Buffer.concat([
      ld(1, 'n1'),
      ld(8, varintField(1, 1_700_000_000)),
      ld(11, Buffer.concat([ld(1, 'a'), ld(2, 'b')])),
      ld(11, Buffer.concat([ld(1, 'c'), ld(2, '')])),
      ld(12, Buffer.concat([ld(1, 'note'), ld(2, 'x')])),
      ld(14, 'example.com/f'),
      varintField(15, 5), // a field number this table does not know (clusterName, long gone): skipped
    ]);
    const ns = decodeProtobufObject(envelope('v1', 'Namespace', Buffer.concat([ld(1, meta), ld(2, ld(1, 'kubernetes'))])));
    assert.deepEqual(ns.metadata, { name: 'n1', creationTimestamp: '2023-11-14T22:13:20Z', labels: { a: 'b', c: '' }, annotations: { note: 'x' }, finalizers: ['example.com/f'] });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    const port = Buffer.concat([ld(1, 'http'), varintField(3, 80), ld(4, Buffer.concat([varintField(1, 1), ld(3, 'web')]))]);
    const svc = decodeProtobufObject(envelope('v1', 'Service', Buffer.concat([ld(1, ld(1, 's')), ld(2, Buffer.concat([ld(1, port), ld(10, 'example.com'), ld(4, 'ExternalName')]))])));
    assert.deepEqual(svc.spec, { ports: [{ name: 'http', port: 80, targetPort: 'web' }], externalName: 'example.com', type: 'ExternalName' });
  });

  it('refuses other kinds (415), bad magic and truncated bodies (400)', () => {
    const status = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof StatusError);
        return [e.status.code, e.status.reason];
      }
      assert.fail('should throw');
    };
    assert.deepEqual(status(() => decodeProtobufObject(envelope('v1', 'PersistentVolume', ld(1, ld(1, 'p'))))), [415, 'UnsupportedMediaType']);
    assert.deepEqual(status(() => decodeProtobufObject(Buffer.from('{"kind":"Namespace"}'))), [400, 'BadRequest']);
    assert.deepEqual(status(() => decodeProtobufObject(hex(CREATE_NAMESPACE).subarray(0, 30))), [400, 'BadRequest']);
    // decodeBody routes the content type here.
    assert.equal((decodeBody(hex(CREATE_NAMESPACE), 'application/vnd.kubernetes.protobuf') as { kind: string }).kind, 'Namespace');
  });
});

describe('protobuf bodies of the identity kinds', () => {
  it('Secret: map<string, bytes> data becomes base64, type and immutable kept', () => {
    const raw = Buffer.concat([
      ld(1, ld(1, 's')),
      ld(2, Buffer.concat([ld(1, 'a'), ld(2, Buffer.from([0, 1, 255]))])),
      ld(2, Buffer.concat([ld(1, 'empty')])),
      ld(3, 'kubernetes.io/tls'),
      ld(4, Buffer.concat([ld(1, 'k'), ld(2, 'v')])),
      varintField(5, 0),
    ]);
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'Secret', raw)), {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's' },
      data: { a: 'AAH/', empty: '' },
      type: 'kubernetes.io/tls',
      stringData: { k: 'v' },
      immutable: false,
    });
  });

  it('ConfigMap and ServiceAccount', () => {
    const cm = Buffer.concat([ld(1, ld(1, 'c')), ld(2, Buffer.concat([ld(1, 'k'), ld(2, 'v')])), ld(3, Buffer.concat([ld(1, 'b'), ld(2, Buffer.from('hi'))])), varintField(4, 1)]);
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', cm)), {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'c' },
      data: { k: 'v' },
      binaryData: { b: 'aGk=' },
      immutable: true,
    });
    const sa = Buffer.concat([ld(1, ld(1, 'robot')), ld(2, ld(3, 'tok')), ld(3, ld(1, 'pull')), varintField(4, 0)]);
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'ServiceAccount', sa)), {
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: { name: 'robot' },
      secrets: [{ name: 'tok' }],
      imagePullSecrets: [{ name: 'pull' }],
      automountServiceAccountToken: false,
    });
  });

  it('CertificateSigningRequest: bytes request, extra values, conditions with times', () => {
    const spec = Buffer.concat([
      ld(1, Buffer.from('PEM')),
      ld(2, 'alice'),
      ld(4, 'dev'),
      ld(5, 'client auth'),
      ld(6, Buffer.concat([ld(1, 'scopes'), ld(2, Buffer.concat([ld(1, 'a'), ld(1, 'b')]))])),
      ld(7, 'example.com/s'),
      varintField(8, 3600),
    ]);
    const condition = Buffer.concat([ld(1, 'Approved'), ld(2, 'KubectlApprove'), ld(4, varintField(1, 1_700_000_000)), ld(6, 'True')]);
    const status = Buffer.concat([ld(1, condition), ld(2, Buffer.from('CERT'))]);
    const raw = Buffer.concat([ld(1, ld(1, 'csr')), ld(2, spec), ld(3, status)]);
    assert.deepEqual(decodeProtobufObject(envelope('certificates.k8s.io/v1', 'CertificateSigningRequest', raw)), {
      kind: 'CertificateSigningRequest',
      apiVersion: 'certificates.k8s.io/v1',
      metadata: { name: 'csr' },
      spec: {
        request: Buffer.from('PEM').toString('base64'),
        username: 'alice',
        groups: ['dev'],
        usages: ['client auth'],
        extra: { scopes: ['a', 'b'] },
        signerName: 'example.com/s',
        expirationSeconds: 3600,
      },
      status: {
        conditions: [{ type: 'Approved', reason: 'KubectlApprove', lastUpdateTime: '2023-11-14T22:13:20Z', status: 'True' }],
        certificate: Buffer.from('CERT').toString('base64'),
      },
    });
  });
});

