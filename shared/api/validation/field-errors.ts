/**
 * Field-error helpers missing from shared/errors/status-error.ts, plus small readers for untrusted JSON.
 * Messages follow k8s.io/apimachinery/pkg/util/validation/field/errors.go (Kubernetes 1.32).
 */
import { fieldInvalid, renderValue, type FieldError } from '../../errors/status-error.ts';
import { isDNS1123Label, isQualifiedName } from './names.ts';

/** ValidateDNS1123Label: one Invalid per message, on the field itself. */
export function validateDNS1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => fieldInvalid(path, value, m));
}

/** ValidateQualifiedName: one Invalid per message, on the field itself. */
export function validateQualifiedName(value: string, path: string): FieldError[] {
  return isQualifiedName(value).map((m) => fieldInvalid(path, value, m));
}

/** field.NotFound: `Not found: "x"`. */
export const fieldNotFound = (field: string, value: unknown): FieldError => ({
  type: 'FieldValueNotFound',
  field,
  detail: `Not found: ${renderValue(value)}`,
});

/** field.Duplicate with its detail replaced (kube does this for taints). */
export const fieldDuplicateWithDetail = (field: string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueDuplicate',
  field,
  detail: `Duplicate value: ${renderValue(value)}: ${detail}`,
});

/** field.TooMany. */
export const fieldTooMany = (field: string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field,
  detail: `Too many: ${actual}: must have at most ${max} items`,
});

// ---- readers: validators see decoded JSON, which may not have the expected shape ----

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) out[k] = typeof x === 'string' ? x : String(x);
  return out;
}

/** field.Path.Key rendering: `labels[app]`. */
export const key = (path: string, k: string): string => `${path}[${k}]`;
export const idx = (path: string, i: number): string => `${path}[${i}]`;
