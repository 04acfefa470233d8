/**
 * The disruption controller (kube-controller-manager pkg/controller/disruption/disruption.go): keeps every
 * PodDisruptionBudget's status in line with the pods it selects, so the eviction subresource can decide.
 *
 * One sync of a budget (trySync), level-based:
 * 1. its pods: the namespace's pods matching spec.selector (a nil selector selects none);
 * 2. expectedPods and desiredHealthy: minAvailable as an integer counts the selected pods; a percentage, or
 *    maxUnavailable, scales against the sum of the pods' controllers' replicas (Deployment through its
 *    ReplicaSet, ReplicaSet, StatefulSet, found in the informer caches; any other kind through its scale
 *    subresource, scale-getter.ts); pods without a controller are
 *    reported (UnmanagedPods), a controller that cannot be found fails the sync;
 * 3. disruptedPods: the evictions the API server granted, kept until the pod is seen being deleted or
 *    DeletionTimeout (2 minutes) passed (then a NotDeleted event), with a recheck when the next one expires;
 * 4. currentHealthy: ready pods that are neither being deleted nor freshly disrupted; disruptionsAllowed =
 *    max(0, currentHealthy - desiredHealthy), 0 while no pod is expected; the DisruptionAllowed condition
 *    (SufficientPods / InsufficientPods) and observedGeneration; written only when something changed.
 * A sync that fails (other than on a conflict) writes the fail-safe status: no disruption allowed, condition
 * False with reason SyncFailed and the error as message.
 *
 * A second queue resets stale DisruptionTarget conditions: a pod marked True (by an eviction that then did
 * not delete it) and still not terminating 2 minutes later gets the condition set back to False.
 */
