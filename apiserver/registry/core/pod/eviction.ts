/**
 * pods/{name}/eviction (pkg/registry/core/pod/storage/eviction.go): delete a pod unless a PodDisruptionBudget
 * forbids it. Terminal, pending and already-deleting pods are deleted without looking at budgets; otherwise the
 * one budget selecting the pod must have observed its generation and allow a disruption, which the eviction
 * takes (disruptionsAllowed - 1, the pod recorded in disruptedPods) with a resourceVersion precondition before
 * the pod is marked DisruptionTarget and deleted. No HTTP here: the endpoint adapter decodes and encodes.
 */
import type { Pod } from '../../../../shared/api/core-v1.ts';
import type { KubeObject, Status } from '../../../../shared/api/meta.ts';
import type { Eviction, PodDisruptionBudget } from '../../../../shared/api/policy-v1.ts';
import { labelSelectorFromMeta, matches } from '../../../../shared/api/labels.ts';
import {
  DISRUPTION_BUDGET_CAUSE,
  DISRUPTION_TARGET_CONDITION,
  updateDisruptionAllowedCondition,
} from '../../../../shared/api/disruption.ts';
import { getPodCondition, isPodReady, updatePodCondition } from '../../../../shared/api/pod-util.ts';
import { rfc3339 } from '../../../../shared/util/time-format.ts';
import { StatusError, isConflict, newBadRequest, newConflict, newForbidden, newNotFound, newStatus } from '../../../../shared/errors/status-error.ts';
import type { Clock } from '../../../../shared/util/clock.ts';
import type { DeleteParams, GenericStore } from '../../generic/store.ts';
import { everything } from '../../generic/selection.ts';
import type { UpdateStrategy } from '../../rest/strategy.ts';

/** Upstream's MaxDisruptedPodSize: evictions approved but not yet seen by the disruption controller. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

/** EvictionsRetry: 20 steps of 500 ms (jitter 0.1) for conflicts on the pod or the budget. */
const RETRY_STEPS = 20;
const RETRY_DELAY_MS = 500;

export interface EvictionDeps {
  pods: GenericStore;
  /** pods/status: the DisruptionTarget condition goes through it, as upstream's eviction uses the status store. */
  podStatusStrategy: UpdateStrategy;
  podDisruptionBudgets: GenericStore;
  podDisruptionBudgetStatusStrategy: UpdateStrategy;
  clock: Clock;
  /** Randomness for the retry jitter (tests pin it). */
  random?: () => number;
}

export interface EvictOptions {
  /** dryRun=All on the request. */
  dryRun: boolean;
}

/** metav1.DeleteOptions as an Eviction carries it. */
interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
  dryRun?: string[];
}

const success = (): Status => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });

/** 429 with the DisruptionBudget cause; kube sets retryAfterSeconds 10 only while the budget is being processed. */
function tooManyRequests(causeMessage: string, retryAfterSeconds: number): StatusError {
  const status = newStatus(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
    causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: causeMessage }],
  });
  return new StatusError(status);
}

/** createTooManyRequestsError: the budget has not caught up with its spec (or the pod turned ready meanwhile). */
const stillProcessing = (pdbName: string): StatusError => tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);

/** propagateDryRun: the request's dryRun and the body's deleteOptions.dryRun must agree. */
function propagateDryRun(eviction: Eviction, requestDryRun: boolean): DeleteOptionsBody {
  const request = requestDryRun ? ['All'] : [];
  const opts = { ...((eviction.deleteOptions ?? {}) as DeleteOptionsBody) };
  const body = opts.dryRun ?? [];
  if (body.length === 0) opts.dryRun = request;
  else if (request.length > 0 && JSON.stringify(body) !== JSON.stringify(request)) {
    throw new StatusError(newStatus(500, '', `Non-matching dry-run options in request and content: [${request.join(' ')}] and [${body.join(' ')}]`));
  }
  return opts;
}

const isDryRun = (o: DeleteOptionsBody): boolean => (o.dryRun?.length ?? 0) > 0;
const rvUnset = (o: DeleteOptionsBody): boolean => o.preconditions?.resourceVersion === undefined;

