/**
 * Pure helpers of the Job controller (pkg/controller/job: indexed_job_utils.go, pod_failure_policy.go,
 * backoff_utils.go, utils.go): completion indexes and their interval strings, pod failure policy matching,
 * the exponential pod-failure backoff, and job condition predicates.
 */
import {
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_TRACKING_FINALIZER,
  type Job,
  type JobCondition,
  type PodFailurePolicy,
  type PodFailurePolicyAction,
  type SuccessPolicy,
} from '../../shared/api/batch-v1.ts';
import type { ContainerStatus, Pod, PodCondition } from '../../shared/api/core-v1.ts';
import { parseTime } from '../framework/time-format.ts';

// ---- conditions ----

export const isConditionTrue = (job: Job, type: string): boolean =>
  (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** Complete or Failed is True (IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return isConditionTrue(job, 'Complete') || isConditionTrue(job, 'Failed');
}

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');
}

/**
 * ensureJobConditionStatus: sets a condition's status, reason and message, or adds it when absent (a False
 * condition that does not exist is not added). Returns whether anything changed.
 */
export function ensureJobConditionStatus(conditions: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status === status && existing.reason === reason && existing.message === message) return false;
    if (existing.status !== status) existing.lastTransitionTime = now;
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
    existing.lastProbeTime = now;
    return true;
  }
  if (status === 'False') return false;
  conditions.push({ type, status, lastProbeTime: now, lastTransitionTime: now, reason, message });
  return true;
}

// ---- pods ----

export const hasJobTrackingFinalizer = (pod: Pod): boolean => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/** Only Failed pods are replaced (podReplacementPolicy Failed, implied by a podFailurePolicy). */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || job.spec.podFailurePolicy != null;
}

/**
 * isPodFailed: phase Failed; unless only Failed pods are replaced, a pod being deleted before it succeeded
 * counts as failed too (it never gets a chance to reach the Failed phase).
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return Boolean(pod.metadata.deletionTimestamp) && pod.status?.phase !== 'Succeeded';
}

/** When the pod finished: the last container termination, else the Ready condition's change, else its deletion or creation. */
export function podFinishedTime(pod: Pod): number {
  let latest: number | undefined;
  for (const cs of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const t = parseTime(cs.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return parseTime(ready?.lastTransitionTime) ?? parseTime(pod.metadata.deletionTimestamp) ?? parseTime(pod.metadata.creationTimestamp) ?? 0;
}

// ---- completion indexes ----

export const UNKNOWN_COMPLETION_INDEX = -1;

/** The pod's completion index from its annotation (getCompletionIndex), or -1. */
export function getCompletionIndex(pod: Pod): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^[0-9]+$/.test(v)) return UNKNOWN_COMPLETION_INDEX;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : UNKNOWN_COMPLETION_INDEX;
}

export interface Interval {
  first: number;
  last: number;
}

/** parseIndexesFromString: "1,3-5,7" into sorted intervals, skipping malformed parts and indexes >= completions. */
export function parseIndexes(s: string | undefined, completions: number): Interval[] {
  const out: Interval[] = [];
  if (!s) return out;
  for (const part of s.split(',')) {
    const [a, b] = part.split('-');
    const first = Number(a);
    const last = b === undefined ? first : Number(b);
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || first >= completions) continue;
    const l = Math.min(last, completions - 1);
    const prev = out[out.length - 1];
    if (prev && prev.last + 1 >= first) prev.last = Math.max(prev.last, l);
    else out.push({ first, last: l });
  }
  return out;
}

/** withOrderedIndexes: merges sorted indexes into the intervals. */
export function withIndexes(intervals: readonly Interval[], indexes: readonly number[]): Interval[] {
  const all = new Set<number>(indexes);
  for (const iv of intervals) for (let i = iv.first; i <= iv.last; i++) all.add(i);
  const sorted = [...all].sort((x, y) => x - y);
  const out: Interval[] = [];
  for (const i of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.last + 1 === i) prev.last = i;
    else out.push({ first: i, last: i });
  }
  return out;
}

