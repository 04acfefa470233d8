/**
 * Secret, ConfigMap and ServiceAccount validation (pkg/apis/core/validation ValidateSecret,
 * ValidateSecretUpdate, ValidateConfigMap, ValidateConfigMapUpdate, ValidateServiceAccount,
 * ValidateServiceAccountUpdate). Map keys are visited in sorted order (Go's map order is random).
 */
import { fieldForbidden, fieldInvalid, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import {
  MAX_SECRET_SIZE,
  SECRET_TYPE_BASIC_AUTH,
  SECRET_TYPE_DOCKERCFG,
  SECRET_TYPE_DOCKER_CONFIG_JSON,
  SECRET_TYPE_OPAQUE,
  SECRET_TYPE_SERVICE_ACCOUNT_TOKEN,
  SECRET_TYPE_SSH_AUTH,
  SECRET_TYPE_TLS,
  SERVICE_ACCOUNT_NAME_KEY,
} from '../core-v1.ts';
import type { ObjectMeta } from '../meta.ts';
import { base64DecodedLength, decodeStdBase64 } from './base64.ts';
import { key, obj, str, strMap } from './field-errors.ts';
import { FIELD_IMMUTABLE, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { isConfigMapKey, nameIsDNSSubdomain } from './names.ts';

/** `field is immutable when \`immutable\` is set`. */
export const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

/** field.TooLong with kube 1.32's wording: `Too long: must have at most 1048576 bytes`. */
export function fieldTooLongBytes(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `Too long: must have at most ${max} ${max === 1 ? 'byte' : 'bytes'}` };
}

function meta(o: unknown): ObjectMeta {
  return obj(obj(o).metadata) as ObjectMeta;
}

function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort();
}

/** Decoded bytes of a base64 value (validation runs after decoding, so values are well formed). */
function bytesOf(v: string): Buffer {
  try {
    return decodeStdBase64(v);
  } catch {
    return Buffer.alloc(0);
  }
}

