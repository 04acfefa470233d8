/**
 * apps/v1 validation, following pkg/apis/apps/validation/validation.go (Kubernetes 1.32): Deployments,
 * ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions, their status updates, and the strategy-level rules
 * kube adds on update (immutable selectors in apps/v1). Validators expect a *defaulted* object (see
 * shared/api/defaults/apps.ts), as kube validates after defaulting.
 *
 * Values in messages are rendered as Go's field.Error does: `%#v` for maps and structs
 * (`map[string]string{"app":"web"}`, `v1.LabelSelector{...}`, `intstr.IntOrString{...}`), which kubectl prints.
 */
import { fieldForbidden, fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import { labelSelectorFromMeta, matches, type MetaLabelSelector } from '../labels.ts';
import type { ObjectMeta } from '../meta.ts';
import { semanticEqual } from './_semantic.ts';
import { arr, isObj, num, obj, str, type Obj } from './field-errors.ts';
import { FIELD_IMMUTABLE, IS_NEGATIVE_ERROR, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { nameIsDNSLabel, nameIsDNSSubdomain, regexError } from './names.ts';
import { validateLabelSelector } from './label-selector.ts';
import { goIntOrString, isNotMoreThan100Percent, isValidPercent, validatePositiveIntOrPercent } from './int-or-percent.ts';

export { goIntOrString };
import { validatePodSpecificAnnotations, validatePodTemplateSpec } from './pod.ts';

// ---- Go value rendering (field.Error's %#v fallback) ----

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** `map[string]string{"a":"b", "c":"d"}`; nil when absent. Go sorts map keys when printing. */
export function goStringMap(m: unknown): string {
  if (!isObj(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(str(m[k]))}`).join(', ')}}`;
}

function goStringSlice(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${v.map((x) => goQuote(str(x))).join(', ')}}`;
}

/** A metav1.LabelSelector as `%#v` prints it (the value behind the *LabelSelector field.Invalid is given). */
export function goLabelSelector(sel: unknown): string {
  if (!isObj(sel)) return 'null';
  const exprs = Array.isArray(sel.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => {
          const r = obj(e);
          return `v1.LabelSelectorRequirement{Key:${goQuote(str(r.key))}, Operator:${goQuote(str(r.operator))}, Values:${goStringSlice(r.values)}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** field.Invalid with a value already rendered. */
function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${rendered}${detail ? `: ${detail}` : ''}` };
}

function notSupportedRendered(field: string, rendered: string, supported: string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, detail: `Unsupported value: ${rendered}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}` };
}

// ---- shared checks ----

/** ValidateNonnegativeField. */
function nonNegative(value: unknown, path: string): FieldError[] {
  const n = num(value) ?? 0;
  return n < 0 ? [fieldInvalid(path, n, IS_NEGATIVE_ERROR)] : [];
}

/** getIntOrPercentValue: the percent number for a valid percent, else IntOrString.IntValue() (Atoi, 0 on error). */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (isValidPercent(v).length === 0) return Number(v.slice(0, -1));
    return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
  }
  return 0;
}

function meta(o: unknown): ObjectMeta {
  return obj(obj(o).metadata) as ObjectMeta;
}

function spec(o: unknown): Obj {
  return obj(obj(o).spec);
}

function template(s: Obj): Obj {
  return obj(s.template);
}

function templateLabels(s: Obj): unknown {
  return obj(template(s).metadata).labels;
}

function templateSpec(s: Obj): Obj {
  return obj(template(s).spec);
}

/**
 * The selector as metav1.LabelSelectorAsSelector sees it: absent selects nothing, `{}` everything; undefined
 * when it does not convert (bad operator or values).
 */
function asSelector(sel: unknown): { matchesTemplate: (labels: unknown) => boolean; empty: boolean } | undefined {
  try {
    const s = labelSelectorFromMeta(isObj(sel) ? (sel as MetaLabelSelector) : undefined);
    return { matchesTemplate: (labels) => matches(s, isObj(labels) ? (labels as Record<string, string>) : {}), empty: isObj(sel) && s.requirements.length === 0 };
  } catch {
    return undefined;
  }
}

/** The selector checks shared by Deployments and ReplicaSets (and StatefulSets, with their own wording). */
function validateRequiredSelector(s: Obj, kindWord: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(s.selector)) {
    errs.push(fieldRequired('spec.selector'));
    return errs;
  }
  errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  if (Object.keys(obj(s.selector.matchLabels)).length + arr(s.selector.matchExpressions).length === 0) {
    errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), `empty selector is invalid for ${kindWord}`));
  }
  return errs;
}

