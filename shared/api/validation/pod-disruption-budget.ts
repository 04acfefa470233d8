/** policy/v1 PodDisruptionBudget validation (pkg/apis/policy/validation/validation.go). */
import { fieldDuplicate, fieldInvalid, fieldNotSupported, fieldRequired, fieldTooLong, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { arr, isObj, num, obj, str, type Obj } from './field-errors.ts';
import { fieldInvalidRaw, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.ts';
import { validateLabelSelector, type LabelSelectorValidationOptions } from './label-selector.ts';
import { validateGenericObjectMeta, validateLabelName, validateObjectMetaUpdate } from './meta.ts';
import { regexError } from './names.ts';

const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** Go's %#v of the internal spec, as field.Invalid prints it (the pointers' addresses vary upstream too). */
function goSpec(spec: Obj): string {
  const ptr = (type: string, set: boolean, n: number) => `(*${type})(${set ? `0xc000${(0x100000 + n * 0x10).toString(16)}` : 'nil'})`;
  return (
    'policy.PodDisruptionBudgetSpec{' +
    `MinAvailable:${ptr('intstr.IntOrString', spec.minAvailable !== undefined && spec.minAvailable !== null, 1)}, ` +
    `Selector:${ptr('v1.LabelSelector', isObj(spec.selector), 2)}, ` +
    `MaxUnavailable:${ptr('intstr.IntOrString', spec.maxUnavailable !== undefined && spec.maxUnavailable !== null, 3)}, ` +
    `UnhealthyPodEvictionPolicy:${ptr('policy.UnhealthyPodEvictionPolicyType', typeof spec.unhealthyPodEvictionPolicy === 'string', 4)}}`
  );
}

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** ValidatePodDisruptionBudgetSpec. */
export function validatePodDisruptionBudgetSpec(specIn: unknown, opts: LabelSelectorValidationOptions = {}, path = 'spec'): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) {
    errs.push(fieldInvalidRaw(path, goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    if (!isSet(spec[f])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], `${path}.${f}`), ...isNotMoreThan100Percent(spec[f], `${path}.${f}`));
  }
  errs.push(...validateLabelSelector(spec.selector, `${path}.selector`, opts));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (isSet(policy) && !UNHEALTHY_POD_EVICTION_POLICIES.includes(str(policy))) {
    errs.push(fieldNotSupported(`${path}.unhealthyPodEvictionPolicy`, policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

/**
 * The strategy's Validate plus rest.BeforeCreate's generic metadata pass (the name only has to be a path
 * segment: PodDisruptionBudget has no name validator of its own).
 */
export function validatePodDisruptionBudget(pdb: unknown): FieldError[] {
  const p = obj(pdb);
  return [...validatePodDisruptionBudgetSpec(p.spec), ...validateGenericObjectMeta(obj(p.metadata) as ObjectMeta, true)];
}

/** A stored selector that fails today's label-value check keeps being accepted on update (hasInvalidLabelValueInLabelSelector). */
function hasInvalidLabelValueInSelector(pdb: unknown): boolean {
  const sel = obj(obj(pdb).spec).selector;
  return isObj(sel) && validateLabelSelector(sel, '').length > 0;
}

export function validatePodDisruptionBudgetUpdate(pdb: unknown, old: unknown): FieldError[] {
  const p = obj(pdb);
  return [
    ...validateObjectMetaUpdate(obj(p.metadata) as ObjectMeta, obj(obj(old).metadata) as ObjectMeta),
    ...validatePodDisruptionBudgetSpec(p.spec, { allowInvalidLabelValueInSelector: hasInvalidLabelValueInSelector(old) }),
  ];
}

const CONDITION_REASON_FMT = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const CONDITION_REASON_ERR =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";
const conditionReasonRe = new RegExp(`^${CONDITION_REASON_FMT}$`);

/** metav1validation.ValidateConditions. */
export function validateMetaConditions(conditions: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(conditions).forEach((c, i) => {
    const cond = obj(c);
    const p = `${path}[${i}]`;
    const type = str(cond.type);
    if (seen.has(type)) errs.push(fieldDuplicate(`${p}.type`, type));
    seen.add(type);
    errs.push(...validateLabelName(type, `${p}.type`));
    if (!['False', 'True', 'Unknown'].includes(str(cond.status))) errs.push(fieldNotSupported(`${p}.status`, str(cond.status), ['False', 'True', 'Unknown']));
    const og = num(cond.observedGeneration);
    if (og !== undefined && og < 0) errs.push(fieldInvalid(`${p}.observedGeneration`, og, 'must be greater than or equal to zero'));
    if (!str(cond.lastTransitionTime)) errs.push(fieldRequired(`${p}.lastTransitionTime`, 'must be set'));
    const reason = str(cond.reason);
    if (reason === '') errs.push(fieldRequired(`${p}.reason`, 'must be set'));
    else {
      if (!conditionReasonRe.test(reason)) {
        errs.push(fieldInvalid(`${p}.reason`, reason, regexError(CONDITION_REASON_ERR, CONDITION_REASON_FMT, 'my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB')));
      }
      if (reason.length > 1024) errs.push(fieldTooLong(`${p}.reason`, reason, 1024));
    }
    if (str(cond.message).length > 32 * 1024) errs.push(fieldTooLong(`${p}.message`, cond.message, 32 * 1024));
  });
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1: the counters may not be negative). */
export function validatePodDisruptionBudgetStatusUpdate(pdb: unknown, old: unknown): FieldError[] {
  const p = obj(pdb);
  const status = obj(p.status);
  const errs = [...validateObjectMetaUpdate(obj(p.metadata) as ObjectMeta, obj(obj(old).metadata) as ObjectMeta), ...validateMetaConditions(status.conditions, 'status.conditions')];
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    const v = num(status[f]);
    if (v !== undefined && v < 0) errs.push(fieldInvalid(`status.${f}`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}
