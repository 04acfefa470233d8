/**
 * Creating and deleting a controller's pods, and the pod predicates controllers share
 * (kube-controller-manager pkg/controller/controller_utils.go: RealPodControl, GetPodFromTemplate,
 * FilterActivePods, ActivePods, ActivePodsWithRanks; pkg/api/v1/pod: IsPodReady, IsPodAvailable).
 *
 *   const podControl = new PodControl({ pods: clientset.pods, recorder });
 *   await podControl.createPods(rs.metadata.namespace, rs.spec.template, rs, newControllerRef(rs, RS_KIND));
 *   // events: Normal SuccessfulCreate "Created pod: web-abc12" / Warning FailedCreate "Error creating: <err>"
 *   await podControl.deletePod(ns, 'web-abc12', rs);
 *   // events: Normal SuccessfulDelete "Deleted pod: web-abc12" / Warning FailedDelete "Error deleting: <err>"
 *
 *   const victims = pods.filter(isPodActive).sort(compareActivePodsWithRanks(ranks, clock.now()))...
 */
import type { Pod, PodTemplateSpec } from '../../shared/api/core-v1.ts';
import { deepCopy, type KubeObject, type OwnerReference } from '../../shared/api/meta.ts';
import { getPodReadyCondition, isPodReady } from '../../shared/api/pod-util.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { errorMessage, isNotFound } from '../../shared/errors/status-error.ts';
import type { EventRecorder } from './event-recorder.ts';
import { namespacedKey } from './handlers.ts';
import { isNamespaceTerminatingError } from './namespace-errors.ts';
import { parseTime } from './time-format.ts';

/** Event reasons of pod creation/deletion (also the ReplicaSet's ReplicaFailure condition reasons). */
export const FAILED_CREATE_POD_REASON = 'FailedCreate';
export const SUCCESSFUL_CREATE_POD_REASON = 'SuccessfulCreate';
export const FAILED_DELETE_POD_REASON = 'FailedDelete';
export const SUCCESSFUL_DELETE_POD_REASON = 'SuccessfulDelete';

/** The annotation ranking pods for scale-down (lower cost goes first). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** `namespace/name` of a pod (controller.PodKey): the key UIDTrackingControllerExpectations tracks. */
export function podKey(pod: KubeObject): string {
  return namespacedKey(pod);
}

/**
 * generateName for a controller's pods (getPodsPrefix): `<name>-`, or `<name>` when the dash would make an
 * invalid DNS subdomain prefix (longer than 253 characters).
 */
export function getPodsPrefix(controllerName: string): string {
  const prefix = `${controllerName}-`;
  return prefix.length > 253 ? controllerName : prefix;
}

/**
 * The pod a template describes (GetPodFromTemplate): the template's labels, annotations and finalizers,
 * generateName `<owner>-`, the controllerRef when given, and a copy of the template's spec.
 */
export function getPodFromTemplate(template: PodTemplateSpec, parent: KubeObject, controllerRef?: OwnerReference): Pod {
  const tm = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: getPodsPrefix(parent.metadata.name ?? ''),
      labels: { ...(tm.labels ?? {}) },
      annotations: { ...(tm.annotations ?? {}) },
    },
    spec: deepCopy(template.spec ?? { containers: [] }),
  };
  if (tm.finalizers && tm.finalizers.length > 0) pod.metadata.finalizers = [...tm.finalizers];
  if (controllerRef) pod.metadata.ownerReferences = [{ ...controllerRef }];
  return pod;
}

export interface PodControlOptions {
  /** The pods client (clientset.pods). */
  pods: ResourceClient<Pod>;
  /** Where SuccessfulCreate/FailedCreate/SuccessfulDelete/FailedDelete go, about the controller object. */
  recorder: EventRecorder;
}

export interface CreatePodOptions {
  /** Overrides generateName (the Job controller's indexed names, StatefulSet names go through `name`). */
  generateName?: string;
  /** A fixed name instead of generateName. */
  name?: string;
  signal?: AbortSignal;
}

/** RealPodControl: the pod writes of controllers, with their events. */
export class PodControl {
  readonly #pods: ResourceClient<Pod>;
  readonly #recorder: EventRecorder;

  constructor(options: PodControlOptions) {
    this.#pods = options.pods;
    this.#recorder = options.recorder;
  }

