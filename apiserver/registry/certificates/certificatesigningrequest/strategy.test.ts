import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { FieldError } from '../../../../shared/errors/status-error.ts';
import {
  certificateSigningRequestApprovalStrategy,
  certificateSigningRequestStatusStrategy,
  certificateSigningRequestStrategy,
} from './strategy.ts';
import { validateSignerName } from '../../../../shared/api/validation/certificate-signing-request.ts';

// ---- a PKCS#10 request built by hand (DER), signed with node:crypto ----

function der(tag: number, content: Buffer): Buffer {
  const len = content.length;
  const header = len < 128 ? Buffer.from([tag, len]) : len < 256 ? Buffer.from([tag, 0x81, len]) : Buffer.from([tag, 0x82, len >> 8, len & 255]);
  return Buffer.concat([header, content]);
}
const seq = (...xs: Buffer[]) => der(0x30, Buffer.concat(xs));
const OID_CN = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);
const OID_ECDSA_SHA256 = Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);

function pemCsr(cn: string, tamper = false): string {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const name = seq(der(0x31, seq(OID_CN, der(0x0c, Buffer.from(cn)))));
  const info = seq(Buffer.from([0x02, 0x01, 0x00]), name, spki, Buffer.from([0xa0, 0x00]));
  const sig = sign('sha256', info, privateKey);
  if (tamper) sig[sig.length - 1] = sig[sig.length - 1]! ^ 1;
  const csr = seq(info, seq(OID_ECDSA_SHA256), der(0x03, Buffer.concat([Buffer.from([0]), sig])));
  return `-----BEGIN CERTIFICATE REQUEST-----\n${csr.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const msgs = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.detail}`);

function newCsr(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'c' },
    spec: { request: b64(pemCsr('system:node:n1')), signerName: 'example.com/s', usages: ['digital signature', 'client auth'], username: 'mallory', groups: ['system:masters'] },
    status: { conditions: [{ type: 'Approved', status: 'True' }] },
    ...extra,
  } as KubeObject;
}

const user = { name: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a'] } };
const NOW = Date.parse('2026-01-02T03:04:05Z');

function created(): KubeObject {
  const obj = newCsr();
  certificateSigningRequestStrategy.prepareForCreate(obj, { user, now: NOW });
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: '1', uid: 'x', creationTimestamp: '2026-01-01T00:00:00Z' } };
}

describe('CertificateSigningRequest create', () => {
  it('records the requesting user and clears status (nobody creates a pre-approved request)', () => {
    const obj = created();
    const spec = obj.spec as Record<string, unknown>;
    assert.equal(spec.username, 'alice');
    assert.equal(spec.uid, 'u-1');
    assert.deepEqual(spec.groups, ['dev', 'system:authenticated']);
    assert.deepEqual(spec.extra, { scopes: ['a'] });
    assert.deepEqual(obj.status, {});
    assert.deepEqual(certificateSigningRequestStrategy.validate(obj), []);
  });

  it('validates the request, usages, signer name and expiration with kube messages', () => {
    const bad = newCsr({
      spec: { request: b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), signerName: 'nodomain', usages: ['client auth', 'flying', 'client auth'], expirationSeconds: 599 },
    });
    certificateSigningRequestStrategy.prepareForCreate(bad, { user, now: NOW });
    const m = msgs(certificateSigningRequestStrategy.validate(bad));
    assert.match(m[0]!, /^spec\.request: Invalid value: \[\]byte\{0x2d, 0x2d, 0x2d, 0x2d, 0x2d, 0x42, .*\}: PEM block type must be CERTIFICATE REQUEST$/);
    assert.match(m[1]!, /^spec\.usages\[1\]: Unsupported value: "flying": supported values: "any", "cert sign", /);
    assert.deepEqual(m.slice(2), [
      'spec.usages[2]: Duplicate value: "client auth"',
      "spec.signerName: Invalid value: \"nodomain\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
      'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)',
    ]);
    const noUsages = newCsr({ spec: { request: b64(pemCsr('x')), signerName: 'example.com/s' } });
    assert.deepEqual(msgs(certificateSigningRequestStrategy.validate(noUsages).filter((e) => e.field.startsWith('spec'))), ['spec.usages: Required value']);
  });

  it('checks the request signature', () => {
    const tampered = newCsr({ spec: { request: b64(pemCsr('x', true)), signerName: 'example.com/s', usages: ['client auth'] } });
    certificateSigningRequestStrategy.prepareForCreate(tampered, { user, now: NOW });
    assert.match(msgs(certificateSigningRequestStrategy.validate(tampered))[0]!, /^spec\.request: Invalid value: \[\]byte\{.*\}: x509: ECDSA verification failure$/);
    const legacy = newCsr({ spec: { request: b64(pemCsr('x')), signerName: 'kubernetes.io/legacy-unknown', usages: ['client auth'] } });
    assert.deepEqual(msgs(certificateSigningRequestStrategy.validate(legacy).filter((e) => e.field === 'spec.signerName')), [
      'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
    ]);
  });

  it('any name that is a URL path segment', () => {
    const named = (name: string) => {
      const o = newCsr({ metadata: { name } });
      certificateSigningRequestStrategy.prepareForCreate(o, { user, now: NOW });
      return msgs(certificateSigningRequestStrategy.validate(o));
    };
    assert.deepEqual(named('node-csr-Abc_1:x'), []);
    assert.deepEqual(named('a%b'), [`metadata.name: Invalid value: "a%b": may not contain '%'`]);
  });

  it('ValidateSignerName', () => {
    assert.deepEqual(msgs(validateSignerName('s', '')), ['s: Required value']);
    assert.deepEqual(validateSignerName('s', 'kubernetes.io/kube-apiserver-client-kubelet'), []);
    assert.deepEqual(msgs(validateSignerName('s', 'example/x')), ['s: Invalid value: "example": should be a domain with at least two segments separated by dots']);
    assert.match(msgs(validateSignerName('s', 'Example.com/x'))[0]!, /^s: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label/);
  });
});

