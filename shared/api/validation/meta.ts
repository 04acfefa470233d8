/**
 * ObjectMeta validation (k8s.io/apimachinery/pkg/api/validation/objectmeta.go, pkg/apis/core/validation
 * ValidateObjectMeta / ValidateObjectMetaUpdate, apis/meta/v1/validation ValidateLabels).
 */
import type { ObjectMeta } from '../meta.ts';
import {
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
  fieldTooLong,
  type FieldError,
} from '../../errors/status-error.ts';
import { arr, idx, isObj, obj, str } from './field-errors.ts';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain, type NameValidator } from './names.ts';

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE_ERROR = 'must be greater than or equal to 0';
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

export interface ObjectMetaOptions {
  /** Namespaced kinds require metadata.namespace; cluster-scoped kinds forbid it. */
  namespaced: boolean;
  /** How metadata.name (and generateName, as a prefix) must look. Default: DNS-1123 subdomain. */
  nameValidator?: NameValidator;
  /** Shorthand for nameValidator: nameIsDNSLabel (used when nameValidator is not given). */
  dnsLabel?: boolean;
}

function nameValidatorOf(opts: ObjectMetaOptions): NameValidator {
  return opts.nameValidator ?? (opts.dnsLabel ? nameIsDNSLabel : nameIsDNSSubdomain);
}

/** ValidateLabelName: the key must be a qualified name; errors sit on the map path, not on the key. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => fieldInvalid(path, name, m));
}

/** ValidateLabels: keys qualified names, values label values; every error uses `path` itself. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj(labels))) {
    errs.push(...validateLabelName(k, path));
    const value = typeof v === 'string' ? v : String(v);
    for (const m of isValidLabelValue(value)) errs.push(fieldInvalid(path, value, m));
  }
  return errs;
}

/** ValidateAnnotations: keys are qualified names compared case-insensitively; total size <= 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(obj(annotations))) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldInvalid(path, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(fieldTooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** apimachinery ValidateFinalizerName (qualified name) at `path` (kube uses the list path, not an index). */
export function validateFinalizerName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => fieldInvalid(path, name, m));
}

