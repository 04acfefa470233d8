/**
 * CertificateSigningRequest validation (pkg/apis/certificates/validation: ValidateCertificateSigningRequestCreate,
 * ...Update, ...StatusUpdate, ...ApprovalUpdate) and core's ValidateSignerName, with kube's messages.
 */
import { fieldDuplicate, fieldForbidden, fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../certificates-v1.ts';
import { LEGACY_UNKNOWN_SIGNER_NAME } from '../certificates-v1.ts';
import type { ObjectMeta } from '../meta.ts';
import { decodeStdBase64 } from './base64.ts';
import { arr, idx, obj, str } from './field-errors.ts';
import { nameIsPathSegment, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { isDNS1123Label, isDNS1123Subdomain } from './names.ts';
import { validateCertificatePem, validateCertificateRequestPem } from './pem.ts';
import { fieldTooLongBytes } from './secret.ts';

/** certificates.KeyUsage values the API accepts, sorted (sets.String.List()). */
export const ALL_VALID_USAGES = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
];
const VALID_USAGES = new Set(ALL_VALID_USAGES);

const TRUE_ONLY_CONDITIONS = new Set(['Approved', 'Denied', 'Failed']);

const DNS1123_SUBDOMAIN_MAX = 253;
const DNS1123_LABEL_MAX = 63;

/** Go's %#v of a []byte, as field.Invalid renders a []byte value: `[]byte{0x2d, 0x2d}`. */
export function goBytesLiteral(b: Buffer | undefined): string {
  if (!b) return '[]byte(nil)';
  return `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
}

function invalidRaw(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${rendered}: ${detail}` };
}

function bytes(v: unknown): Buffer {
  if (typeof v !== 'string') return Buffer.alloc(0);
  try {
    return decodeStdBase64(v);
  } catch {
    return Buffer.alloc(0);
  }
}

