/**
 * batch/v1 validation (pkg/apis/batch/validation/validation.go, Kubernetes 1.32): Jobs, CronJobs and their
 * templates. Validators take defaulted objects; field paths and messages are kube's.
 */
import type { CronJob, Job, JobSpec, JobStatus } from '../batch-v1.ts';
import {
  JOB_CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from '../batch-v1.ts';
import { labelSelectorFromMeta, matches, tryLabelSelectorFromMeta, type MetaLabelSelector } from '../labels.ts';
import {
  fieldDuplicate,
  fieldForbidden,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  fieldTooLong,
  type FieldError,
} from '../../errors/status-error.ts';
import { CronParseError, isValidTimeZone, parseCronSchedule } from '../../util/cron-schedule.ts';
import { semanticEqual } from './_semantic.ts';
import { arr, fieldTooMany, isObj, obj, str } from './field-errors.ts';
import { FIELD_IMMUTABLE, IS_NEGATIVE_ERROR, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { isDNS1123Label, isQualifiedName } from './names.ts';
import { validateLabelSelector, validatePodSpec } from './pod.ts';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCESS_POLICY_SUCCEEDED_INDEXES = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;

const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const ON_EXIT_CODES_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

/** Go's `%q` of a []string: `["a" "b"]`. */
const goQuotedList = (xs: string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

function nonNegative(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [fieldInvalid(path, value, IS_NEGATIVE_ERROR)] : [];
}

/** ValidatePodTemplateSpec: template labels, annotations and pod spec; no ephemeral containers. */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const t = obj(template);
  const meta = obj(t.metadata);
  const errs = validateLabels(meta.labels, `${path}.labels`);
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validatePodSpec(t.spec, `${path}.spec`));
  if (arr(obj(t.spec).ephemeralContainers).length > 0) {
    errs.push(fieldForbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/**
 * Parses "1,3-5,7" (sorted, non-overlapping intervals below `completions`) and returns how many indexes it
 * names (validateIndexesFormat); throws Error with kube's text.
 */
export function countIndexes(indexes: string, completions: number): number {
  let total = 0;
  let prevLast = -1;
  if (indexes === '') return 0;
  for (const interval of indexes.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) throw new Error(`the fragment "${interval}" violates the requirement that an index interval can have at most two parts separated by '-'`);
    const first = parseIndex(limits[0] ?? '', completions);
    if (first <= prevLast) throw new Error(`non-increasing order, previous: ${prevLast}, current: ${first}`);
    let last = first;
    if (limits.length === 2) {
      last = parseIndex(limits[1] ?? '', completions);
      if (last <= first) throw new Error(`non-increasing order, previous: ${first}, current: ${last}`);
    }
    total += last - first + 1;
    prevLast = last;
  }
  return total;
}

function parseIndex(s: string, completions: number): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`cannot convert string to integer for index: "${s}"`);
  const v = Number(s);
  if (v >= completions) throw new Error(`too large index: "${s}"`);
  if (v < 0) throw new Error(`too small index: "${s}"`);
  return v;
}

function validatePodFailurePolicy(spec: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(spec.podFailurePolicy?.rules);
  const rulesPath = `${path}.rules`;
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(fieldTooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const podSpec = obj(spec.template?.spec);
  const containerNames = new Set([...arr(podSpec.containers), ...arr(podSpec.initContainers)].map((c) => str(obj(c).name)));
  rules.forEach((r, i) => {
    const rule = obj(r);
    const rulePath = `${rulesPath}[${i}]`;
    const action = str(rule.action);
    if (action === '') errs.push(fieldRequired(`${rulePath}.action`, `valid values: ${goQuotedList(POD_FAILURE_POLICY_ACTIONS)}`));
    else if (action === 'FailIndex') {
      if (spec.backoffLimitPerIndex == null) errs.push(fieldInvalid(`${rulePath}.action`, action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_POLICY_ACTIONS.includes(action)) errs.push(fieldNotSupported(`${rulePath}.action`, action, POD_FAILURE_POLICY_ACTIONS));
    const onExitCodes = isObj(rule.onExitCodes) ? rule.onExitCodes : undefined;
    const onPodConditions = arr(rule.onPodConditions);
    if (onExitCodes) {
      const p = `${rulePath}.onExitCodes`;
      const op = str(onExitCodes.operator);
      if (op === '') errs.push(fieldRequired(`${p}.operator`, `valid values: ${goQuotedList(ON_EXIT_CODES_OPERATORS)}`));
      else if (!ON_EXIT_CODES_OPERATORS.includes(op)) errs.push(fieldNotSupported(`${p}.operator`, op, ON_EXIT_CODES_OPERATORS));
      if (typeof onExitCodes.containerName === 'string' && !containerNames.has(onExitCodes.containerName)) {
        errs.push(fieldInvalid(`${p}.containerName`, onExitCodes.containerName, 'must be one of the container or initContainer names in the pod template'));
      }
      const values = arr(onExitCodes.values).map((v) => Number(v));
      if (values.length === 0) errs.push(fieldInvalid(`${p}.values`, values, 'at least one value is required'));
      else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(fieldTooMany(`${p}.values`, values.length, MAX_ON_EXIT_CODES_VALUES));
      const seen = new Set<number>();
      let ordered = true;
      values.forEach((v, j) => {
        if (op === 'In' && v === 0) errs.push(fieldInvalid(`${p}.values[${j}]`, v, 'must not be 0 for the In operator'));
        if (seen.has(v)) errs.push(fieldDuplicate(`${p}.values[${j}]`, v));
        else seen.add(v);
        if (j > 0 && (values[j - 1] ?? 0) > v) ordered = false;
      });
      if (!ordered) errs.push(fieldInvalid(`${p}.values`, values, 'must be ordered'));
    }
    if (onPodConditions.length > 0) {
      const p = `${rulePath}.onPodConditions`;
      if (onPodConditions.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(fieldTooMany(p, onPodConditions.length, MAX_ON_POD_CONDITIONS_PATTERNS));
      onPodConditions.forEach((c, j) => {
        const pattern = obj(c);
        const type = str(pattern.type);
        for (const msg of isQualifiedName(type)) errs.push(fieldInvalid(`${p}[${j}].type`, type, msg));
        const status = str(pattern.status);
        if (status === '') errs.push(fieldRequired(`${p}[${j}].status`, `valid values: ${goQuotedList(CONDITION_STATUSES)}`));
        else if (!CONDITION_STATUSES.includes(status)) errs.push(fieldNotSupported(`${p}[${j}].status`, status, CONDITION_STATUSES));
      });
    }
    if (onExitCodes && onPodConditions.length > 0) errs.push({ type: 'FieldValueInvalid', field: rulePath, detail: 'Invalid value: specifying both OnExitCodes and OnPodConditions is not supported' });
    if (!onExitCodes && onPodConditions.length === 0) errs.push({ type: 'FieldValueInvalid', field: rulePath, detail: 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required' });
  });
  return errs;
}

function validateSuccessPolicy(spec: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(spec.successPolicy?.rules);
  const rulesPath = `${path}.rules`;
  if (rules.length === 0) errs.push(fieldRequired(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(fieldTooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = spec.completions ?? 0;
  rules.forEach((r, i) => {
    const rule = obj(r);
    const p = `${rulesPath}[${i}]`;
    if (rule.succeededCount == null && rule.succeededIndexes == null) errs.push(fieldRequired(p, 'at least one of succeededCount or succeededIndexes must be specified'));
    let total = 0;
    if (typeof rule.succeededIndexes === 'string') {
      if (rule.succeededIndexes.length > MAX_SUCCESS_POLICY_SUCCEEDED_INDEXES) errs.push(fieldTooLong(`${p}.succeededIndexes`, rule.succeededIndexes, MAX_SUCCESS_POLICY_SUCCEEDED_INDEXES));
      try {
        total = countIndexes(rule.succeededIndexes, completions);
      } catch (e) {
        errs.push(fieldInvalid(`${p}.succeededIndexes`, rule.succeededIndexes, `error parsing succeededIndexes: ${(e as Error).message}`));
      }
    }
    if (typeof rule.succeededCount === 'number') {
      const cp = `${p}.succeededCount`;
      errs.push(...nonNegative(rule.succeededCount, cp));
      if (rule.succeededCount > completions) errs.push(fieldInvalid(cp, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (rule.succeededIndexes != null && rule.succeededCount > total) {
        errs.push(fieldInvalid(cp, rule.succeededCount, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

/** validateJobSpec: what a Job and a CronJob's job template share. */
function validateJobSpecCommon(spec: JobSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.parallelism, `${path}.parallelism`));
  errs.push(...nonNegative(spec.completions, `${path}.completions`));
  errs.push(...nonNegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`));
  errs.push(...nonNegative(spec.backoffLimit, `${path}.backoffLimit`));
  errs.push(...nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  errs.push(...nonNegative(spec.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`));
  if (spec.maxFailedIndexes != null) {
    errs.push(...nonNegative(spec.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (spec.backoffLimitPerIndex == null) errs.push(fieldRequired(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (spec.managedBy != null) {
    const managedBy = spec.managedBy;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/.+$/.test(managedBy)) {
      errs.push(fieldInvalid(`${path}.managedBy`, managedBy, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    }
    if (managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(fieldTooLong(`${path}.managedBy`, managedBy, MAX_MANAGED_BY_LENGTH));
  }
  const indexed = spec.completionMode === 'Indexed';
  if (spec.completionMode != null) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
      errs.push(fieldNotSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (indexed) {
      if (spec.completions == null) errs.push(fieldRequired(`${path}.completions`, 'when completion mode is Indexed'));
      if (spec.parallelism != null && spec.parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(fieldInvalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (spec.completions != null && spec.maxFailedIndexes != null && spec.maxFailedIndexes > spec.completions) {
        errs.push(fieldInvalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (spec.maxFailedIndexes != null && spec.maxFailedIndexes > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(fieldInvalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
      }
      if (spec.completions != null && spec.completions > COMPLETIONS_SOFT_LIMIT && spec.backoffLimitPerIndex != null) {
        if (spec.maxFailedIndexes == null) errs.push(fieldRequired(`${path}.maxFailedIndexes`, `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        const suffix = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
        if (spec.parallelism != null && spec.parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(fieldInvalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${suffix}`));
        }
        if (spec.maxFailedIndexes != null && spec.maxFailedIndexes > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(fieldInvalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${suffix}`));
        }
      }
    }
  }
  if (!indexed) {
    if (spec.backoffLimitPerIndex != null) errs.push(fieldInvalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes != null) errs.push(fieldInvalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.podFailurePolicy != null) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  if (spec.successPolicy != null) {
    if (!indexed) errs.push(fieldInvalid(`${path}.successPolicy`, spec.successPolicy, 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, `${path}.successPolicy`));
  }
  if (spec.podReplacementPolicy != null) {
    if (spec.podFailurePolicy != null) {
      if (spec.podReplacementPolicy !== 'Failed') errs.push(fieldNotSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed']));
    } else if (spec.podReplacementPolicy !== 'Failed' && spec.podReplacementPolicy !== 'TerminatingOrFailed') {
      errs.push(fieldNotSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
  // SetDefaults_PodSpec turns an empty restartPolicy into Always, so both mean "not chosen".
  const restartPolicy = str(obj(spec.template?.spec).restartPolicy);
  const rpPath = `${path}.template.spec.restartPolicy`;
  if (restartPolicy === 'Always' || restartPolicy === '') errs.push(fieldRequired(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') errs.push(fieldNotSupported(rpPath, restartPolicy, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy != null && restartPolicy !== 'Never') errs.push(fieldInvalid(rpPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

/** ValidateJobSpec: the common rules plus a selector that matches the template's labels. */
function validateJobSpec(spec: JobSpec, path: string): FieldError[] {
  const errs = validateJobSpecCommon(spec, path);
  if (spec.selector == null) errs.push(fieldRequired(`${path}.selector`));
  else errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  const selector = selectorOrUndefined(spec.selector);
  if (selector && !matches(selector, spec.template?.metadata?.labels ?? {})) {
    errs.push(fieldInvalid(`${path}.template.metadata.labels`, spec.template?.metadata?.labels ?? null, '`selector` does not match template `labels`'));
  }
  return errs;
}

function selectorOrUndefined(sel: unknown): ReturnType<typeof labelSelectorFromMeta> | undefined {
  return isObj(sel) ? tryLabelSelectorFromMeta(sel as MetaLabelSelector) : undefined;
}

/** validateGeneratedSelector: without manualSelector the template carries the generated labels the selector picks. */
function validateGeneratedSelector(job: Job): FieldError[] {
  if (job.spec?.manualSelector === true || job.spec?.selector == null) return [];
  const errs: FieldError[] = [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  if (uid === '') errs.push(fieldRequired('metadata.uid'));
  const labels = job.spec.template?.metadata?.labels ?? {};
  const path = 'spec.template.metadata';
  const expected: Record<string, string> = {
    [LEGACY_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
  };
  for (const [k, v] of Object.entries(expected)) {
    if (!(k in labels)) errs.push({ type: 'FieldValueRequired', field: `${path}.labels`, detail: `Required value: \`${k}\` must be specified` });
    else if (labels[k] !== v) errs.push(fieldInvalid(`${path}.labels`, labels[k], `must be '${v}'`));
  }
  const selector = selectorOrUndefined(job.spec.selector);
  if (selector && !matches(selector, expected)) errs.push(fieldInvalid('spec.selector', job.spec.selector, '`selector` not auto-generated'));
  return errs;
}

/** ValidateJob (create). */
export function validateJob(job: Job): FieldError[] {
  const errs = validateObjectMeta(job.metadata, { namespaced: true });
  errs.push(...validateGeneratedSelector(job));
  const spec = (isObj(job.spec) ? job.spec : { template: {} }) as unknown as JobSpec;
  errs.push(...validateJobSpec(spec, 'spec'));
  if (spec.completionMode === 'Indexed' && spec.completions != null && spec.completions > 0) {
    const maxHostname = `${job.metadata.name ?? ''}-${spec.completions - 1}`;
    if (isDNS1123Label(maxHostname).length > 0) {
      errs.push(fieldInvalid('metadata.name', job.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${maxHostname}`));
    }
  }
  return errs;
}

function immutable(newV: unknown, oldV: unknown, path: string): FieldError[] {
  return semanticEqual(newV ?? null, oldV ?? null) ? [] : [fieldInvalid(path, newV ?? null, FIELD_IMMUTABLE)];
}

/**
 * ValidateJobUpdate: completions, selector, completionMode, podFailurePolicy, backoffLimitPerIndex, managedBy,
 * successPolicy are immutable; the template too, except that a suspended Job that never started may change its
 * scheduling directives (node affinity, node selector, tolerations, template labels and annotations, scheduling gates).
 */
export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  const spec = job.spec;
  const oldSpec = old.spec;
  errs.push(...validateJobSpec(spec, 'spec'));
  if (spec.completionMode === 'Indexed' && !semanticEqual(spec.completions ?? null, oldSpec.completions ?? null) && spec.completions != null) {
    // Elastic Indexed Jobs: completions may change together with parallelism.
    if (spec.completions !== spec.parallelism) errs.push(fieldInvalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism'));
  } else if (spec.completionMode !== 'Indexed') errs.push(...immutable(spec.completions, oldSpec.completions, 'spec.completions'));
  errs.push(...immutable(spec.selector, oldSpec.selector, 'spec.selector'));
  const mutableScheduling = old.spec.suspend === true && old.status?.startTime == null;
  let oldTemplate = oldSpec.template;
  if (mutableScheduling) {
    const t = structuredClone(oldSpec.template ?? {});
    const nt = spec.template ?? {};
    t.metadata = { ...(t.metadata ?? {}), labels: nt.metadata?.labels, annotations: nt.metadata?.annotations };
    if (t.spec) {
      t.spec.nodeSelector = nt.spec?.nodeSelector;
      t.spec.tolerations = nt.spec?.tolerations;
      t.spec.schedulingGates = nt.spec?.schedulingGates;
      const oldAffinity = { ...(t.spec.affinity ?? {}) };
      const newAffinity = nt.spec?.affinity;
      if (newAffinity == null) {
        delete oldAffinity.nodeAffinity;
        t.spec.affinity = Object.keys(oldAffinity).length ? oldAffinity : undefined;
      } else t.spec.affinity = { ...oldAffinity, nodeAffinity: newAffinity.nodeAffinity };
    }
    oldTemplate = t;
  }
  errs.push(...immutable(spec.template, oldTemplate, 'spec.template'));
  errs.push(...immutable(spec.completionMode, oldSpec.completionMode, 'spec.completionMode'));
  errs.push(...immutable(spec.podFailurePolicy, oldSpec.podFailurePolicy, 'spec.podFailurePolicy'));
  errs.push(...immutable(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'));
  errs.push(...immutable(spec.managedBy, oldSpec.managedBy, 'spec.managedBy'));
  errs.push(...immutable(spec.successPolicy, oldSpec.successPolicy, 'spec.successPolicy'));
  return errs;
}

const condTrue = (status: JobStatus | undefined, type: string): boolean =>
  (status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** ValidateJobUpdateStatus with the 1.32 defaults (the status rules the job controller keeps). */
export function validateJobStatusUpdate(job: Job, old: Job): FieldError[] {
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  const s = job.status ?? {};
  errs.push(...nonNegative(s.active ?? 0, 'status.active'));
  errs.push(...nonNegative(s.succeeded ?? 0, 'status.succeeded'));
  errs.push(...nonNegative(s.failed ?? 0, 'status.failed'));
  errs.push(...nonNegative(s.ready, 'status.ready'));
  errs.push(...nonNegative(s.terminating, 'status.terminating'));
  const seen = new Set<string>();
  for (const kind of ['succeeded', 'failed'] as const) {
    (s.uncountedTerminatedPods?.[kind] ?? []).forEach((uid, i) => {
      const p = `status.uncountedTerminatedPods.${kind}[${i}]`;
      if (uid === '') errs.push(fieldInvalid(p, uid, 'must not be empty'));
      else if (seen.has(uid)) errs.push(fieldDuplicate(p, uid));
      else seen.add(uid);
    });
  }
  const complete = condTrue(s, 'Complete');
  const failed = condTrue(s, 'Failed');
  const omit = (field: string, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, detail: `Invalid value: ${detail}` });
  if (complete && failed) errs.push(omit('status.conditions', 'cannot set Complete=True and Failed=true conditions'));
  if (complete && condTrue(s, 'FailureTarget')) errs.push(omit('status.conditions', 'cannot set Complete=True and FailureTarget=true conditions'));
  if (s.completionTime != null && !complete) {
    errs.push(fieldInvalid('status.completionTime', s.completionTime, 'cannot set completionTime when there is no Complete=True condition'));
  }
  if (complete && s.completionTime == null) errs.push(fieldRequired('status.completionTime', 'completionTime is required for Complete jobs'));
  for (const type of ['Failed', 'Complete', 'FailureTarget']) {
    if (condTrue(old.status, type) && !condTrue(s, type)) errs.push(omit('status.conditions', `cannot disable the terminal ${type}=True condition`));
  }
  if ((s.failed ?? 0) < (old.status?.failed ?? 0)) errs.push(fieldInvalid('status.failed', s.failed ?? 0, 'cannot decrease the failed counter'));
  if ((s.succeeded ?? 0) < (old.status?.succeeded ?? 0)) errs.push(fieldInvalid('status.succeeded', s.succeeded ?? 0, 'cannot decrease the succeeded counter'));
  if (s.ready != null && s.ready > (s.active ?? 0)) errs.push(fieldInvalid('status.ready', s.ready, 'cannot set more ready pods than active'));
  if (job.spec.completions != null && s.completedIndexes) {
    try {
      countIndexes(s.completedIndexes, job.spec.completions);
    } catch (e) {
      errs.push(fieldInvalid('status.completedIndexes', s.completedIndexes, `error parsing completedIndexes: ${(e as Error).message}`));
    }
  }
  return errs;
}

// ---- CronJob ----

function validateJobTemplateSpec(template: unknown, path: string): FieldError[] {
  const t = obj(template);
  const spec = (isObj(t.spec) ? t.spec : { template: {} }) as unknown as JobSpec;
  const errs = validateJobSpecCommon(spec, `${path}.spec`);
  if (spec.selector != null) errs.push(fieldInvalid(`${path}.spec.selector`, spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(fieldNotSupported(`${path}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateTimeZone(timeZone: string | undefined, path: string): FieldError[] {
  if (timeZone == null) return [];
  if (timeZone.length === 0) return [fieldInvalid(path, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      return [fieldInvalid(path, timeZone, `unknown time zone ${timeZone}`)];
    }
  }
  if (timeZone.toLowerCase() === 'local') {
    return [fieldInvalid(path, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  }
  if (!isValidTimeZone(timeZone)) return [fieldInvalid(path, timeZone, `unknown time zone ${timeZone}`)];
  return [];
}

function validateCronJobSpec(cj: CronJob, old: CronJob | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = cj.spec;
  const schedule = str(spec.schedule);
  if (schedule === '') errs.push(fieldRequired('spec.schedule'));
  else {
    try {
      parseCronSchedule(schedule);
    } catch (e) {
      if (!(e instanceof CronParseError)) throw e;
      errs.push(fieldInvalid('spec.schedule', schedule, e.message));
    }
    const allowTZ = old !== undefined && str(old.spec?.schedule).includes('TZ');
    if (allowTZ && schedule.includes('TZ') && spec.timeZone != null) {
      errs.push(fieldInvalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      errs.push(fieldInvalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (old === undefined || old.spec?.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  const policy = spec.concurrencyPolicy ?? '';
  if (policy === '') errs.push(fieldRequired('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) errs.push(fieldNotSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  errs.push(...validateJobTemplateSpec(spec.jobTemplate, 'spec.jobTemplate'));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

/** ValidateCronJobCreate: the spec, and a name short enough for `<name>-<minutes>` Job names (52). */
export function validateCronJob(cj: CronJob): FieldError[] {
  const errs = validateObjectMeta(cj.metadata, { namespaced: true });
  errs.push(...validateCronJobSpec(cj, undefined));
  const name = cj.metadata.name ?? '';
  if (name.length > 63 - 11) errs.push(fieldInvalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

/** ValidateCronJobUpdate (no name-length rule, so old long names stay updatable). */
export function validateCronJobUpdate(cj: CronJob, old: CronJob): FieldError[] {
  const errs = validateObjectMetaUpdate(cj.metadata, old.metadata);
  errs.push(...validateCronJobSpec(cj, old));
  return errs;
}