describe('CertificateSigningRequest updates', () => {
  it('the main resource keeps spec and status', () => {
    const old = created();
    const upd = structuredClone(old);
    (upd.spec as Record<string, unknown>).signerName = 'example.com/other';
    upd.status = { conditions: [{ type: 'Approved', status: 'True' }] };
    certificateSigningRequestStrategy.prepareForUpdate(upd, old, { now: NOW });
    assert.equal((upd.spec as Record<string, unknown>).signerName, 'example.com/s');
    assert.deepEqual(upd.status, {});
    assert.deepEqual(certificateSigningRequestStrategy.validateUpdate(upd, old), []);
  });

  it('approval sets Approved/Denied with timestamps, never the certificate; Approved and Denied are exclusive', () => {
    const old = created();
    const upd = structuredClone(old);
    upd.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove' }], certificate: b64('x') };
    certificateSigningRequestApprovalStrategy.prepareForUpdate(upd, old, { now: NOW });
    const status = upd.status as { conditions: Record<string, unknown>[]; certificate?: string };
    assert.equal(status.certificate, undefined);
    assert.equal(status.conditions[0]!.lastUpdateTime, '2026-01-02T03:04:05Z');
    assert.equal(status.conditions[0]!.lastTransitionTime, '2026-01-02T03:04:05Z');
    assert.deepEqual(certificateSigningRequestApprovalStrategy.validateUpdate(upd, old), []);
    const approved: KubeObject = { ...upd, metadata: { ...upd.metadata, resourceVersion: '2' } };
    const both = structuredClone(approved);
    (both.status as { conditions: unknown[] }).conditions.push({ type: 'Denied', status: 'True' });
    certificateSigningRequestApprovalStrategy.prepareForUpdate(both, approved, { now: NOW });
    assert.deepEqual(msgs(certificateSigningRequestApprovalStrategy.validateUpdate(both, approved)), [
      'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    ]);
    const removed = structuredClone(approved);
    removed.status = { conditions: [] };
    certificateSigningRequestApprovalStrategy.prepareForUpdate(removed, approved, { now: NOW });
    assert.deepEqual(msgs(certificateSigningRequestApprovalStrategy.validateUpdate(removed, approved)), ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
    const falseStatus = structuredClone(old);
    falseStatus.status = { conditions: [{ type: 'Approved', status: 'False' }] };
    certificateSigningRequestApprovalStrategy.prepareForUpdate(falseStatus, old, { now: NOW });
    assert.deepEqual(msgs(certificateSigningRequestApprovalStrategy.validateUpdate(falseStatus, old)), [
      'status.conditions[0].status: Unsupported value: "False": supported values: "True"',
    ]);
  });

  it('the main resource and status may not add Approved; status sets the certificate once, as PEM CERTIFICATE blocks', () => {
    const old = created();
    const upd = structuredClone(old);
    upd.status = { conditions: [{ type: 'Approved', status: 'True' }] };
    // The status subresource keeps the old Approved/Denied instances: adding one is refused.
    certificateSigningRequestStatusStrategy.prepareForUpdate(upd, old, { now: NOW });
    assert.deepEqual(msgs(certificateSigningRequestStatusStrategy.validateUpdate(upd, old)), ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
    const notPem = structuredClone(old);
    notPem.status = { certificate: b64('hello') };
    certificateSigningRequestStatusStrategy.prepareForUpdate(notPem, old, { now: NOW });
    assert.deepEqual(msgs(certificateSigningRequestStatusStrategy.validateUpdate(notPem, old)), [
      'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
    ]);
    const wrongType = structuredClone(old);
    wrongType.status = { certificate: b64(pemCsr('x')), conditions: [{ type: 'Failed', status: 'True', reason: 'SignerError' }] };
    certificateSigningRequestStatusStrategy.prepareForUpdate(wrongType, old, { now: NOW });
    assert.deepEqual(msgs(certificateSigningRequestStatusStrategy.validateUpdate(wrongType, old)), [
      'status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST"',
    ]);
    const viaMain = structuredClone(old);
    certificateSigningRequestStrategy.prepareForUpdate(viaMain, old, { now: NOW });
    viaMain.status = { certificate: b64('x') };
    assert.deepEqual(msgs(certificateSigningRequestStrategy.validateUpdate(viaMain, old)).filter((m) => m.includes('updates may not')), [
      'status.certificate: Forbidden: updates may not set certificate content',
    ]);
  });
});