export const intervalsTotal = (intervals: readonly Interval[]): number => intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
export const intervalsHas = (intervals: readonly Interval[], ix: number): boolean => intervals.some((iv) => iv.first <= ix && ix <= iv.last);

/** orderedIntervals.String: "1,3-5,7"; two consecutive indexes are written "3,4". */
export function formatIntervals(intervals: readonly Interval[]): string {
  return intervals.map((iv) => (iv.last === iv.first ? `${iv.first}` : iv.last === iv.first + 1 ? `${iv.first},${iv.last}` : `${iv.first}-${iv.last}`)).join(',');
}

/** podGenerateNameWithIndex: `<job>-<index>-`, the job name cut so the whole fits 58 characters. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const appendIndex = `-${index}-`;
  let base = jobName;
  if (base.length + appendIndex.length > 58) base = base.slice(0, 58 - appendIndex.length);
  return `${base}${appendIndex}`;
}

// ---- backoffLimitPerIndex (indexed_job_utils.go) ----

/** The index's failures before this pod (JobIndexFailureCountAnnotation), set on every pod of a Job with backoffLimitPerIndex. */
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
/** The index's failures an Ignore rule matched (JobIndexIgnoredFailureCountAnnotation), set only when non-zero. */
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';

export const hasBackoffLimitPerIndex = (job: Job): boolean => job.spec.completionMode === 'Indexed' && job.spec.backoffLimitPerIndex != null;

function countAnnotation(pod: Pod, name: string): number {
  const v = pod.metadata.annotations?.[name];
  if (v === undefined || !/^[0-9]+$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

/** getIndexFailureCount: 0 when absent or malformed. */
export const getIndexFailureCount = (pod: Pod): number => countAnnotation(pod, JOB_INDEX_FAILURE_COUNT_ANNOTATION);
/** getIndexIgnoredFailureCount. */
export const getIndexIgnoredFailureCount = (pod: Pod): number => countAnnotation(pod, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
/** getIndexAbsoluteFailureCount: counted plus ignored failures before this pod. */
export const getIndexAbsoluteFailureCount = (pod: Pod): number => getIndexFailureCount(pod) + getIndexIgnoredFailureCount(pod);

/**
 * isIndexFailed: the failed pod fails its index when a FailIndex rule matches it, or when (no Ignore rule
 * matching) its index had already failed backoffLimitPerIndex times before it.
 */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
  if (m.action === 'FailIndex') return true;
  if (!m.countFailed) return false;
  return getIndexFailureCount(pod) >= (job.spec.backoffLimitPerIndex ?? 0);
}

/**
 * getNewIndexFailureCounts: the counts a replacement of `replaced` (the index's last failed pod) carries: its
 * counts plus its own failure, as ignored when an Ignore rule matched it.
 */
export function newIndexFailureCounts(job: Job, replaced: Pod | undefined): { failed: number; ignored: number } {
  if (!replaced) return { failed: 0, ignored: 0 };
  const failed = getIndexFailureCount(replaced);
  const ignored = getIndexIgnoredFailureCount(replaced);
  if (!matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).countFailed) return { failed, ignored: ignored + 1 };
  return { failed: failed + 1, ignored };
}

// ---- success policy (success_policy.go) ----

/** How many indexes of `a` are also in `b` (both sorted, disjoint intervals). */
export function intervalsOverlap(a: readonly Interval[], b: readonly Interval[]): number {
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval;
    const y = b[j] as Interval;
    const o = Math.min(x.last, y.last) - Math.max(x.first, y.first) + 1;
    if (o > 0) n += o;
    if (x.last < y.last) i++;
    else j++;
  }
  return n;
}

/**
 * matchSuccessPolicy: the first rule the succeeded indexes satisfy; a rule with succeededIndexes needs all of
 * them (or succeededCount of them), one with only succeededCount needs that many succeeded indexes. The
 * message names the rule ("Matched rules at index N").
 */