  /**
   * Creates one pod from `template` in `namespace` owned by `controllerRef` (CreatePods /
   * CreatePodsWithGenerateName). Records SuccessfulCreate "Created pod: <name>" or, unless the namespace is
   * terminating, FailedCreate "Error creating: <message>"; throws the API error. Resolves the created pod.
   */
  async createPods(namespace: string, template: PodTemplateSpec, controllerObject: KubeObject, controllerRef: OwnerReference, options: CreatePodOptions = {}): Promise<Pod> {
    validateControllerRef(controllerRef);
    const pod = getPodFromTemplate(template, controllerObject, controllerRef);
    pod.metadata.namespace = namespace;
    if (options.generateName) pod.metadata.generateName = options.generateName;
    if (options.name) {
      pod.metadata.name = options.name;
      delete pod.metadata.generateName;
    }
    return this.createPod(pod, controllerObject, options.signal);
  }

  /** Creates a prepared pod (createPods): a pod without labels is refused, as upstream. */
  async createPod(pod: Pod, controllerObject: KubeObject, signal?: AbortSignal): Promise<Pod> {
    if (Object.keys(pod.metadata.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    let created: Pod;
    try {
      created = await this.#pods.create(pod, signal ? { signal } : {});
    } catch (err) {
      if (!isNamespaceTerminatingError(err)) {
        this.#recorder.event(controllerObject, 'Warning', FAILED_CREATE_POD_REASON, `Error creating: ${errorMessage(err)}`);
      }
      throw err;
    }
    this.#recorder.event(controllerObject, 'Normal', SUCCESSFUL_CREATE_POD_REASON, `Created pod: ${created.metadata.name ?? ''}`);
    return created;
  }

  /**
   * Deletes a pod (DeletePod). NotFound is thrown without an event (the caller decides); other failures record
   * FailedDelete "Error deleting: <message>"; success records SuccessfulDelete "Deleted pod: <name>".
   */
  async deletePod(namespace: string, name: string, controllerObject: KubeObject, signal?: AbortSignal): Promise<void> {
    try {
      await this.#pods.delete(namespace, name, signal ? { signal } : {});
    } catch (err) {
      if (isNotFound(err)) throw err;
      this.#recorder.event(controllerObject, 'Warning', FAILED_DELETE_POD_REASON, `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
    this.#recorder.event(controllerObject, 'Normal', SUCCESSFUL_DELETE_POD_REASON, `Deleted pod: ${name}`);
  }

  /** A strategic merge patch of a pod (PatchPod). */
  async patchPod(namespace: string, name: string, patch: unknown, signal?: AbortSignal): Promise<Pod> {
    return this.#pods.patch(namespace, name, 'application/strategic-merge-patch+json', patch, signal ? { signal } : {});
  }
}

function validateControllerRef(ref: OwnerReference): void {
  if (!ref.apiVersion) throw new Error('controllerRef has empty APIVersion');
  if (!ref.kind) throw new Error('controllerRef has empty Kind');
  if (ref.controller !== true) throw new Error('controllerRef.Controller is not set to true');
  if (ref.blockOwnerDeletion !== true) throw new Error('controllerRef.BlockOwnerDeletion is not set');
}

// ---- pod predicates ----

/** podutil's Ready condition and IsPodReady (shared/api/pod-util.ts), with the controllers' other predicates. */
export { getPodReadyCondition, isPodReady };

/**
 * Ready for at least minReadySeconds at `nowMs` (podutil.IsPodAvailable): with minReadySeconds 0 every ready
 * pod is available; otherwise the Ready condition's lastTransitionTime + minReadySeconds must be before now.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = parseTime(getPodReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** Not terminated (Succeeded/Failed) and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** Not terminated, deletion or not (controller.IsPodTerminating's complement for counting). */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.metadata.deletionTimestamp) && phase !== 'Succeeded' && phase !== 'Failed';
}

/** The active pods (controller.FilterActivePods). */
export function filterActivePods(pods: readonly Pod[]): Pod[] {
  return pods.filter(isPodActive);
}

/** The lastTransitionTime of a True Ready condition (ms), if any (podReadyTime). */
export function podReadyTime(pod: Pod): number | undefined {
  const c = getPodReadyCondition(pod);
  return c?.status === 'True' ? parseTime(c.lastTransitionTime) : undefined;
}

/** controller.kubernetes.io/pod-deletion-cost as an int32; absent or invalid is 0. */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/** Highest restart count over containers and restartable (sidecar) init containers. */
export function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  for (const s of pod.status?.containerStatuses ?? []) max = Math.max(max, s.restartCount ?? 0);
  for (const s of pod.status?.initContainerStatuses ?? []) if (sidecars.has(s.name)) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const phaseOrdinal = (pod: Pod) => PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;

/** "a is after b, or a is zero": later/empty first (afterOrZero). */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

/** floor(log2(now - t in nanoseconds)), or -1 (logarithmicRankDiff's buckets: LogarithmicScaleDown). */
function logBucket(t: number, nowMs: number): number {
  const d = (nowMs - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

function compareTimesForDeletion(a: Pod, b: Pod, ta: number | undefined, tb: number | undefined, nowMs: number | undefined): number {
  if (!nowMs || ta === undefined || tb === undefined) return afterOrZero(ta, tb) ? -1 : 1;
  const diff = logBucket(ta, nowMs) - logBucket(tb, nowMs);
  if (diff === 0) {
    const ua = a.metadata.uid ?? '';
    const ub = b.metadata.uid ?? '';
    return ua < ub ? -1 : ua > ub ? 1 : 0;
  }
  return diff;
}

/**
 * The ordering of pods to delete first (ActivePodsWithRanks.Less, with PodDeletionCost and
 * LogarithmicScaleDown on as in 1.32): negative when `a` should go before `b`.
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready; 4. lower
 * pod-deletion-cost first; 5. higher rank (more related pods on the same node) first; 6. ready for less
 * time first (log2 buckets of age, uid breaks ties); 7. more container restarts first; 8. newer first (log2
 * buckets, uid breaks ties). `rankOf` gives each pod's rank (0 when omitted); `nowMs` undefined compares
 * times exactly.
 */
export function compareActivePodsWithRanks(rankOf: (pod: Pod) => number = () => 0, nowMs?: number): (a: Pod, b: Pod) => number {
  return (a, b) => {
    const na = a.spec?.nodeName ?? '';
    const nb = b.spec?.nodeName ?? '';
    if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
    const pa = phaseOrdinal(a);
    const pb = phaseOrdinal(b);
    if (pa !== pb) return pa - pb;
    const ra = isPodReady(a);
    const rb = isPodReady(b);
    if (ra !== rb) return ra ? 1 : -1;
    const ca = podDeletionCost(a);
    const cb = podDeletionCost(b);
    if (ca !== cb) return ca - cb;
    const ka = rankOf(a);
    const kb = rankOf(b);
    if (ka !== kb) return kb - ka;
    if (ra && rb) {
      const ta = podReadyTime(a);
      const tb = podReadyTime(b);
      if (ta !== tb) {
        const c = compareTimesForDeletion(a, b, ta, tb, nowMs);
        if (c !== 0) return c;
      }
    }
    const xa = maxContainerRestarts(a);
    const xb = maxContainerRestarts(b);
    if (xa !== xb) return xb - xa;
    const ta = parseTime(a.metadata.creationTimestamp);
    const tb = parseTime(b.metadata.creationTimestamp);
    if (ta !== tb) return compareTimesForDeletion(a, b, ta, tb, nowMs);
    return 0;
  };
}

/**
 * The plain ActivePods ordering (controller.ActivePods, used where no ranks apply): unassigned, then
 * Pending < Unknown < Running, not ready, ready for less time, more restarts, newer, first.
 */
export function compareActivePods(a: Pod, b: Pod): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return afterOrZero(ta, tb) ? -1 : 1;
  }
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xb - xa;
  const ta = parseTime(a.metadata.creationTimestamp);
  const tb = parseTime(b.metadata.creationTimestamp);
  if (ta !== tb) return afterOrZero(ta, tb) ? -1 : 1;
  return 0;
}

/**
 * Ranks for scale-down (getPodsRankedByRelatedPodsOnSameNode): each pod's rank is the number of active
 * `relatedPods` on its node, so pods on crowded nodes go first.
 */
export function ranksByRelatedPodsOnSameNode(relatedPods: readonly Pod[]): (pod: Pod) => number {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  return (pod) => onNode.get(pod.spec?.nodeName ?? '') ?? 0;
}

/**
 * Runs `fn` `count` times in batches of 1, 2, 4, ... (slowStartBatch): a batch runs concurrently; a batch
 * with a failure ends the run. Resolves the number of successful calls and the first error, if any.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: (failed[0] as PromiseRejectedResult).reason };
    remaining -= batch;
  }
  return { successes };
}

/** SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