import type { Deployment, ReplicaSet, StatefulSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import {
  DISRUPTION_ALLOWED_CONDITION,
  DISRUPTION_TARGET_CONDITION,
  INSUFFICIENT_PODS_REASON,
  setStatusCondition,
  SUFFICIENT_PODS_REASON,
  SYNC_FAILED_REASON,
  updateDisruptionAllowedCondition,
} from '../../shared/api/disruption.ts';
import { getScaledValueFromIntOrPercent } from '../../shared/api/int-or-string.ts';
import { matches, tryLabelSelectorFromMeta, type LabelSelector } from '../../shared/api/labels.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import { deepCopy, type OwnerReference } from '../../shared/api/meta.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../shared/api/policy-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone, type DeletedFinalStateUnknown } from '../../shared/cache/store.ts';
import {
  deploymentsResource,
  podDisruptionBudgetsResource,
  replicaSetsResource,
  statefulSetsResource,
  type Clientset,
} from '../../shared/client/clientset.ts';
import { isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { rfc3339 } from '../../shared/util/time-format.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { namespacedKey as keyOf } from '../framework/handlers.ts';
import { getControllerOf } from '../framework/controller-ref-manager.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import type { Result } from '../framework/reconciler.ts';
import type { ScaleGetter } from './scale-getter.ts';

/** How long an eviction granted by the API server counts against the budget before the pod must be deleting. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
/** How long a DisruptionTarget=True condition may stay on a pod that is not terminating. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

export interface DisruptionControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /**
   * The generic finder for controllers of other kinds (their scale subresource). Without it, a pod whose
   * controller is not a Deployment's ReplicaSet, a ReplicaSet or a StatefulSet fails the sync.
   */
  getScale?: ScaleGetter;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

/** A controller of pods and the replicas it asks for (controllerAndScale). */
interface ControllerAndScale {
  uid: string;
  scale: number;
}

type Finder = (ref: OwnerReference, namespace: string) => ControllerAndScale | undefined;

export class DisruptionController {
  readonly controller: Controller;
  readonly staleController: Controller;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #pdbInformer: SharedIndexInformer<PodDisruptionBudget>;
  readonly #podInformer: SharedIndexInformer<Pod>;
  readonly #rsInformer: SharedIndexInformer<ReplicaSet>;
  readonly #deploymentInformer: SharedIndexInformer<Deployment>;
  readonly #ssInformer: SharedIndexInformer<StatefulSet>;
  readonly #getScale: ScaleGetter | undefined;

  constructor(options: DisruptionControllerOptions) {
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#getScale = options.getScale;
    this.#log = (options.log ?? rootLog).with({ controller: 'disruption' });
    const f = options.informerFactory;
    this.#pdbInformer = f.informerFor<PodDisruptionBudget>(podDisruptionBudgetsResource);
    this.#podInformer = f.pods<Pod>();
    this.#rsInformer = f.informerFor<ReplicaSet>(replicaSetsResource);
    this.#deploymentInformer = f.informerFor<Deployment>(deploymentsResource);
    this.#ssInformer = f.informerFor<StatefulSet>(statefulSetsResource);
    this.controller = new Controller({
      name: 'disruption',
      reconciler: { reconcile: (key) => this.sync(key) },
      clock: this.#clock,
      log: this.#log,
    });
    this.staleController = new Controller({
      name: 'disruption-stale-pod-disruption',
      reconciler: { reconcile: (key) => this.syncStalePodDisruption(key) },
      clock: this.#clock,
      log: this.#log,
    });
    this.#pdbInformer.addEventHandler({
      onAdd: (pdb) => this.controller.enqueue(keyOf(pdb)),
      onUpdate: (_old, cur) => this.controller.enqueue(keyOf(cur)),
      onDelete: (obj) => this.controller.enqueue(keyOf(unwrapTombstone(obj))),
    });
    this.#podInformer.addEventHandler({
      onAdd: (pod) => this.#podChanged(pod),
      onUpdate: (old, cur) => {
        // A pod whose labels changed may have left a budget as well as joined one.
        if (JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {})) this.#enqueueBudgetsOf(old);
        this.#podChanged(cur);
      },
      onDelete: (obj: Pod | DeletedFinalStateUnknown<Pod>) => this.#enqueueBudgetsOf(unwrapTombstone(obj)),
    });
  }

  /** Waits for the caches, then syncs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const hasSynced = [this.#pdbInformer, this.#podInformer, this.#rsInformer, this.#deploymentInformer, this.#ssInformer].map((i) => () => i.hasSynced());
    await Promise.all([this.controller.run(signal, { hasSynced }), this.staleController.run(signal, { hasSynced })]);
  }

  #podChanged(pod: Pod): void {
    this.#enqueueBudgetsOf(pod);
    if (this.#staleDisruptionCondition(pod, this.#clock.now()) !== undefined) this.staleController.enqueue(keyOf(pod));
  }

  /** The budgets whose selector matches the pod (getPdbForPod; several is a misconfiguration worth an event). */
  #enqueueBudgetsOf(pod: Pod): void {
    const pdbs = this.#pdbInformer.lister.namespace(pod.metadata.namespace ?? '').list((pdb) => {
      const sel = selectorOf(pdb);
      return sel !== undefined && matches(sel, pod.metadata.labels);
    });
    if (pdbs.length > 1) {
      const names = pdbs.map((p) => p.metadata.name ?? '').sort();
      this.#recorder.event(pod, 'Warning', 'MultiplePodDisruptionBudgets', `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${names[0]}" arbitrarily.`);
    }
    for (const pdb of pdbs) this.controller.enqueue(keyOf(pdb));
  }

  /** sync: trySync, and the fail-safe status when it fails for any reason but a conflict. */
  async sync(key: string): Promise<Result | void> {
    const pdb = this.#pdbInformer.lister.get(key);
    if (!pdb) return;
    try {
      return await this.#trySync(pdb);
    } catch (err) {
      if (isConflict(err)) throw err;
      this.#log.error('Failed to sync PDB', { podDisruptionBudget: key, err });
      await this.#failSafe(pdb, err);
      return;
    }
  }

  async #trySync(pdb: PodDisruptionBudget): Promise<Result | void> {
    const pods = this.#podsForPdb(pdb);
    if (pods.length === 0) this.#recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let expected: { expectedCount: number; desiredHealthy: number; unmanagedPods: string[] };
    try {
      expected = await this.#expectedPodCount(pdb, pods);
    } catch (err) {
      this.#recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
      throw err;
    }
    if (expected.unmanagedPods.length > 0) {
      this.#recorder.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${goSelector(pdb)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.#clock.now();
    const { disruptedPods, recheckAt } = this.#buildDisruptedPodMap(pods, pdb, now);
    const currentHealthy = countHealthyPods(pods, disruptedPods, now);
    await this.#updatePdbStatus(pdb, currentHealthy, expected.desiredHealthy, expected.expectedCount, disruptedPods);
    if (recheckAt !== undefined) return { requeueAfterMs: Math.max(1, recheckAt - now) };
  }

  #podsForPdb(pdb: PodDisruptionBudget): Pod[] {
    const sel = selectorOf(pdb);
    if (sel === undefined) return [];
    return this.#podInformer.lister.namespace(pdb.metadata.namespace ?? '').list((pod) => matches(sel, pod.metadata.labels));
  }

  /** getExpectedPodCount. */
  async #expectedPodCount(pdb: PodDisruptionBudget, pods: Pod[]): Promise<{ expectedCount: number; desiredHealthy: number; unmanagedPods: string[] }> {
    const spec = pdb.spec ?? {};
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      const { expectedCount, unmanagedPods } = await this.#expectedScale(pods);
      const maxUnavailable = getScaledValueFromIntOrPercent(spec.maxUnavailable, expectedCount, true);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanagedPods };
    }
    if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
      if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
      const { expectedCount, unmanagedPods } = await this.#expectedScale(pods);
      return { expectedCount, desiredHealthy: getScaledValueFromIntOrPercent(spec.minAvailable, expectedCount, true), unmanagedPods };
    }
    return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
  }

  /** getExpectedScale: the sum of the replicas of the controllers of the pods (each counted once). */
  async #expectedScale(pods: Pod[]): Promise<{ expectedCount: number; unmanagedPods: string[] }> {
    const scales = new Map<string, number>();
    const unmanagedPods: string[] = [];
    for (const pod of pods) {
      const ref = getControllerOf(pod);
      if (!ref) {
        unmanagedPods.push(pod.metadata.name ?? '');
        continue;
      }
      if (scales.has(ref.uid)) continue;
      let found: ControllerAndScale | undefined;
      for (const finder of this.#finders()) {
        found = finder(ref, pod.metadata.namespace ?? '');
        if (found) break;
      }
      if (!found && this.#getScale) found = await this.#getScale(ref, pod.metadata.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.scale);
    }
    let expectedCount = 0;
    for (const n of scales.values()) expectedCount += n;
    return { expectedCount, unmanagedPods };
  }

  /** The finders of upstream for the kinds kubelab serves: Deployment (through its ReplicaSet), ReplicaSet, StatefulSet. */
  #finders(): Finder[] {
    const deployment: Finder = (ref, ns) => {
      if (ref.kind !== 'ReplicaSet' || groupOf(ref.apiVersion) !== 'apps') return undefined;
      const rs = this.#rsInformer.lister.get(`${ns}/${ref.name}`);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const owner = getControllerOf(rs);
      if (!owner || owner.kind !== 'Deployment' || groupOf(owner.apiVersion) !== 'apps') return undefined;
      const d = this.#deploymentInformer.lister.get(`${ns}/${owner.name}`);
      if (!d || d.metadata.uid !== owner.uid) return undefined;
      return { uid: d.metadata.uid ?? '', scale: d.spec?.replicas ?? 1 };
    };
    const replicaSet: Finder = (ref, ns) => {
      if (ref.kind !== 'ReplicaSet' || groupOf(ref.apiVersion) !== 'apps') return undefined;
      const rs = this.#rsInformer.lister.get(`${ns}/${ref.name}`);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const owner = getControllerOf(rs);
      if (owner && owner.kind === 'Deployment') return undefined;
      return { uid: rs.metadata.uid ?? '', scale: rs.spec?.replicas ?? 1 };
    };
    const statefulSet: Finder = (ref, ns) => {
      if (ref.kind !== 'StatefulSet' || groupOf(ref.apiVersion) !== 'apps') return undefined;
      const ss = this.#ssInformer.lister.get(`${ns}/${ref.name}`);
      if (!ss || ss.metadata.uid !== ref.uid) return undefined;
      return { uid: ss.metadata.uid ?? '', scale: ss.spec?.replicas ?? 1 };
    };
    return [deployment, replicaSet, statefulSet];
  }

  /** buildDisruptedPodMap: granted evictions still pending, and when the next one expires. */
  #buildDisruptedPodMap(pods: Pod[], pdb: PodDisruptionBudget, now: number): { disruptedPods: Record<string, string>; recheckAt?: number } {
    const granted = pdb.status?.disruptedPods ?? {};
    const disruptedPods: Record<string, string> = {};
    let recheckAt: number | undefined;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const name = pod.metadata.name ?? '';
      const at = granted[name];
      if (at === undefined) continue;
      const expectedDeletion = Date.parse(at) + DELETION_TIMEOUT_MS;
      if (expectedDeletion < now) {
        this.#recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`);
      } else {
        if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
        disruptedPods[name] = at;
      }
    }
    return recheckAt === undefined ? { disruptedPods } : { disruptedPods, recheckAt };
  }

  /** updatePdbStatus: writes the computed status unless it is what the budget already says. */
  async #updatePdbStatus(pdb: PodDisruptionBudget, currentHealthy: number, desiredHealthy: number, expectedCount: number, disruptedPods: Record<string, string>): Promise<void> {
    let disruptionsAllowed = currentHealthy - desiredHealthy;
    if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const s = pdb.status;
    const generation = pdb.metadata.generation ?? 0;
    if (
      s &&
      s.currentHealthy === currentHealthy &&
      s.desiredHealthy === desiredHealthy &&
      s.expectedPods === expectedCount &&
      s.disruptionsAllowed === disruptionsAllowed &&
      sameDisruptedPods(s.disruptedPods, disruptedPods) &&
      (s.observedGeneration ?? 0) === generation &&
      conditionsAreUpToDate(pdb)
    ) {
      return;
    }
    const next = deepCopy(pdb);
    const status: PodDisruptionBudgetStatus = {
      currentHealthy,
      desiredHealthy,
      expectedPods: expectedCount,
      disruptionsAllowed,
      observedGeneration: generation,
      ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
      ...(s?.conditions ? { conditions: s.conditions } : {}),
    };
    next.status = status;
    updateDisruptionAllowedCondition(next, this.#clock.now());
    await this.#clientset.podDisruptionBudgets.updateStatus(next);
  }

  /** failSafe: no disruption allowed, and why. */
  async #failSafe(pdb: PodDisruptionBudget, err: unknown): Promise<void> {
    const next = deepCopy(pdb);
    const status = (next.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    status.disruptionsAllowed = 0;
    setStatusCondition(
      (status.conditions ??= []),
      {
        type: DISRUPTION_ALLOWED_CONDITION,
        status: 'False',
        reason: SYNC_FAILED_REASON,
        message: err instanceof Error ? err.message : String(err),
        observedGeneration: status.observedGeneration ?? 0,
      },
      this.#clock.now(),
    );
    await this.#clientset.podDisruptionBudgets.updateStatus(next);
  }

  /**
   * nonTerminatingPodHasStaleDisruptionCondition: the ms left before a DisruptionTarget=True condition on a
   * pod that is not terminating counts as stale (0: now), or undefined when there is nothing to clean.
   * Conditions the kubelet set and pods in a terminal phase are left alone.
   */
  #staleDisruptionCondition(pod: Pod, now: number): number | undefined {
    if (pod.metadata.deletionTimestamp) return undefined;
    const cond = (pod.status?.conditions ?? []).find((c) => c.type === DISRUPTION_TARGET_CONDITION);
    const phase = pod.status?.phase;
    if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : now;
    return Math.max(0, STALE_POD_DISRUPTION_TIMEOUT_MS - (now - since));
  }

  /** syncStalePodDisruption: resets the condition to False once it is stale. */
  async syncStalePodDisruption(key: string): Promise<Result | void> {
    const pod = this.#podInformer.lister.get(key);
    if (!pod) return;
    const now = this.#clock.now();
    const waitMs = this.#staleDisruptionCondition(pod, now);
    if (waitMs === undefined) return;
    if (waitMs > 0) return { requeueAfterMs: waitMs };
    // Upstream applies {type, status False, lastTransitionTime} with the pod's resourceVersion; a strategic
    // merge patch on the conditions (merged by type) does the same.
    const patch = {
      metadata: { resourceVersion: pod.metadata.resourceVersion },
      status: { conditions: [{ type: DISRUPTION_TARGET_CONDITION, status: 'False', lastTransitionTime: rfc3339(now) }] },
    };
    try {
      await this.#clientset.pods.patch(pod.metadata.namespace ?? '', pod.metadata.name ?? '', 'application/strategic-merge-patch+json', patch, { subresource: 'status', fieldManager: 'kube-controller-manager' });
      this.#log.info('Reset stale DisruptionTarget condition to False', { pod: key });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  const i = v.indexOf('/');
  return i < 0 ? '' : v.slice(0, i);
}

/** metav1.LabelSelectorAsSelector: nil selects nothing (undefined here), an invalid one too. */
function selectorOf(pdb: PodDisruptionBudget): LabelSelector | undefined {
  const sel = pdb.spec?.selector;
  return sel === undefined || sel === null ? undefined : tryLabelSelectorFromMeta(sel);
}

/** Go's %v of the *metav1.LabelSelector in the UnmanagedPods event. */
function goSelector(pdb: PodDisruptionBudget): string {
  const sel = pdb.spec?.selector;
  if (!sel) return '<nil>';
  const labels = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}:${sel.matchLabels?.[k]}`).join(' ');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{},}`;
}

/** countHealthyPods: ready, not being deleted, not freshly disrupted. */
export function countHealthyPods(pods: Pod[], disruptedPods: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disruptedPods[pod.metadata.name ?? ''];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

function sameDisruptedPods(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {}).sort();
  const bk = Object.keys(b).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && a?.[k] === b[k]);
}

/** pdbhelper.ConditionsAreUpToDate. */
function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const cond = (pdb.status?.conditions ?? []).find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!cond) return false;
  if ((pdb.status?.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if ((pdb.status?.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}