/** core validateKubeFinalizerName: unqualified names must be one of the standard finalizers. */
export function validateKubeFinalizerName(name: string, path: string): FieldError[] {
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    return [fieldInvalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

function validateFinalizers(finalizers: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers) errs.push(...validateFinalizerName(f, path));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(fieldInvalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateOwnerReferences(refs: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const r of refs) {
    const ref = obj(r);
    const apiVersion = str(ref.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    if (version === '') errs.push(fieldInvalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (str(ref.kind) === '') errs.push(fieldInvalid(`${path}.kind`, str(ref.kind), 'must not be empty'));
    if (str(ref.name) === '') errs.push(fieldInvalid(`${path}.name`, str(ref.name), 'must not be empty'));
    if (str(ref.uid) === '') errs.push(fieldInvalid(`${path}.uid`, str(ref.uid), 'must not be empty'));
    if (group === '' && version === 'v1' && str(ref.kind) === 'Event') {
      errs.push(fieldInvalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const cur = `${str(ref.kind)}/${str(ref.name)}`;
      if (firstController !== '') {
        errs.push(
          fieldInvalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

function validateManagedFields(entries: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  entries.forEach((e, i) => {
    const m = obj(e);
    const p = idx(path, i);
    if (m.operation !== 'Apply' && m.operation !== 'Update') errs.push(fieldInvalid(`${p}.operation`, str(m.operation), 'must be `Apply` or `Update`'));
    if (str(m.fieldsType) !== '' && m.fieldsType !== 'FieldsV1') errs.push(fieldInvalid(`${p}.fieldsType`, str(m.fieldsType), 'must be `FieldsV1`'));
  });
  return errs;
}

/** The part of ObjectMeta validation shared by create and the generic BeforeCreate pass. */
function validateMetaCommon(meta: ObjectMeta, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ns = str(meta.namespace);
  if (namespaced) {
    if (ns === '') errs.push(fieldRequired(`${path}.namespace`));
    else for (const m of nameIsDNSLabel(ns, false)) errs.push(fieldInvalid(`${path}.namespace`, ns, m));
  } else if (ns !== '') {
    errs.push(fieldForbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) errs.push(fieldInvalid(`${path}.generation`, meta.generation, IS_NEGATIVE_ERROR));
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(arr(meta.ownerReferences), `${path}.ownerReferences`));
  errs.push(...validateFinalizers(arr(meta.finalizers).map(str), `${path}.finalizers`));
  errs.push(...validateManagedFields(arr(meta.managedFields), `${path}.managedFields`));
  return errs;
}

/**
 * ValidateObjectMeta for create. Expects generateName already turned into a name by the registry; a missing
 * name gives `metadata.name: Required value: name or generateName is required`.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  return validateObjectMetaImpl(meta, opts, path, true);
}

function validateObjectMetaImpl(meta: ObjectMeta | undefined, opts: ObjectMetaOptions, path: string, coreRules: boolean): FieldError[] {
  const m = isObj(meta) ? (meta as ObjectMeta) : ({} as ObjectMeta);
  const errs: FieldError[] = [];
  const generateName = str(m.generateName);
  if (generateName !== '') {
    for (const msg of nameValidatorOf(opts)(generateName, true)) errs.push(fieldInvalid(`${path}.generateName`, generateName, msg));
  }
  const name = str(m.name);
  if (name === '') errs.push(fieldRequired(`${path}.name`, 'name or generateName is required'));
  else for (const msg of nameValidatorOf(opts)(name, false)) errs.push(fieldInvalid(`${path}.name`, name, msg));
  errs.push(...validateMetaCommon(m, opts.namespaced, path));
  // core ValidateObjectMeta adds the kube finalizer-name rule, per index.
  if (coreRules) arr(m.finalizers).forEach((f, i) => errs.push(...validateKubeFinalizerName(str(f), idx(`${path}.finalizers`, i))));
  return errs;
}

/** path.ValidatePathSegmentName: the name must be usable as one URL path segment. */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  const msgs: string[] = [];
  if (!prefix) {
    for (const bad of ['.', '..']) if (name === bad) msgs.push(`may not be '${bad}'`);
  }
  for (const bad of ['/', '%']) if (name.includes(bad)) msgs.push(`may not contain '${bad}'`);
  return msgs;
};

/**
 * The generic pass rest.BeforeCreate runs for every kind after the strategy's own validation:
 * ValidateObjectMetaAccessor with ValidatePathSegmentName.
 */
export function validateGenericObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean): FieldError[] {
  return validateObjectMetaImpl(meta, { namespaced, nameValidator: nameIsPathSegment }, 'metadata', false);
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : v);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** ValidateObjectMetaUpdate: identity fields are immutable, generation never decreases, RV is required. */
export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const n = (isObj(newMeta) ? newMeta : {}) as ObjectMeta;
  const o = (isObj(oldMeta) ? oldMeta : {}) as ObjectMeta;
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) {
    const oldF = new Set(arr(o.finalizers).map(str));
    const extra = [...new Set(arr(n.finalizers).map(str))].filter((f) => !oldF.has(f)).sort();
    if (extra.length) {
      errs.push(
        fieldForbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  if (str(n.resourceVersion) === '') errs.push(fieldInvalid(`${path}.resourceVersion`, '', 'must be specified for an update'));
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(fieldInvalid(`${path}.generation`, n.generation ?? 0, 'must not be decremented'));
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (!sameValue(n[f], o[f])) errs.push(fieldInvalid(`${path}.${f}`, n[f] ?? null, FIELD_IMMUTABLE));
  }
  errs.push(...validateLabels(n.labels, `${path}.labels`));
  errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(arr(n.ownerReferences), `${path}.ownerReferences`));
  errs.push(...validateFinalizers(arr(n.finalizers).map(str), `${path}.finalizers`));
  errs.push(...validateManagedFields(arr(n.managedFields), `${path}.managedFields`));
  arr(n.finalizers).forEach((f, i) => errs.push(...validateKubeFinalizerName(str(f), idx(`${path}.finalizers`, i))));
  return errs;
}
