import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../../../../shared/api/certificates-v1.ts';
import {
  validateCertificateSigningRequestApprovalUpdate,
  validateCertificateSigningRequestCreate,
  validateCertificateSigningRequestStatusUpdate,
  validateCertificateSigningRequestUpdate,
} from '../../../../shared/api/validation/certificate-signing-request.ts';
import { rfc3339 } from '../../generic/store.ts';
import type { CreateStrategy, StrategyContext, UpdateStrategy } from '../../rest/strategy.ts';
import { normalizeBytesField } from './bytes.ts';

/**
 * pkg/registry/certificates/certificates/strategy.go: the requester's identity is recorded on create (the
 * client's spec.username/uid/groups/extra are ignored) and nobody creates a pre-approved request; the main
 * resource never changes spec or status, `status` sets the certificate and Failed conditions, `approval` the
 * Approved/Denied conditions.
 */

function csrOf(obj: KubeObject): CertificateSigningRequest {
  const csr = obj as CertificateSigningRequest;
  if (!csr.spec || typeof csr.spec !== 'object') (csr as { spec: unknown }).spec = {};
  return csr;
}

/** []byte fields: a bad base64 value is a 400 from the decoder; values are re-encoded canonically. */
function normalizeBytes(csr: CertificateSigningRequest): void {
  normalizeBytesField(csr.spec as unknown as Record<string, unknown>, 'request');
  if (csr.status && typeof csr.status === 'object') normalizeBytesField(csr.status as unknown as Record<string, unknown>, 'certificate');
}

function prepareForCreate(obj: KubeObject, ctx?: StrategyContext): void {
  const csr = csrOf(obj);
  normalizeBytes(csr);
  const spec = csr.spec;
  delete spec.username;
  delete spec.uid;
  delete spec.groups;
  delete spec.extra;
  const user = ctx?.user;
  if (user) {
    if (user.name) spec.username = user.name;
    if (user.uid) spec.uid = user.uid;
    if (user.groups.length) spec.groups = [...user.groups];
    if (user.extra && Object.keys(user.extra).length) spec.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
  }
  csr.status = {};
}

/** Replaces the new object's conditions of one type by the old ones when their number did not change. */
function preserveConditionInstances(csr: CertificateSigningRequest, old: CertificateSigningRequest, type: string): void {
  const oldConds = old.status?.conditions ?? [];
  const newConds = csr.status?.conditions ?? [];
  const oldIdx = oldConds.flatMap((c, i) => (c.type === type ? [i] : []));
  const newIdx = newConds.flatMap((c, i) => (c.type === type ? [i] : []));
  if (oldIdx.length !== newIdx.length) return;
  oldIdx.forEach((oi, k) => {
    newConds[newIdx[k]!] = structuredClone(oldConds[oi]!);
  });
}

/** populateConditionTimestamps: lastUpdateTime now when unset; lastTransitionTime kept for an unchanged type/status. */
function populateConditionTimestamps(csr: CertificateSigningRequest, old: CertificateSigningRequest, now: number): void {
  const stamp = rfc3339(now);
  for (const c of csr.status?.conditions ?? []) {
    if (!c.lastUpdateTime) c.lastUpdateTime = stamp;
    if (!c.lastTransitionTime) {
      const prev = (old.status?.conditions ?? []).find((o: CertificateSigningRequestCondition) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = prev?.lastTransitionTime ?? stamp;
    }
  }
}

function keepSpec(csr: CertificateSigningRequest, old: CertificateSigningRequest): void {
  csr.spec = structuredClone(old.spec);
}

export const certificateSigningRequestStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate,
  validate: validateCertificateSigningRequestCreate,
  prepareForUpdate(obj, old) {
    const csr = csrOf(obj);
    const o = old as CertificateSigningRequest;
    keepSpec(csr, o);
    if (o.status === undefined) delete csr.status;
    else csr.status = structuredClone(o.status);
  },
  validateUpdate: validateCertificateSigningRequestUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** certificatesigningrequests/status: the signer sets status.certificate and Failed conditions. */
export const certificateSigningRequestStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old, ctx) {
    const csr = csrOf(obj);
    const o = old as CertificateSigningRequest;
    keepSpec(csr, o);
    if (csr.status && typeof csr.status === 'object') normalizeBytesField(csr.status as unknown as Record<string, unknown>, 'certificate');
    preserveConditionInstances(csr, o, 'Approved');
    preserveConditionInstances(csr, o, 'Denied');
    populateConditionTimestamps(csr, o, ctx?.now ?? Date.now());
  },
  validateUpdate: validateCertificateSigningRequestStatusUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** certificatesigningrequests/approval: `kubectl certificate approve|deny` sets Approved/Denied conditions. */
export const certificateSigningRequestApprovalStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old, ctx) {
    const csr = csrOf(obj);
    const o = old as CertificateSigningRequest;
    keepSpec(csr, o);
    const status = (csr.status ??= {});
    if (o.status?.certificate === undefined) delete status.certificate;
    else status.certificate = o.status.certificate;
    preserveConditionInstances(csr, o, 'Failed');
    populateConditionTimestamps(csr, o, ctx?.now ?? Date.now());
  },
  validateUpdate: validateCertificateSigningRequestApprovalUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