function validJSON(b: Buffer): string | undefined {
  try {
    const v = JSON.parse(b.toString('utf8')) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'json: cannot unmarshal non-object into Go value of type map[string]interface {}';
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** ValidateSecret. */
export function validateSecret(secret: unknown): FieldError[] {
  const s = obj(secret);
  const m = meta(secret);
  const errs = validateObjectMeta(m, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const data = strMap(s.data);
  let total = 0;
  for (const k of sortedKeys(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(fieldInvalid(key('data', k), k, msg));
    total += base64DecodedLength(data[k]!);
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldTooLongBytes('data', MAX_SECRET_SIZE));
  const type = str(s.type);
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  switch (type) {
    case SECRET_TYPE_SERVICE_ACCOUNT_TOKEN:
      if (!m.annotations?.[SERVICE_ACCOUNT_NAME_KEY]) errs.push(fieldRequired(key('metadata.annotations', SERVICE_ACCOUNT_NAME_KEY)));
      break;
    case SECRET_TYPE_OPAQUE:
    case '':
      break;
    case SECRET_TYPE_DOCKERCFG:
    case SECRET_TYPE_DOCKER_CONFIG_JSON: {
      const k = type === SECRET_TYPE_DOCKERCFG ? '.dockercfg' : '.dockerconfigjson';
      if (!has(k)) {
        errs.push(fieldRequired(key('data', k)));
        break;
      }
      const bad = validJSON(bytesOf(data[k]!));
      if (bad) errs.push(fieldInvalid(key('data', k), '<secret contents redacted>', bad));
      break;
    }
    case SECRET_TYPE_BASIC_AUTH:
      if (!has('username') && !has('password')) {
        errs.push(fieldRequired(key('data', 'username')), fieldRequired(key('data', 'password')));
      }
      break;
    case SECRET_TYPE_SSH_AUTH:
      if (!has('ssh-privatekey') || base64DecodedLength(data['ssh-privatekey']!) === 0) errs.push(fieldRequired(key('data', 'ssh-privatekey')));
      break;
    case SECRET_TYPE_TLS:
      if (!has('tls.crt')) errs.push(fieldRequired(key('data', 'tls.crt')));
      if (!has('tls.key')) errs.push(fieldRequired(key('data', 'tls.key')));
      break;
    default:
      break;
  }
  return errs;
}

function sameMap(a: unknown, b: unknown): boolean {
  const x = strMap(a);
  const y = strMap(b);
  const kx = sortedKeys(x);
  const ky = sortedKeys(y);
  if (kx.length !== ky.length) return false;
  return kx.every((k, i) => k === ky[i] && bytesOf(x[k]!).equals(bytesOf(y[k]!)));
}

/** ValidateSecretUpdate: type is immutable; an immutable Secret keeps its data and stays immutable. */
export function validateSecretUpdate(secret: unknown, oldSecret: unknown): FieldError[] {
  const n = obj(secret);
  const o = obj(oldSecret);
  const errs = validateObjectMetaUpdate(meta(secret), meta(oldSecret));
  if (str(n.type) !== str(o.type)) errs.push(fieldInvalid('type', n.type ?? '', FIELD_IMMUTABLE));
  if (o.immutable === true) {
    if (n.immutable !== true) errs.push(fieldForbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!sameMap(n.data, o.data)) errs.push(fieldForbidden('data', IMMUTABLE_WHEN_SET));
  }
  errs.push(...validateSecret(secret));
  return errs;
}

/** ValidateConfigMap: valid keys, no key in both data and binaryData, 1 MiB in all. */
export function validateConfigMap(cm: unknown): FieldError[] {
  const c = obj(cm);
  const errs = validateObjectMeta(meta(cm), { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const data = strMap(c.data);
  const binary = strMap(c.binaryData);
  let total = 0;
  for (const k of sortedKeys(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(fieldInvalid(key('data', k), k, msg));
    if (Object.prototype.hasOwnProperty.call(binary, k)) errs.push(fieldInvalid(key('data', k), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(data[k]!, 'utf8');
  }
  for (const k of sortedKeys(binary)) {
    for (const msg of isConfigMapKey(k)) errs.push(fieldInvalid(key('binaryData', k), k, msg));
    total += base64DecodedLength(binary[k]!);
  }
  // The path is empty: the error is about the whole object.
  if (total > MAX_SECRET_SIZE) errs.push(fieldTooLongBytes('', MAX_SECRET_SIZE));
  return errs;
}

/** ValidateConfigMapUpdate. */
export function validateConfigMapUpdate(cm: unknown, oldCm: unknown): FieldError[] {
  const n = obj(cm);
  const o = obj(oldCm);
  const errs = validateObjectMetaUpdate(meta(cm), meta(oldCm));
  if (o.immutable === true) {
    if (n.immutable !== true) errs.push(fieldForbidden('immutable', IMMUTABLE_WHEN_SET));
    if (JSON.stringify(sortedEntries(n.data)) !== JSON.stringify(sortedEntries(o.data))) errs.push(fieldForbidden('data', IMMUTABLE_WHEN_SET));
    if (!sameMap(n.binaryData, o.binaryData)) errs.push(fieldForbidden('binaryData', IMMUTABLE_WHEN_SET));
  }
  errs.push(...validateConfigMap(cm));
  return errs;
}

function sortedEntries(m: unknown): [string, string][] {
  const x = strMap(m);
  return sortedKeys(x).map((k) => [k, x[k]!]);
}

/** ValidateServiceAccount: metadata only (DNS-subdomain name). */
export function validateServiceAccount(sa: unknown): FieldError[] {
  return validateObjectMeta(meta(sa), { namespaced: true, nameValidator: nameIsDNSSubdomain });
}

/** ValidateServiceAccountUpdate. */
export function validateServiceAccountUpdate(sa: unknown, oldSa: unknown): FieldError[] {
  return [...validateObjectMetaUpdate(meta(sa), meta(oldSa)), ...validateServiceAccount(sa)];
}