export function matchSuccessPolicy(policy: SuccessPolicy | undefined, completions: number, succeeded: readonly Interval[]): string | undefined {
  if (!policy || succeeded.length === 0) return undefined;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.succeededIndexes != null) {
      const required = parseIndexes(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      const contained = intervalsOverlap(required, succeeded);
      const met = rule.succeededCount != null ? contained >= rule.succeededCount : contained === intervalsTotal(required);
      if (met) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount != null && intervalsTotal(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}

// ---- pod failure policy ----

function exitCodesMatch(cs: ContainerStatus, operator: string, values: readonly number[], containerName: string | undefined): boolean {
  if (containerName !== undefined && containerName !== cs.name) return false;
  const code = cs.state?.terminated?.exitCode;
  if (code === undefined || code === 0) return false;
  return operator === 'In' ? values.includes(code) : operator === 'NotIn' ? !values.includes(code) : false;
}

export interface PodFailurePolicyMatch {
  /** The FailJob message, when a FailJob rule matched. */
  failJobMessage?: string;
  /** Whether the failure counts toward backoffLimit (false for Ignore). */
  countFailed: boolean;
  action?: PodFailurePolicyAction;
}

/** matchPodFailurePolicy: the first rule matching the failed pod decides. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PodFailurePolicyMatch {
  if (!policy) return { countFailed: true };
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const req = rule.onExitCodes;
      const cs =
        (pod.status?.containerStatuses ?? []).find((c) => exitCodesMatch(c, req.operator, req.values ?? [], req.containerName)) ??
        (pod.status?.initContainerStatuses ?? []).find((c) => exitCodesMatch(c, req.operator, req.values ?? [], req.containerName));
      if (!cs) continue;
      switch (rule.action) {
        case 'Ignore':
          return { countFailed: false, action: 'Ignore' };
        case 'Count':
          return { countFailed: true, action: 'Count' };
        case 'FailIndex':
          return { countFailed: true, action: 'FailIndex' };
        case 'FailJob':
          return {
            countFailed: true,
            action: 'FailJob',
            failJobMessage: `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${cs.state?.terminated?.exitCode ?? 0} matching FailJob rule at index ${index}`,
          };
      }
    } else if (rule.onPodConditions && rule.onPodConditions.length > 0) {
      const cond = (pod.status?.conditions ?? []).find((c: PodCondition) => rule.onPodConditions?.some((p) => p.type === c.type && (p.status || 'True') === c.status));
      if (!cond) continue;
      switch (rule.action) {
        case 'Ignore':
          return { countFailed: false, action: 'Ignore' };
        case 'Count':
          return { countFailed: true, action: 'Count' };
        case 'FailIndex':
          return { countFailed: true, action: 'FailIndex' };
        case 'FailJob':
          return { countFailed: true, action: 'FailJob', failJobMessage: `Pod ${ns}/${name} has condition ${cond.type} matching FailJob rule at index ${index}` };
      }
    }
  }
  return { countFailed: true };
}

// ---- backoff ----

/** Pod failure backoff (DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff). */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

/** Failures since the last success and when the last one happened (backoffRecord). */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** newBackoffRecord: folds this sync's newly finished pods into the previous record. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
  const rec: BackoffRecord = { failuresAfterLastSuccess: prev?.failuresAfterLastSuccess ?? 0, ...(prev?.lastFailureTime !== undefined ? { lastFailureTime: prev.lastFailureTime } : {}) };
  const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return rec;
    return { failuresAfterLastSuccess: rec.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
  const out: BackoffRecord = { failuresAfterLastSuccess: 0 };
  for (let i = failedTimes.length - 1; i >= 0; i--) {
    const t = failedTimes[i] ?? 0;
    if (t <= lastSuccess) break;
    out.lastFailureTime ??= t;
    out.failuresAfterLastSuccess++;
  }
  return out;
}

/** getRemainingTime: base * 2^(failures-1), capped, minus the time since the last failure (never negative). */
export function backoffRemaining(rec: BackoffRecord, now: number, baseMs: number, maxMs: number): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  let backoff = baseMs;
  for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
    backoff *= 2;
    if (backoff >= maxMs) {
      backoff = maxMs;
      break;
    }
  }
  const elapsed = now - rec.lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/** pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts of running pods count as failures. */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}