/** canIgnorePDB: the pod is terminal, not running yet, or already being deleted. */
function canIgnorePDB(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp);
}

/** shouldEnforceResourceVersion: only a pod that could still become ready races with the budget. */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

const withResourceVersion = (o: DeleteOptionsBody, rv: string | undefined): DeleteOptionsBody => ({
  ...o,
  preconditions: { ...(o.preconditions ?? {}), ...(rv !== undefined ? { resourceVersion: rv } : {}) },
});

/**
 * Evicts pod `name` in `namespace`. Resolves to the Success Status kube answers (code 201); refusals and
 * failures throw StatusErrors (429 budget, 500 several budgets, 404 no pod, 409 preconditions).
 */
export async function evictPod(deps: EvictionDeps, namespace: string, name: string, eviction: Eviction, opts: EvictOptions): Promise<Status> {
  if (name !== (eviction.metadata?.name ?? '')) throw newBadRequest('name in URL does not match name in Eviction object');
  if (eviction.metadata?.namespace && eviction.metadata.namespace !== namespace) {
    throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const original = propagateDryRun(eviction, opts.dryRun);
  const sleep = (): Promise<void> => deps.clock.sleep(RETRY_DELAY_MS * (1 + 0.1 * (deps.random ?? Math.random)()));

  // Pods whose disruption already happened (or never started) are deleted without looking at budgets; a
  // conflict on the pod is retried unless the client asked for a resourceVersion itself.
  let pod: Pod | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      pod = (await deps.pods.get(namespace, name)) as Pod;
      if (!canIgnorePDB(pod)) break;
      const o = shouldEnforceResourceVersion(pod) && rvUnset(original) ? withResourceVersion(original, pod.metadata.resourceVersion) : original;
      await addConditionAndDeletePod(deps, namespace, name, o);
      return success();
    } catch (e) {
      if (!(isConflict(e) && rvUnset(original)) || attempt >= RETRY_STEPS) throw e;
      await sleep();
    }
  }

  const pdbs = await matchingBudgets(deps, pod);
  if (pdbs.length > 1) {
    // Upstream returns a Failure Status, which the request finisher turns into this error (code 500, no reason).
    throw new StatusError(newStatus(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
  }
  let pdbName = '';
  let unhealthyDelete = false;
  if (pdbs.length === 1) {
    let pdb = pdbs[0]!;
    pdbName = pdb.metadata.name ?? '';
    if (!isPodReady(pod)) {
      const status = pdb.status;
      if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') unhealthyDelete = true;
      else if (status && status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) unhealthyDelete = true;
    }
    if (!unhealthyDelete) {
      for (let attempt = 1; ; attempt++) {
        try {
          await checkAndDecrement(deps, namespace, name, pdb, isDryRun(original));
          break;
        } catch (e) {
          if (!isConflict(e) || attempt >= RETRY_STEPS) throw e;
          await sleep();
          pdb = (await deps.podDisruptionBudgets.get(namespace, pdbName)) as PodDisruptionBudget;
        }
      }
    }
  }

  // No budget, or the disruption was granted, or an unready pod that the budget can spare: delete. An unready
  // pod is deleted only at the resourceVersion we judged it by (it must not have turned ready since).
  const o = unhealthyDelete ? withResourceVersion(original, pod.metadata.resourceVersion) : original;
  try {
    await addConditionAndDeletePod(deps, namespace, name, o);
  } catch (e) {
    if (isConflict(e) && unhealthyDelete && rvUnset(original)) throw stillProcessing(pdbName);
    throw e;
  }
  return success();
}

/** getPodDisruptionBudgets: budgets of the pod's namespace whose selector matches it (nil selects nothing). */
async function matchingBudgets(deps: EvictionDeps, pod: Pod): Promise<PodDisruptionBudget[]> {
  const list = await deps.podDisruptionBudgets.list(pod.metadata.namespace, { predicate: everything });
  const out: PodDisruptionBudget[] = [];
  for (const item of list.items as PodDisruptionBudget[]) {
    if (item.metadata.namespace !== pod.metadata.namespace) continue;
    let selected: boolean;
    try {
      selected = matches(labelSelectorFromMeta(item.spec?.selector), pod.metadata.labels);
    } catch {
      continue; // an invalid selector matches nothing
    }
    if (selected) out.push(structuredClone(item));
  }
  return out;
}

/** checkAndDecrement: takes one allowed disruption from the budget (a status update at its resourceVersion). */
async function checkAndDecrement(deps: EvictionDeps, namespace: string, podName: string, pdbIn: PodDisruptionBudget, dryRun: boolean): Promise<void> {
  const pdb = structuredClone(pdbIn);
  const name = pdb.metadata.name ?? '';
  const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw stillProcessing(name);
  if (status.disruptionsAllowed < 0) throw newForbidden('poddisruptionbudget.policy', name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw newForbidden('poddisruptionbudget.policy', name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (status.disruptionsAllowed === 0) {
    throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`, 0);
  }
  pdb.status = status;
  status.disruptionsAllowed--;
  const now = deps.clock.now();
  if (status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(pdb, now);
  if (dryRun) return;
  status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: rfc3339(now) };
  // The budget as read carries its resourceVersion: a concurrent writer makes this a 409 and the caller rereads.
  await deps.podDisruptionBudgets.update(namespace, name, () => pdb as KubeObject, { strategy: deps.podDisruptionBudgetStatusStrategy, subresource: 'status' });
}

/**
 * addConditionAndDeletePod: unless dry run, first mark the pod with DisruptionTarget (reason
 * EvictionByEvictionAPI) through pods/status, honouring the delete preconditions, then delete it with the
 * eviction's options (a resourceVersion precondition moves to the version the condition write produced).
 */
async function addConditionAndDeletePod(deps: EvictionDeps, namespace: string, name: string, options: DeleteOptionsBody): Promise<void> {
  let o = options;
  if (!isDryRun(o)) {
    const { object } = await deps.pods.update(
      namespace,
      name,
      (current) => {
        if (!current) throw newNotFound('pods', name);
        const latest = structuredClone(current) as Pod;
        const pre = o.preconditions;
        if (pre?.uid && pre.uid !== latest.metadata.uid) {
          throw newConflict('Pod', name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${latest.metadata.uid ?? ''}). The object might have been deleted and then recreated`);
        }
        if (pre?.resourceVersion && pre.resourceVersion !== latest.metadata.resourceVersion) {
          throw newConflict('Pod', name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${latest.metadata.resourceVersion ?? ''}). The object might have been modified`);
        }
        setDisruptionTarget(latest, deps.clock.now());
        return latest;
      },
      { strategy: deps.podStatusStrategy, subresource: 'status' },
    );
    if (!rvUnset(o)) o = withResourceVersion(o, object.metadata.resourceVersion);
  }
  // Like upstream (rest.ValidateAllObjectFunc), the pod write and delete run no admission of their own: the
  // eviction request was admitted as a whole.
  const params: DeleteParams = { dryRun: isDryRun(o) };
  if (o.gracePeriodSeconds !== undefined && o.gracePeriodSeconds !== null) params.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions && (o.preconditions.uid || o.preconditions.resourceVersion)) params.preconditions = { ...o.preconditions };
  const propagation = o.propagationPolicy ?? (o.orphanDependents === true ? 'Orphan' : undefined);
  if (propagation) params.propagationPolicy = propagation;
  await deps.pods.delete(namespace, name, params);
}

/** The eviction's DisruptionTarget condition set on the pod (podutil.UpdatePodCondition); a probe time is kept. */
function setDisruptionTarget(pod: Pod, now: number): void {
  const status = (pod.status ??= {});
  const lastProbeTime = getPodCondition(status, DISRUPTION_TARGET_CONDITION)?.lastProbeTime ?? null;
  updatePodCondition(status, { type: DISRUPTION_TARGET_CONDITION, status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime }, now);
}
