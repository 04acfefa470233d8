/**
 * intstr.IntOrString checks of pkg/apis/apps/validation (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent),
 * used by PodDisruptionBudgets and the rolling-update parameters of the workload kinds. kube renders the bad
 * value with Go's %#v, `intstr.IntOrString{Type:1, IntVal:0, StrVal:"x"}`, and so do these errors.
 */
import type { FieldError } from '../../errors/status-error.ts';
import { regexError } from './names.ts';

const PERCENT_FMT = '[0-9]+%';
const PERCENT_ERR = "a valid percent string must be a numeric string followed by an ending '%'";
const percentRe = new RegExp(`^${PERCENT_FMT}$`);

/** validation.IsValidPercent. */
export function isValidPercent(value: string): string[] {
  return percentRe.test(value) ? [] : [regexError(PERCENT_ERR, PERCENT_FMT, '1%', '93%')];
}

/** Go's %#v of an intstr.IntOrString value. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

/** field.Invalid with a value rendered by the caller (Go's %#v for structs). */
export function fieldInvalidRaw(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${rendered}: ${detail}` };
}

/** ValidatePositiveIntOrPercent: a percent string, or an integer >= 0 (nothing to check when unset). */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return isValidPercent(v).map((m) => fieldInvalidRaw(path, goIntOrString(v), m));
  if (typeof v === 'number' && Number.isInteger(v)) {
    return v < 0 ? [fieldInvalidRaw(path, String(v), 'must be greater than or equal to 0')] : [];
  }
  return [fieldInvalidRaw(path, goIntOrString(v), "must be an integer or percentage (e.g '5%')")];
}

/** IsNotMoreThan100Percent: only a valid percent string above 100% is refused. */
export function isNotMoreThan100Percent(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return [];
  return Number(v.slice(0, -1)) <= 100 ? [] : [fieldInvalidRaw(path, goIntOrString(v), 'must not be greater than 100%')];
}