/**
 * ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets): the selector matches the template labels,
 * the template is a valid PodTemplateSpec, restartPolicy Always, no activeDeadlineSeconds.
 */
function validateTemplateForReplicaSet(s: Obj, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const selector = asSelector(s.selector);
  if (!selector) {
    errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), 'invalid label selector'));
    return errs;
  }
  if (!selector.empty && !selector.matchesTemplate(templateLabels(s))) {
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(templateLabels(s)), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template(s), 'spec.template'));
  errs.push(...restartPolicyAlways(s, kind));
  return errs;
}

function restartPolicyAlways(s: Obj, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const ts = templateSpec(s);
  const rp = str(ts.restartPolicy);
  if (rp !== 'Always') errs.push(fieldNotSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (ts.activeDeadlineSeconds !== undefined && ts.activeDeadlineSeconds !== null) {
    errs.push(fieldForbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/** The apps/v1 strategies' ValidateUpdate rule: spec.selector cannot change (ValidateImmutableField). */
function immutableSelector(s: Obj, old: Obj): FieldError[] {
  return semanticEqual(s.selector, old.selector) ? [] : [invalidRendered('spec.selector', goLabelSelector(s.selector), FIELD_IMMUTABLE)];
}

// ---- Deployment ----

function validateDeploymentStrategy(st: Obj): FieldError[] {
  const path = 'spec.strategy';
  const errs: FieldError[] = [];
  const type = str(st.type);
  if (type === 'Recreate') {
    if (st.rollingUpdate !== undefined && st.rollingUpdate !== null) {
      errs.push(fieldForbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (type === 'RollingUpdate') {
    if (!isObj(st.rollingUpdate)) errs.push(fieldRequired(`${path}.rollingUpdate`, 'this should be defaulted and never be nil'));
    else {
      const ru = st.rollingUpdate;
      const p = `${path}.rollingUpdate`;
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalidRendered(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
    }
  } else {
    const ru = isObj(st.rollingUpdate) ? '(*apps.RollingUpdateDeployment)(0xc000000000)' : '(*apps.RollingUpdateDeployment)(nil)';
    errs.push(notSupportedRendered(path, `apps.DeploymentStrategy{Type:${goQuote(type)}, RollingUpdate:${ru}}`, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

/** ValidateDeploymentSpec. */
function validateDeploymentSpec(s: Obj): FieldError[] {
  const errs = nonNegative(s.replicas, 'spec.replicas');
  errs.push(...validateRequiredSelector(s, 'deployment'));
  errs.push(...validateTemplateForReplicaSet(s, 'ReplicaSet'));
  errs.push(...validateDeploymentStrategy(obj(s.strategy)));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  if (s.revisionHistoryLimit !== undefined && s.revisionHistoryLimit !== null) errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const pds = num(s.progressDeadlineSeconds);
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (num(s.minReadySeconds) ?? 0)) errs.push(fieldInvalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** ValidateDeployment (create). */
export function validateDeployment(d: unknown): FieldError[] {
  const errs = validateObjectMeta(meta(d), { namespaced: true, nameValidator: nameIsDNSSubdomain });
  errs.push(...validateDeploymentSpec(spec(d)));
  return errs;
}

/** ValidateDeploymentUpdate + the apps/v1 strategy's immutable selector. */
export function validateDeploymentUpdate(d: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(meta(d), meta(old));
  errs.push(...validateDeploymentSpec(spec(d)));
  errs.push(...immutableSelector(spec(d), spec(old)));
  return errs;
}

function status(o: unknown): Obj {
  return obj(obj(o).status);
}

/** apivalidation.IsDecremented for status.collisionCount. */
function collisionCountDecremented(s: Obj, old: Obj): FieldError[] {
  const o = num(old.collisionCount);
  if (o === undefined) return [];
  const n = num(s.collisionCount);
  if (n !== undefined && n >= o) return [];
  return [fieldInvalid('status.collisionCount', n ?? 0, 'cannot be decremented')];
}

/** ValidateDeploymentStatusUpdate. */
export function validateDeploymentStatusUpdate(d: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(meta(d), meta(old));
  const st = status(d);
  for (const f of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) {
    errs.push(...nonNegative(st[f], `status.${f}`));
  }
  if (st.collisionCount !== undefined && st.collisionCount !== null) errs.push(...nonNegative(st.collisionCount, 'status.collisionCount'));
  const replicas = num(st.replicas) ?? 0;
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['updatedReplicas', 'readyReplicas', 'availableReplicas']) {
    const v = num(st[f]) ?? 0;
    if (v > replicas) errs.push(fieldInvalid(`status.${f}`, v, msg));
  }
  const available = num(st.availableReplicas) ?? 0;
  if (available > (num(st.readyReplicas) ?? 0)) errs.push(fieldInvalid('status.availableReplicas', available, 'cannot be greater than readyReplicas'));
  errs.push(...collisionCountDecremented(st, status(old)));
  return errs;
}

// ---- ReplicaSet ----

function validateReplicaSetSpec(s: Obj): FieldError[] {
  const errs = nonNegative(s.replicas, 'spec.replicas');
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  // kube's ReplicaSet check says "deployment" too (ValidateReplicaSetSpec).
  errs.push(...validateRequiredSelector(s, 'deployment'));
  errs.push(...validateTemplateForReplicaSet(s, 'ReplicaSet'));
  return errs;
}

export function validateReplicaSet(rs: unknown): FieldError[] {
  const errs = validateObjectMeta(meta(rs), { namespaced: true, nameValidator: nameIsDNSSubdomain });
  errs.push(...validateReplicaSetSpec(spec(rs)));
  return errs;
}

export function validateReplicaSetUpdate(rs: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(meta(rs), meta(old));
  errs.push(...validateReplicaSetSpec(spec(rs)));
  errs.push(...immutableSelector(spec(rs), spec(old)));
  return errs;
}

export function validateReplicaSetStatusUpdate(rs: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(meta(rs), meta(old));
  const st = status(rs);
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
    errs.push(...nonNegative(st[f], `status.${f}`));
  }
  const replicas = num(st.replicas) ?? 0;
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    const v = num(st[f]) ?? 0;
    if (v > replicas) errs.push(fieldInvalid(`status.${f}`, v, msg));
  }
  const available = num(st.availableReplicas) ?? 0;
  if (available > (num(st.readyReplicas) ?? 0)) errs.push(fieldInvalid('status.availableReplicas', available, 'cannot be greater than readyReplicas'));
  return errs;
}

// ---- StatefulSet ----

function validateStatefulSetSpec(s: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const pmp = str(s.podManagementPolicy);
  if (pmp === '') errs.push(fieldRequired('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(fieldInvalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));

  const us = obj(s.updateStrategy);
  const usType = str(us.type);
  const ru = us.rollingUpdate;
  if (usType === '') errs.push(fieldRequired('spec.updateStrategy'));
  else if (usType === 'OnDelete') {
    if (ru !== undefined && ru !== null) {
      errs.push(invalidRendered('spec.updateStrategy.rollingUpdate', goRollingUpdateStatefulSet(ru), "only allowed for updateStrategy 'RollingUpdate'"));
    }
  } else if (usType === 'RollingUpdate') {
    if (isObj(ru)) {
      const p = 'spec.updateStrategy.rollingUpdate';
      errs.push(...nonNegative(ru.partition, `${p}.partition`));
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalidRendered(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      }
    }
  } else {
    const ruText = isObj(ru) ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)' : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
    errs.push(invalidRendered('spec.updateStrategy', `apps.StatefulSetUpdateStrategy{Type:${goQuote(usType)}, RollingUpdate:${ruText}}`, "must be 'RollingUpdate' or 'OnDelete'"));
  }

  const retention = s.persistentVolumeClaimRetentionPolicy;
  if (isObj(retention)) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      const v = str(retention[f]);
      if (v !== 'Retain' && v !== 'Delete') errs.push(fieldNotSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
    }
  }
  errs.push(...nonNegative(s.replicas, 'spec.replicas'));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  if (isObj(s.ordinals)) errs.push(...nonNegative(s.ordinals.start, 'spec.ordinals.start'));

  if (!isObj(s.selector)) errs.push(fieldRequired('spec.selector'));
  else {
    errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
    if (Object.keys(obj(s.selector.matchLabels)).length + arr(s.selector.matchExpressions).length === 0) {
      errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), 'empty selector is invalid for statefulset'));
    }
  }
  const selector = asSelector(s.selector);
  if (!selector) errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), ''));
  else {
    // ValidatePodTemplateSpecForStatefulSet: labels and annotations only (kube leaves the PodSpec unvalidated here).
    const t = template(s);
    const tMeta = obj(t.metadata);
    if (!selector.empty && !selector.matchesTemplate(tMeta.labels)) {
      errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(tMeta.labels), '`selector` does not match template `labels`'));
    }
    errs.push(...validateLabels(tMeta.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(tMeta.annotations, 'spec.template.annotations'));
    errs.push(...validatePodSpecificAnnotations(obj(tMeta.annotations) as Record<string, string>, obj(t.spec), 'spec.template.annotations'));
  }
  errs.push(...restartPolicyAlways(s, 'StatefulSet'));
  return errs;
}

function goRollingUpdateStatefulSet(ru: unknown): string {
  if (!isObj(ru)) return 'null';
  const partition = num(ru.partition) ?? 0;
  const mu = ru.maxUnavailable === undefined || ru.maxUnavailable === null ? '(*intstr.IntOrString)(nil)' : '(*intstr.IntOrString)(0xc000000000)';
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${partition}, MaxUnavailable:${mu}}`;
}

export function validateStatefulSet(sts: unknown): FieldError[] {
  const errs = validateObjectMeta(meta(sts), { namespaced: true, nameValidator: nameIsDNSLabel });
  errs.push(...validateStatefulSetSpec(spec(sts)));
  return errs;
}

export const STATEFULSET_SPEC_FORBIDDEN =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** ValidateStatefulSetUpdate: metadata, the spec, and only the mutable spec fields changed. */
export function validateStatefulSetUpdate(sts: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(meta(sts), meta(old));
  errs.push(...validateStatefulSetSpec(spec(sts)));
  const strip = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
  if (!semanticEqual(strip(spec(sts)), strip(spec(old)))) errs.push(fieldForbidden('spec', STATEFULSET_SPEC_FORBIDDEN));
  return errs;
}

export function validateStatefulSetStatusUpdate(sts: unknown, old: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const st = status(sts);
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) errs.push(...nonNegative(st[f], `status.${f}`));
  for (const f of ['observedGeneration', 'collisionCount']) if (st[f] !== undefined && st[f] !== null) errs.push(...nonNegative(st[f], `status.${f}`));
  const replicas = num(st.replicas) ?? 0;
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    const v = num(st[f]) ?? 0;
    if (v > replicas) errs.push(fieldInvalid(`status.${f}`, v, msg));
  }
  const available = num(st.availableReplicas) ?? 0;
  if (available > (num(st.readyReplicas) ?? 0)) errs.push(fieldInvalid('status.availableReplicas', available, 'cannot be greater than status.readyReplicas'));
  errs.push(...validateObjectMetaUpdate(meta(sts), meta(old)));
  errs.push(...collisionCountDecremented(st, status(old)));
  return errs;
}

// ---- DaemonSet ----

/** The apps/v1 annotation that carries the internal spec.templateGeneration. */
export const DEPRECATED_TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** spec.templateGeneration as the v1 conversion reads it from the annotation (0 when absent or unparsable). */
export function daemonSetTemplateGeneration(ds: unknown): number {
  const v = obj(meta(ds).annotations)[DEPRECATED_TEMPLATE_GENERATION_ANNOTATION];
  return typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : 0;
}

function validateDaemonSetSpec(s: Obj, templateGeneration: number): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  const selector = asSelector(s.selector);
  const tLabels = templateLabels(s);
  if (selector && !selector.matchesTemplate(tLabels)) {
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(tLabels), '`selector` does not match template `labels`'));
  }
  if (isObj(s.selector) && Object.keys(obj(s.selector.matchLabels)).length + arr(s.selector.matchExpressions).length === 0) {
    errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(template(s), 'spec.template'));
  errs.push(...restartPolicyAlways(s, 'DaemonSet'));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(templateGeneration, 'spec.templateGeneration'));
  errs.push(...validateDaemonSetUpdateStrategy(obj(s.updateStrategy)));
  if (s.revisionHistoryLimit !== undefined && s.revisionHistoryLimit !== null) errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

function validateDaemonSetUpdateStrategy(us: Obj): FieldError[] {
  const path = 'spec.updateStrategy';
  const type = str(us.type);
  if (type === 'OnDelete') return [];
  if (type === 'RollingUpdate') {
    if (!isObj(us.rollingUpdate)) return [fieldRequired(`${path}.rollingUpdate`)];
    const ru = us.rollingUpdate;
    const p = `${path}.rollingUpdate`;
    const errs = validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`);
    errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
    errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
    errs.push(...isNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
    const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
    const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
    if (hasUnavailable && hasSurge) errs.push(invalidRendered(`${p}.maxSurge`, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
    else if (!hasUnavailable && !hasSurge) errs.push(fieldRequired(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    return errs;
  }
  const ruText = isObj(us.rollingUpdate) ? '(*apps.RollingUpdateDaemonSet)(0xc000000000)' : '(*apps.RollingUpdateDaemonSet)(nil)';
  return [notSupportedRendered(path, `apps.DaemonSetUpdateStrategy{Type:${goQuote(type)}, RollingUpdate:${ruText}}`, ['RollingUpdate', 'OnDelete'])];
}

export function validateDaemonSet(ds: unknown): FieldError[] {
  const errs = validateObjectMeta(metaWithoutTemplateGeneration(ds), { namespaced: true, nameValidator: nameIsDNSSubdomain });
  errs.push(...validateDaemonSetSpec(spec(ds), daemonSetTemplateGeneration(ds)));
  return errs;
}

/** The internal object has no such annotation (conversion moves it to spec.templateGeneration). */
function metaWithoutTemplateGeneration(ds: unknown): ObjectMeta {
  const m = meta(ds);
  if (!isObj(m.annotations) || !(DEPRECATED_TEMPLATE_GENERATION_ANNOTATION in m.annotations)) return m;
  const { [DEPRECATED_TEMPLATE_GENERATION_ANNOTATION]: _tg, ...annotations } = m.annotations;
  return { ...m, annotations };
}

/** ValidateDaemonSetUpdate: metadata, templateGeneration moves with the template only, then the spec. */
export function validateDaemonSetUpdate(ds: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(metaWithoutTemplateGeneration(ds), metaWithoutTemplateGeneration(old));
  const tg = daemonSetTemplateGeneration(ds);
  const oldTg = daemonSetTemplateGeneration(old);
  if (tg < oldTg) errs.push(fieldInvalid('spec.templateGeneration', tg, 'must not be decremented'));
  const templateUpdated = !semanticEqual(spec(ds).template, spec(old).template);
  if (tg === oldTg && templateUpdated) errs.push(fieldInvalid('spec.templateGeneration', tg, 'must be incremented upon template update'));
  else if (tg > oldTg && !templateUpdated) errs.push(fieldInvalid('spec.templateGeneration', tg, 'must not be incremented without template update'));
  errs.push(...validateDaemonSetSpec(spec(ds), tg));
  errs.push(...immutableSelector(spec(ds), spec(old)));
  return errs;
}

export function validateDaemonSetStatusUpdate(ds: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(metaWithoutTemplateGeneration(ds), metaWithoutTemplateGeneration(old));
  const st = status(ds);
  for (const f of [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
  ]) {
    errs.push(...nonNegative(st[f], `status.${f}`));
  }
  if (st.collisionCount !== undefined && st.collisionCount !== null) errs.push(...nonNegative(st.collisionCount, 'status.collisionCount'));
  errs.push(...collisionCountDecremented(st, status(old)));
  return errs;
}

// ---- ControllerRevision ----

export function validateControllerRevision(cr: unknown): FieldError[] {
  const errs = validateObjectMeta(meta(cr), { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const o = obj(cr);
  if (o.data === undefined || o.data === null) errs.push(fieldRequired('data', 'data is mandatory'));
  errs.push(...nonNegative(o.revision, 'revision'));
  return errs;
}

/** ValidateControllerRevisionUpdate: data may not change (revision may, as upstream). */
export function validateControllerRevisionUpdate(cr: unknown, old: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(meta(cr), meta(old));
  errs.push(...validateControllerRevision(cr));
  const data = obj(cr).data;
  if (JSON.stringify(data) !== JSON.stringify(obj(old).data)) {
    errs.push(invalidRendered('data', goRawExtension(data), FIELD_IMMUTABLE));
  }
  return errs;
}

/** runtime.RawExtension as `%#v` prints it: the raw JSON bytes and no object. */
function goRawExtension(data: unknown): string {
  const raw = data === undefined ? '' : JSON.stringify(data);
  const bytes = [...Buffer.from(raw)].map((b) => `0x${b.toString(16)}`).join(', ');
  return `runtime.RawExtension{Raw:[]uint8{${bytes}}, Object:runtime.Object(nil)}`;
}