/** core validation.ValidateSignerName. */
export function validateSignerName(path: string, signerName: string): FieldError[] {
  const errs: FieldError[] = [];
  if (signerName.length === 0) return [fieldRequired(path)];
  const segments = signerName.split('/');
  if (segments.length !== 2) {
    return [fieldInvalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const [domain, rest] = segments as [string, string];
  if (domain.length > DNS1123_SUBDOMAIN_MAX) errs.push(fieldTooLongBytes(path, DNS1123_SUBDOMAIN_MAX));
  const domainLabels = domain.split('.');
  for (const lbl of domainLabels) {
    const msgs = isDNS1123Label(lbl);
    if (msgs.length) {
      for (const m of msgs) errs.push(fieldInvalid(path, domain, `validating label ${JSON.stringify(lbl)}: ${m}`));
      break;
    }
  }
  if (domainLabels.length < 2) errs.push(fieldInvalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  for (const lbl of rest.split('.')) {
    const msgs = isDNS1123Subdomain(lbl);
    if (msgs.length) {
      for (const m of msgs) errs.push(fieldInvalid(path, rest, `validating label ${JSON.stringify(lbl)}: ${m}`));
      break;
    }
  }
  const maxSigner = DNS1123_SUBDOMAIN_MAX + (DNS1123_SUBDOMAIN_MAX + DNS1123_LABEL_MAX + 1) + 1;
  if (signerName.length > maxSigner) errs.push(fieldTooLongBytes(path, maxSigner));
  return errs;
}

interface Options {
  allowSettingApprovalConditions: boolean;
  allowSettingCertificate: boolean;
  allowBothApprovedAndDenied: boolean;
  allowLegacySignerName: boolean;
  allowDuplicateConditionTypes: boolean;
  allowEmptyConditionType: boolean;
  allowArbitraryCertificate: boolean;
  allowUnknownUsages: boolean;
  allowDuplicateUsages: boolean;
}

function conditions(csr: unknown): CertificateSigningRequestCondition[] {
  return arr(obj(obj(csr).status).conditions).map((c) => obj(c) as unknown as CertificateSigningRequestCondition);
}
function usages(csr: unknown): string[] {
  return arr(obj(obj(csr).spec).usages).map(str);
}
function certificateOf(csr: unknown): Buffer {
  return bytes(obj(obj(csr).status).certificate);
}

function hasDuplicates(xs: string[]): boolean {
  return new Set(xs).size !== xs.length;
}

/** getValidationOptions: tolerate what an existing object already has. */
function optionsFor(csr: unknown, old: unknown | undefined): Options {
  const oldConds = old ? conditions(old) : [];
  const oldTypes = oldConds.map((c) => str(c.type));
  const oldUsages = old ? usages(old) : [];
  const sameCert = old !== undefined && certificateOf(csr).equals(certificateOf(old));
  return {
    allowSettingApprovalConditions: false,
    allowSettingCertificate: false,
    allowBothApprovedAndDenied: old !== undefined && oldTypes.includes('Approved') && oldTypes.includes('Denied'),
    allowLegacySignerName: old !== undefined && str(obj(obj(old).spec).signerName) === LEGACY_UNKNOWN_SIGNER_NAME,
    allowDuplicateConditionTypes: old !== undefined && hasDuplicates(oldTypes),
    allowEmptyConditionType: old !== undefined && oldTypes.some((t) => t === ''),
    allowArbitraryCertificate: sameCert || (old !== undefined && validateCertificatePem(certificateOf(old)) !== undefined),
    allowUnknownUsages: old !== undefined && oldUsages.some((u) => !VALID_USAGES.has(u)),
    allowDuplicateUsages: old !== undefined && hasDuplicates(oldUsages),
  };
}

function validateConditions(csr: unknown, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const path = 'status.conditions';
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditions(csr).forEach((c, i) => {
    const type = str(c.type);
    const status = str(c.status);
    if (!opts.allowEmptyConditionType && type === '') errs.push(fieldRequired(`${idx(path, i)}.type`));
    const allowed = TRUE_ONLY_CONDITIONS.has(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (status === '') errs.push(fieldRequired(`${idx(path, i)}.status`));
    else if (!allowed.includes(status)) errs.push(fieldNotSupported(`${idx(path, i)}.status`, status, allowed));
    if (!opts.allowBothApprovedAndDenied) {
      if (type === 'Approved') {
        approved = true;
        if (denied) errs.push(fieldInvalid(`${idx(path, i)}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === 'Denied') {
        denied = true;
        if (approved) errs.push(fieldInvalid(`${idx(path, i)}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!opts.allowDuplicateConditionTypes) {
      if (seen.has(type)) errs.push(fieldDuplicate(`${idx(path, i)}.type`, type));
      seen.add(type);
    }
  });
  return errs;
}

function validateCSR(csr: unknown, opts: Options): FieldError[] {
  const c = obj(csr);
  const spec = obj(c.spec);
  // ValidateCertificateRequestName accepts any name; rest.BeforeCreate's generic pass still wants a path segment.
  const errs = validateObjectMeta(obj(c.metadata) as ObjectMeta, { namespaced: false, nameValidator: nameIsPathSegment });
  const request = typeof spec.request === 'string' ? bytes(spec.request) : undefined;
  const reqErr = validateCertificateRequestPem(request ?? Buffer.alloc(0));
  if (reqErr) errs.push(invalidRaw('spec.request', goBytesLiteral(request), reqErr));
  const us = usages(csr);
  if (us.length === 0) errs.push(fieldRequired('spec.usages'));
  if (!opts.allowUnknownUsages) {
    us.forEach((u, i) => {
      if (!VALID_USAGES.has(u)) errs.push(fieldNotSupported(idx('spec.usages', i), u, ALL_VALID_USAGES));
    });
  }
  if (!opts.allowDuplicateUsages) {
    const seen = new Set<string>();
    us.forEach((u, i) => {
      if (seen.has(u)) errs.push(fieldDuplicate(idx('spec.usages', i), u));
      seen.add(u);
    });
  }
  const signerName = str(spec.signerName);
  if (!opts.allowLegacySignerName && signerName === LEGACY_UNKNOWN_SIGNER_NAME) {
    errs.push(fieldInvalid('spec.signerName', signerName, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', signerName));
  }
  const exp = spec.expirationSeconds;
  if (typeof exp === 'number' && exp < 600) {
    errs.push(fieldInvalid('spec.expirationSeconds', exp, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, opts));
  if (!opts.allowArbitraryCertificate) {
    const certErr = validateCertificatePem(certificateOf(csr));
    if (certErr) errs.push(fieldInvalid('status.certificate', '<certificate data>', certErr));
  }
  return errs;
}

function ofType(csr: unknown, t: string): CertificateSigningRequestCondition[] {
  return conditions(csr).filter((c) => c.type === t);
}

function conditionText(cs: CertificateSigningRequestCondition[]): string {
  return JSON.stringify(cs);
}

function validateUpdate(csr: unknown, old: unknown, opts: Options): FieldError[] {
  const errs = validateCSR(csr, opts);
  for (const t of ['Approved', 'Denied', 'Failed']) {
    if (ofType(csr, t).length < ofType(old, t).length) errs.push(fieldForbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(t)}`));
  }
  if (!opts.allowSettingApprovalConditions) {
    for (const t of ['Approved', 'Denied']) {
      const o = ofType(old, t);
      const n = ofType(csr, t);
      if (n.length < o.length) continue;
      if (n.length > o.length) errs.push(fieldForbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(t)}`));
      else if (conditionText(o) !== conditionText(n)) {
        errs.push(fieldForbidden('status.conditions', `updates may not modify a condition of type ${JSON.stringify(t)}\n-${conditionText(o)}\n+${conditionText(n)}`));
      }
    }
  }
  if (!certificateOf(csr).equals(certificateOf(old))) {
    if (!opts.allowSettingCertificate) errs.push(fieldForbidden('status.certificate', 'updates may not set certificate content'));
    else if (certificateOf(old).length > 0) errs.push(fieldForbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  errs.push(...validateObjectMetaUpdate(obj(obj(csr).metadata) as ObjectMeta, obj(obj(old).metadata) as ObjectMeta));
  return errs;
}

export function validateCertificateSigningRequestCreate(csr: unknown): FieldError[] {
  return validateCSR(csr, optionsFor(csr, undefined));
}

export function validateCertificateSigningRequestUpdate(csr: unknown, old: unknown): FieldError[] {
  return validateUpdate(csr, old, optionsFor(csr, old));
}

export function validateCertificateSigningRequestStatusUpdate(csr: unknown, old: unknown): FieldError[] {
  return validateUpdate(csr, old, { ...optionsFor(csr, old), allowSettingCertificate: true });
}

export function validateCertificateSigningRequestApprovalUpdate(csr: unknown, old: unknown): FieldError[] {
  return validateUpdate(csr, old, { ...optionsFor(csr, old), allowSettingApprovalConditions: true });
}

export type { CertificateSigningRequest };
