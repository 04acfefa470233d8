/**
 * rbac.authorization.k8s.io validation (pkg/apis/rbac/validation/validation.go) and v1 defaulting
 * (pkg/apis/rbac/v1/defaults.go).
 */
import { fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { GROUP_KIND, RBAC_GROUP, SERVICE_ACCOUNT_KIND, USER_KIND } from '../rbac-v1.ts';
import { arr, idx, obj, str, type Obj } from './field-errors.ts';
import { nameIsPathSegment, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { nameIsDNSSubdomain } from './names.ts';

/** Go's `%#v` of a []string: `[]string{"a", "b"}`. */
export function goStringSlice(xs: readonly string[]): string {
  return `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}`;
}

/** field.Invalid with a value Go renders with %#v (kube's message for non-primitive values). */
function invalidRaw(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${rendered}: ${detail}` };
}

const strs = (v: unknown): string[] => arr(v).map(str);

/** SetDefaults for v1: subjects' apiGroup (User/Group -> the rbac group), roleRef.apiGroup. */
export function defaultRBACObject(o: Obj): void {
  for (const s of arr(o.subjects)) {
    const subj = obj(s);
    if ((subj.kind === USER_KIND || subj.kind === GROUP_KIND) && (subj.apiGroup === undefined || subj.apiGroup === '')) subj.apiGroup = RBAC_GROUP;
    if (subj.kind === SERVICE_ACCOUNT_KIND && subj.apiGroup === undefined) subj.apiGroup = '';
  }
  if (o.roleRef && typeof o.roleRef === 'object' && (obj(o.roleRef).apiGroup === undefined || obj(o.roleRef).apiGroup === '')) {
    obj(o.roleRef).apiGroup = RBAC_GROUP;
  }
}

export function validatePolicyRule(ruleIn: unknown, namespaced: boolean, path: string): FieldError[] {
  const rule = obj(ruleIn);
  const errs: FieldError[] = [];
  const verbs = strs(rule.verbs);
  const nonResourceURLs = strs(rule.nonResourceURLs);
  const apiGroups = strs(rule.apiGroups);
  const resources = strs(rule.resources);
  const resourceNames = strs(rule.resourceNames);
  if (verbs.length === 0) errs.push(fieldRequired(`${path}.verbs`, 'verbs must contain at least one value'));
  if (nonResourceURLs.length > 0) {
    if (namespaced) errs.push(invalidRaw(`${path}.nonResourceURLs`, goStringSlice(nonResourceURLs), 'namespaced rules cannot apply to non-resource URLs'));
    if (apiGroups.length > 0 || resources.length > 0 || resourceNames.length > 0) {
      errs.push(invalidRaw(`${path}.nonResourceURLs`, goStringSlice(nonResourceURLs), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (apiGroups.length === 0) errs.push(fieldRequired(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0) errs.push(fieldRequired(`${path}.resources`, 'resource rules must supply at least one resource'));
  if (resourceNames.length > 0 && resources.length > 1) errs.push(fieldRequired(`${path}.resourceNames`, 'resource names cannot apply to multiple resources'));
  return errs;
}

function validateRules(o: Obj, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  arr(o.rules).forEach((r, i) => errs.push(...validatePolicyRule(r, namespaced, idx('rules', i))));
  return errs;
}

const metaOf = (o: Obj): ObjectMeta => obj(o.metadata) as ObjectMeta;

export function validateRole(role: unknown): FieldError[] {
  const o = obj(role);
  return [...validateObjectMeta(metaOf(o), { namespaced: true, nameValidator: nameIsPathSegment }), ...validateRules(o, true)];
}

export function validateRoleUpdate(role: unknown, old: unknown): FieldError[] {
  return [...validateRole(role), ...validateObjectMetaUpdate(metaOf(obj(role)), metaOf(obj(old)))];
}

function validateAggregationRule(o: Obj): FieldError[] {
  if (o.aggregationRule === undefined || o.aggregationRule === null) return [];
  const errs: FieldError[] = [];
  const selectors = arr(obj(o.aggregationRule).clusterRoleSelectors);
  const path = 'aggregationRule.clusterRoleSelectors';
  if (selectors.length === 0) errs.push(fieldRequired(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  selectors.forEach((s, i) => {
    for (const [j, e] of arr(obj(s).matchExpressions).entries()) {
      const req = obj(e);
      const op = str(req.operator);
      const p = `${idx(path, i)}.matchExpressions[${j}]`;
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) errs.push(fieldNotSupported(`${p}.operator`, op, ['In', 'NotIn', 'Exists', 'DoesNotExist']));
      const values = arr(req.values);
      if ((op === 'In' || op === 'NotIn') && values.length === 0) errs.push(fieldRequired(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
      if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) errs.push({ type: 'FieldValueForbidden', field: `${p}.values`, detail: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
    }
  });
  return errs;
}

export function validateClusterRole(role: unknown): FieldError[] {
  const o = obj(role);
  return [...validateObjectMeta(metaOf(o), { namespaced: false, nameValidator: nameIsPathSegment }), ...validateRules(o, false), ...validateAggregationRule(o)];
}

export function validateClusterRoleUpdate(role: unknown, old: unknown): FieldError[] {
  return [...validateClusterRole(role), ...validateObjectMetaUpdate(metaOf(obj(role)), metaOf(obj(old)))];
}

function validateSubject(subjectIn: unknown, namespaced: boolean, path: string): FieldError[] {
  const s = obj(subjectIn);
  const errs: FieldError[] = [];
  const name = str(s.name);
  const apiGroup = str(s.apiGroup);
  if (name === '') errs.push(fieldRequired(`${path}.name`));
  switch (s.kind) {
    case SERVICE_ACCOUNT_KIND:
      if (name !== '') for (const m of nameIsDNSSubdomain(name, false)) errs.push(fieldInvalid(`${path}.name`, name, m));
      if (apiGroup !== '') errs.push(fieldNotSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && str(s.namespace) === '') errs.push(fieldRequired(`${path}.namespace`));
      break;
    case USER_KIND:
      if (name === '') errs.push(fieldInvalid(`${path}.name`, name, 'user name cannot be empty'));
      if (apiGroup !== RBAC_GROUP) errs.push(fieldNotSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    case GROUP_KIND:
      if (name === '') errs.push(fieldInvalid(`${path}.name`, name, 'group name cannot be empty'));
      if (apiGroup !== RBAC_GROUP) errs.push(fieldNotSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldNotSupported(`${path}.kind`, str(s.kind), [SERVICE_ACCOUNT_KIND, USER_KIND, GROUP_KIND]));
  }
  return errs;
}

function validateBinding(o: Obj, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta(metaOf(o), { namespaced, nameValidator: nameIsPathSegment });
  const ref = obj(o.roleRef);
  const apiGroup = str(ref.apiGroup);
  if (apiGroup !== RBAC_GROUP) errs.push(fieldNotSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(fieldNotSupported('roleRef.kind', str(ref.kind), kinds));
  const name = str(ref.name);
  if (name === '') errs.push(fieldRequired('roleRef.name'));
  else for (const m of nameIsPathSegment(name, false)) errs.push(fieldInvalid('roleRef.name', name, m));
  arr(o.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, idx('subjects', i))));
  return errs;
}

/** Go's %#v of the internal rbac.RoleRef, as the `cannot change roleRef` error shows it. */
function goRoleRef(ref: Obj): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(str(ref.apiGroup))}, Kind:${JSON.stringify(str(ref.kind))}, Name:${JSON.stringify(str(ref.name))}}`;
}

function validateBindingUpdate(o: Obj, old: Obj, namespaced: boolean): FieldError[] {
  const errs = [...validateBinding(o, namespaced), ...validateObjectMetaUpdate(metaOf(o), metaOf(old))];
  const a = obj(o.roleRef);
  const b = obj(old.roleRef);
  if (str(a.apiGroup) !== str(b.apiGroup) || str(a.kind) !== str(b.kind) || str(a.name) !== str(b.name)) {
    errs.push(invalidRaw('roleRef', goRoleRef(a), 'cannot change roleRef'));
  }
  return errs;
}

export const validateRoleBinding = (b: unknown): FieldError[] => validateBinding(obj(b), true);
export const validateRoleBindingUpdate = (b: unknown, old: unknown): FieldError[] => validateBindingUpdate(obj(b), obj(old), true);
export const validateClusterRoleBinding = (b: unknown): FieldError[] => validateBinding(obj(b), false);
export const validateClusterRoleBindingUpdate = (b: unknown, old: unknown): FieldError[] => validateBindingUpdate(obj(b), obj(old), false);
