/**
 * The DaemonSet controller (kube-controller-manager pkg/controller/daemon: daemon_controller.go, update.go),
 * "daemonset": one pod per eligible node.
 *
 * One sync per DaemonSet key (syncDaemonSet):
 * 1. history: the ControllerRevision of the current template (`<ds>-<hash>`, hash = computeHash of the
 *    template and the collision count) is found or created and given the highest revision number;
 *    duplicates are folded into it;
 * 2. unless expectations from earlier creates/deletes are still pending (the cache lags), manage: every node
 *    where the pod should run (node name, nodeSelector and required node affinity, NoSchedule/NoExecute
 *    taints against the pod's tolerations plus the ones every daemon pod gets) and has none gets one; nodes
 *    where it should not continue running lose theirs; extra pods on a node are deleted (the oldest stays);
 *    Failed pods are deleted (event FailedDaemonPod) and recreated with a per-node backoff (1 s doubling to
 *    15 min); pods pinned to nodes that no longer exist and never bound are deleted;
 * 3. RollingUpdate: old pods are replaced within maxUnavailable (delete, then the manage step creates), or
 *    with maxSurge a new pod is started next to the old one, which goes once the new one is available;
 *    OnDelete leaves old pods until someone deletes them;
 * 4. old revisions beyond revisionHistoryLimit that no pod runs are deleted;
 * 5. status: desired/current/misscheduled/ready/updated/available/unavailable counts and observedGeneration.
 *
 * Pods are created from the template with the controller-revision-hash and pod-template-generation labels,
 * the daemon tolerations, and a required node affinity `matchFields metadata.name In [<node>]` that the
 * default scheduler honours (as upstream, which leaves binding to the scheduler). Creation is slow-start
 * batched (1, 2, 4, ...) and capped at 250 per sync (burstReplicas). Events: PodControl's SuccessfulCreate
 * "Created pod: <name>", SuccessfulDelete "Deleted pod: <name>", and their failures.
 */
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../../shared/api/apps-v1.ts';
import { CONTROLLER_REVISION_HASH_LABEL_KEY } from '../../shared/api/apps-v1.ts';
import type { Node, Pod } from '../../shared/api/core-v1.ts';
import { isEverything, matches, tryLabelSelectorFromMeta, type LabelSelector } from '../../shared/api/labels.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import { controllerRevisionsResource, daemonSetsResource, podsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { namespacedKey as keyOf } from '../framework/handlers.ts';
import { ControllerExpectations } from '../framework/controller-expectations.ts';
import { ControllerRefManager, freshOwner, getControllerOf, newControllerRef, recheckDeletionTimestamp } from '../framework/controller-ref-manager.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { isPodAvailable, isPodReady, PodControl, SLOW_START_INITIAL_BATCH_SIZE } from '../framework/pod-control.ts';
import { minPositive, type Reconciler, type Result } from '../framework/reconciler.ts';
import { CONTROLLER_REVISION_HASH_LABEL, ControllerHistory, maxRevision, REVISION_DATA_ENCODING, revisionRaw } from '../history/controller-history.ts';
import { computeHash, DAEMON_SET_TEMPLATE_ENCODING } from '../framework/compute-hash.ts';
import { KeyedBackoff } from '../../shared/util/keyed-backoff.ts';
import { stableStringify } from '../../shared/util/stable-json.ts';
import { templatePatch } from '../history/revision-data.ts';
import {
  allowsSurge,
  compareDaemonPods,
  createPodTemplate,
  getTargetNodeName,
  isPodUpdated,
  nodeShouldRunDaemonPod,
  replaceDaemonSetPodNodeNameNodeAffinity,
  surgeAndUnavailable,
  templateGeneration,
} from './daemon-set-utils.ts';

export const DAEMONSET_KIND = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

/** Creates or deletes per sync at most (upstream BurstReplicas). */
export const BURST_REPLICAS = 250;

export interface DaemonSetControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** @default 2 (--concurrent-daemonset-syncs) */
  workers?: number;
  /** Failed-pod backoff: first delay. @default 1000 */
  failedPodsBackoffInitialMs?: number;
  /** @default 900000 (15 min) */
  failedPodsBackoffMaxMs?: number;
  clock?: Clock;
  log?: Logger;
}

export class DaemonSetController implements Reconciler {
  readonly controller: Controller;
  readonly expectations: ControllerExpectations;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #sets: SharedIndexInformer<DaemonSet>;
  readonly #pods: SharedIndexInformer<Pod>;
  readonly #nodes: SharedIndexInformer<Node>;
  readonly #revisions: SharedIndexInformer<ControllerRevision>;
  readonly #history: ControllerHistory;
  readonly #podClient: ResourceClient<Pod>;
  readonly #podControl: PodControl;
  readonly #backoff: KeyedBackoff;

  constructor(options: DaemonSetControllerOptions) {
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'daemonset' });
    this.#sets = options.informerFactory.informerFor<DaemonSet>(daemonSetsResource);
    this.#pods = options.informerFactory.pods<Pod>();
    this.#nodes = options.informerFactory.nodes<Node>();
    this.#revisions = options.informerFactory.informerFor<ControllerRevision>(controllerRevisionsResource);
    this.#history = new ControllerHistory(this.#clientset, this.#revisions.lister);
    this.#podClient = this.#clientset.resource<Pod>(podsResource);
    this.#podControl = new PodControl({ pods: this.#podClient, recorder: this.#recorder });
    this.#backoff = new KeyedBackoff({ initialMs: options.failedPodsBackoffInitialMs ?? 1000, maxMs: options.failedPodsBackoffMaxMs ?? 900_000, clock: this.#clock });
    this.expectations = new ControllerExpectations({ clock: this.#clock });
    this.controller = new Controller({ name: 'daemonset', reconciler: this, workers: options.workers ?? 2, clock: this.#clock, log: options.log ?? rootLog });

    const enqueue = (ds: DaemonSet) => this.controller.enqueue(keyOf(ds));
    this.#sets.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_old, ds) => enqueue(ds),
      onDelete: (obj) => {
        const ds = unwrapTombstone(obj);
        this.expectations.deleteExpectations(keyOf(ds));
        enqueue(ds);
      },
    });
    this.#pods.addEventHandler({
      onAdd: (pod) => {
        if (pod.metadata.deletionTimestamp) {
          this.#podDeleted(pod);
          return;
        }
        const ds = this.#resolveControllerRef(pod);
        if (ds) {
          this.expectations.creationObserved(keyOf(ds));
          enqueue(ds);
          return;
        }
        if (!getControllerOf(pod)) for (const d of this.#setsForPod(pod)) enqueue(d);
      },
      onUpdate: (oldPod, pod) => {
        if (oldPod.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        if (pod.metadata.deletionTimestamp && !oldPod.metadata.deletionTimestamp) {
          this.#podDeleted(pod);
          return;
        }
        const oldDs = this.#resolveControllerRef(oldPod);
        const ds = this.#resolveControllerRef(pod);
        if (oldDs && oldDs !== ds) enqueue(oldDs);
        if (ds) {
          enqueue(ds);
          return;
        }
        if (!getControllerOf(pod)) for (const d of this.#setsForPod(pod)) enqueue(d);
      },
      onDelete: (obj) => this.#podDeleted(unwrapTombstone(obj)),
    });
    const enqueueAll = () => {
      for (const ds of this.#sets.lister.list()) enqueue(ds);
    };
    this.#nodes.addEventHandler({
      onAdd: enqueueAll,
      onUpdate: (oldNode, node) => {
        // Heartbeats (status) do not change where daemon pods run: only labels and spec (taints) matter.
        if (stableStringify(oldNode.metadata.labels ?? {}) === stableStringify(node.metadata.labels ?? {}) && stableStringify(oldNode.spec ?? {}) === stableStringify(node.spec ?? {})) return;
        for (const ds of this.#sets.lister.list()) {
          const before = nodeShouldRunDaemonPod(oldNode, ds);
          const after = nodeShouldRunDaemonPod(node, ds);
          if (before.shouldRun !== after.shouldRun || before.shouldContinueRunning !== after.shouldContinueRunning) enqueue(ds);
        }
      },
      onDelete: enqueueAll,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, {
      hasSynced: [() => this.#sets.hasSynced(), () => this.#pods.hasSynced(), () => this.#nodes.hasSynced(), () => this.#revisions.hasSynced()],
    });
  }

  #podDeleted(pod: Pod): void {
    const ds = this.#resolveControllerRef(pod);
    if (!ds) return;
    this.expectations.deletionObserved(keyOf(ds));
    this.controller.enqueue(keyOf(ds));
  }

  #resolveControllerRef(pod: Pod): DaemonSet | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== DAEMONSET_KIND.kind) return undefined;
    const ds = this.#sets.lister.get(`${pod.metadata.namespace ?? ''}/${ref.name}`);
    return ds && ds.metadata.uid === ref.uid ? ds : undefined;
  }

  #setsForPod(pod: Pod): DaemonSet[] {
    return this.#sets.lister.namespace(pod.metadata.namespace ?? '').list().filter((ds) => {
      const sel = tryLabelSelectorFromMeta(ds.spec.selector);
      return sel !== undefined && !isEverything(sel) && matches(sel, pod.metadata.labels);
    });
  }

  /** syncDaemonSet. */
  async reconcile(key: string, signal: AbortSignal): Promise<Result | void> {
    const cached = this.#sets.lister.get(key);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const ds = structuredClone(cached);
    const selector = tryLabelSelectorFromMeta(ds.spec.selector);
    if (!selector || Object.keys(ds.spec.selector.matchLabels ?? {}).length + (ds.spec.selector.matchExpressions ?? []).length === 0) {
      this.#recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.#nodes.lister.list();
    const ctx: SyncContext = { ds, key, selector, nodes, signal, requeueAfterMs: 0 };

    const { current, old } = await this.#constructHistory(ctx);
    const hash = current.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? '';
    if (!this.expectations.satisfiedExpectations(key)) {
      await this.#updateStatus(ctx, hash, false);
      return requeue(ctx);
    }
    await this.#manage(ctx, hash);
    if (this.expectations.satisfiedExpectations(key) && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      await this.#rollingUpdate(ctx, hash);
    }
    await this.#cleanupHistory(ctx, old);
    await this.#updateStatus(ctx, hash, true);
    return requeue(ctx);
  }

  /** getDaemonPods + getNodesToDaemonPods: claimed pods by the node they run on (or are pinned to). */
  async #nodesToDaemonPods(ctx: SyncContext): Promise<Map<string, Pod[]>> {
    const { ds, selector, signal } = ctx;
    const manager = new ControllerRefManager<Pod>({
      controller: ds,
      controllerKind: DAEMONSET_KIND,
      selector,
      client: this.#podClient,
      canAdopt: recheckDeletionTimestamp(freshOwner(this.#clientset.daemonSets, ds, 'DaemonSet', signal)),
      signal,
    });
    const pods = await manager.claim(this.#pods.lister.namespace(ds.metadata.namespace ?? '').list());
    const out = new Map<string, Pod[]>();
    for (const pod of pods) {
      const node = getTargetNodeName(pod);
      if (node === undefined) continue;
      const list = out.get(node);
      if (list) list.push(pod);
      else out.set(node, [pod]);
    }
    return out;
  }

  /** manage: the pods each node should have. */
  async #manage(ctx: SyncContext, hash: string): Promise<void> {
    const { ds, nodes } = ctx;
    const byNode = await this.#nodesToDaemonPods(ctx);
    const nodesNeeding: string[] = [];
    const toDelete: string[] = [];
    const now = this.#clock.now();
    const generation = templateGeneration(ds);
    for (const node of nodes) {
      const name = node.metadata.name ?? '';
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(name);
      if (shouldRun && !pods) {
        nodesNeeding.push(name);
      } else if (shouldContinueRunning && pods) {
        const running: Pod[] = [];
        for (const pod of pods) {
          if (pod.metadata.deletionTimestamp) continue;
          if (pod.status?.phase === 'Failed') {
            const backoffKey = `${ds.metadata.uid ?? ''}/${ds.status?.observedGeneration ?? 0}/${name}`;
            if (this.#backoff.isInBackOffSinceUpdate(backoffKey, now)) {
              ctx.requeueAfterMs = minPositive(ctx.requeueAfterMs, this.#backoff.get(backoffKey));
              continue;
            }
            this.#backoff.next(backoffKey, now);
            const msg = `Found failed daemon pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} on node ${name}, will try to kill it`;
            this.#log.info(msg);
            this.#recorder.event(ds, 'Warning', 'FailedDaemonPod', msg);
            toDelete.push(pod.metadata.name ?? '');
          } else {
            running.push(pod);
          }
        }
        running.sort(compareDaemonPods);
        if (!allowsSurge(ds)) {
          // More than one pod on a node: all but the oldest go.
          for (const extra of running.slice(1)) toDelete.push(extra.metadata.name ?? '');
        } else {
          let oldestNew: Pod | undefined;
          let oldestOld: Pod | undefined;
          for (const pod of running) {
            if (isPodUpdated(pod, hash, generation)) {
              if (!oldestNew) {
                oldestNew = pod;
                continue;
              }
            } else if (!oldestOld) {
              oldestOld = pod;
              continue;
            }
            toDelete.push(pod.metadata.name ?? '');
          }
          if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, now))) {
            toDelete.push(oldestOld.metadata.name ?? '');
          }
        }
      } else if (!shouldContinueRunning && pods) {
        for (const pod of pods) if (!pod.metadata.deletionTimestamp) toDelete.push(pod.metadata.name ?? '');
      }
    }
    // Pods pinned to nodes that are gone, never bound: nobody else will clean them up.
    const known = new Set(nodes.map((n) => n.metadata.name ?? ''));
    for (const [node, pods] of byNode) {
      if (known.has(node)) continue;
      for (const pod of pods) if (!pod.spec.nodeName && !pod.metadata.deletionTimestamp) toDelete.push(pod.metadata.name ?? '');
    }
    this.#backoff.gc();
    await this.#syncNodes(ctx, toDelete, nodesNeeding, hash);
  }

  /** syncNodes: deletes and slow-start batched creates under expectations, at most BURST_REPLICAS each. */
  async #syncNodes(ctx: SyncContext, podsToDelete: string[], nodesNeeding: string[], hash: string): Promise<void> {
    const { ds, key, signal } = ctx;
    const createDiff = Math.min(nodesNeeding.length, BURST_REPLICAS);
    const deleteDiff = Math.min(podsToDelete.length, BURST_REPLICAS);
    if (createDiff === 0 && deleteDiff === 0) return;
    this.expectations.setExpectations(key, createDiff, deleteDiff);
    const errors: unknown[] = [];
    const template = createPodTemplate(ds.spec.template, templateGeneration(ds), hash);
    const ref = newControllerRef(ds, DAEMONSET_KIND);
    const ns = ds.metadata.namespace ?? '';
    let pos = 0;
    for (let batch = Math.min(createDiff, SLOW_START_INITIAL_BATCH_SIZE); batch > 0 && pos < createDiff; batch = Math.min(2 * batch, createDiff - pos)) {
      const results = await Promise.allSettled(nodesNeeding.slice(pos, pos + batch).map(async (node) => {
        const t = structuredClone(template);
        t.spec = { ...(t.spec ?? { containers: [] }), affinity: replaceDaemonSetPodNodeNameNodeAffinity(t.spec?.affinity, node) };
        try {
          await this.#podControl.createPods(ns, t, ds, ref, { signal });
        } catch (err) {
          // This create will never be observed.
          this.expectations.creationObserved(key);
          throw err;
        }
      }));
      pos += batch;
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) {
        errors.push(...failed.map((f) => f.reason));
        // The rest of this round is skipped: lower the expectations for what will not be created.
        for (let i = pos; i < createDiff; i++) this.expectations.creationObserved(key);
        break;
      }
    }
    await Promise.all(podsToDelete.slice(0, deleteDiff).map(async (name) => {
      try {
        await this.#podControl.deletePod(ns, name, ds, signal);
      } catch (err) {
        this.expectations.deletionObserved(key);
        if (!isNotFound(err)) errors.push(err);
      }
    }));
    if (errors.length > 0) throw errors[0];
  }

  /** rollingUpdate (update.go). */
  async #rollingUpdate(ctx: SyncContext, hash: string): Promise<void> {
    const { ds, nodes } = ctx;
    const byNode = await this.#nodesToDaemonPods(ctx);
    let desired = 0;
    for (const node of nodes) {
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
      desired++;
      const name = node.metadata.name ?? '';
      if (!byNode.has(name)) byNode.set(name, []);
    }
    const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, desired);
    const now = this.#clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const generation = templateGeneration(ds);
    const updatedOnNode = (pods: Pod[]): { newPod?: Pod; oldPod?: Pod; ok: boolean } => {
      let newPod: Pod | undefined;
      let oldPod: Pod | undefined;
      for (const pod of pods) {
        if (pod.metadata.deletionTimestamp) continue;
        if (isPodUpdated(pod, hash, generation)) {
          if (newPod) return { ok: false };
          newPod = pod;
        } else {
          if (oldPod) return { ok: false };
          oldPod = pod;
        }
      }
      return { ...(newPod ? { newPod } : {}), ...(oldPod ? { oldPod } : {}), ok: true };
    };
    const nodeNames = [...byNode.keys()].sort();

    if (maxSurge === 0) {
      let numUnavailable = 0;
      const allowedReplacement: string[] = [];
      const candidates: string[] = [];
      for (const nodeName of nodeNames) {
        const { newPod, oldPod, ok } = updatedOnNode(byNode.get(nodeName) ?? []);
        if (!ok) {
          numUnavailable++;
          continue;
        }
        if ((!oldPod && !newPod) || (oldPod && newPod)) {
          numUnavailable++;
        } else if (newPod) {
          if (!isPodAvailable(newPod, minReady, now)) numUnavailable++;
        } else if (oldPod) {
          if (!isPodAvailable(oldPod, minReady, now)) allowedReplacement.push(oldPod.metadata.name ?? '');
          else if (numUnavailable >= maxUnavailable) continue;
          else candidates.push(oldPod.metadata.name ?? '');
        }
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      const toDelete = [...allowedReplacement, ...candidates.slice(0, remaining)];
      if (toDelete.length > 0) this.#log.info('Rolling update: deleting old daemon pods', { ds: ctx.key, pods: toDelete });
      await this.#syncNodes(ctx, toDelete, [], hash);
      return;
    }

    let numSurge = 0;
    const allowedNew: string[] = [];
    const candidateNew: string[] = [];
    const oldToDelete: string[] = [];
    for (const nodeName of nodeNames) {
      const { newPod, oldPod, ok } = updatedOnNode(byNode.get(nodeName) ?? []);
      if (!ok) {
        numSurge++;
        continue;
      }
      if (!oldPod) continue;
      if (!newPod) {
        if (!isPodAvailable(oldPod, minReady, now)) allowedNew.push(nodeName);
        else if (numSurge >= maxSurge) continue;
        else candidateNew.push(nodeName);
      } else if (!isPodAvailable(newPod, minReady, now)) {
        numSurge++;
      } else {
        oldToDelete.push(oldPod.metadata.name ?? '');
      }
    }
    const remaining = Math.min(Math.max(0, maxSurge - numSurge), candidateNew.length);
    await this.#syncNodes(ctx, oldToDelete, [...allowedNew, ...candidateNew.slice(0, remaining)], hash);
  }

  /** constructHistory: the current revision (created or renumbered) and the old ones. */
  async #constructHistory(ctx: SyncContext): Promise<{ current: ControllerRevision; old: ControllerRevision[] }> {
    const { ds, selector, signal } = ctx;
    const listed = this.#history.listControllerRevisions(ds, selector);
    const canAdopt = recheckDeletionTimestamp(freshOwner(this.#clientset.daemonSets, ds, 'DaemonSet', signal));
    const manager = new ControllerRefManager<ControllerRevision>({
      controller: ds,
      controllerKind: DAEMONSET_KIND,
      selector,
      client: this.#clientset.controllerRevisions,
      canAdopt,
      signal,
    });
    const histories = await manager.claim(listed);
    const wanted = stableStringify(templatePatch(ds.spec.template), REVISION_DATA_ENCODING);
    const currents: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (const h of histories) {
      if (revisionRaw(h) === wanted) currents.push(h);
      else old.push(h);
    }
    const nextRevision = maxRevision(old) + 1;
    let current: ControllerRevision;
    if (currents.length === 0) {
      current = await this.#snapshot(ctx, nextRevision);
    } else {
      current = await this.#dedupCurrent(ctx, currents);
      if (current.revision < nextRevision) current = await this.#history.updateControllerRevision(current, nextRevision, signal);
    }
    return { current, old };
  }

  /** snapshot: a new revision named `<ds>-<hash>`; a name taken by other data bumps status.collisionCount. */
  async #snapshot(ctx: SyncContext, revision: number): Promise<ControllerRevision> {
    const { ds, signal } = ctx;
    const hash = computeHash(ds.spec.template, ds.status?.collisionCount, DAEMON_SET_TEMPLATE_ENCODING);
    const cr: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${ds.metadata.name ?? ''}-${hash}`,
        namespace: ds.metadata.namespace ?? '',
        labels: { ...(ds.spec.template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL_KEY]: hash },
        ownerReferences: [newControllerRef(ds, DAEMONSET_KIND)],
      },
      data: templatePatch(ds.spec.template),
      revision,
    };
    if (ds.metadata.annotations && Object.keys(ds.metadata.annotations).length > 0) cr.metadata.annotations = { ...ds.metadata.annotations };
    try {
      return await this.#clientset.controllerRevisions.create(cr, { signal });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.#clientset.controllerRevisions.get(cr.metadata.namespace ?? '', cr.metadata.name ?? '', { signal });
      if (revisionRaw(existing) === revisionRaw(cr) && getControllerOf(existing)?.uid === ds.metadata.uid) return existing;
      // A hash collision: count it in the status so the next sync picks another name.
      const fresh = await this.#clientset.daemonSets.get(ds.metadata.namespace ?? '', ds.metadata.name ?? '', { signal });
      fresh.status = { ...emptyStatus(), ...(fresh.status ?? {}), collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
      await this.#clientset.daemonSets.updateStatus(fresh, { signal });
      throw new Error(`found a stale ControllerRevision ${cr.metadata.name ?? ''} for DaemonSet ${ctx.key}; the collision count is now ${fresh.status.collisionCount ?? 0}`, { cause: err });
    }
  }

  /** dedupCurHistories: the highest revision stays; pods of the others are relabelled to it; the others go. */
  async #dedupCurrent(ctx: SyncContext, currents: ControllerRevision[]): Promise<ControllerRevision> {
    if (currents.length === 1) return currents[0] as ControllerRevision;
    const { signal } = ctx;
    const keep = currents.reduce((a, b) => (b.revision > a.revision ? b : a));
    const keepHash = keep.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? '';
    const pods = await this.#nodesToDaemonPods(ctx);
    for (const dup of currents) {
      if (dup === keep) continue;
      const dupHash = dup.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY];
      for (const list of pods.values()) {
        for (const pod of list) {
          if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] !== dupHash) continue;
          await this.#podClient.patch(pod.metadata.namespace ?? '', pod.metadata.name ?? '', 'application/strategic-merge-patch+json',
            { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL_KEY]: keepHash } } }, { signal });
        }
      }
      await this.#history.deleteControllerRevision(dup, signal);
    }
    return keep;
  }

  /** cleanupHistory: old revisions beyond revisionHistoryLimit, oldest first, unless a pod still runs them. */
  async #cleanupHistory(ctx: SyncContext, old: ControllerRevision[]): Promise<void> {
    const { ds, signal } = ctx;
    const limit = ds.spec.revisionHistoryLimit ?? 10;
    let toKill = old.length - limit;
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const list of (await this.#nodesToDaemonPods(ctx)).values()) {
      for (const pod of list) {
        const h = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY];
        if (h) live.add(h);
      }
    }
    for (const r of [...old].sort((a, b) => a.revision - b.revision)) {
      if (toKill <= 0) break;
      const h = r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      if (h && live.has(h)) continue;
      await this.#history.deleteControllerRevision(r, signal);
      toKill--;
    }
  }

  /** updateDaemonSetStatus + storeDaemonSetStatus. */
  async #updateStatus(ctx: SyncContext, hash: string, updateObservedGen: boolean): Promise<void> {
    const { ds, nodes, signal } = ctx;
    const byNode = await this.#nodesToDaemonPods(ctx);
    const now = this.#clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const generation = templateGeneration(ds);
    const s = emptyStatus();
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata.name ?? '') ?? [];
      const scheduled = pods.length > 0;
      if (!shouldRun) {
        if (scheduled) s.numberMisscheduled++;
        continue;
      }
      s.desiredNumberScheduled++;
      if (!scheduled) continue;
      s.currentNumberScheduled++;
      const pod = [...pods].sort(compareDaemonPods)[0] as Pod;
      if (isPodReady(pod)) {
        s.numberReady++;
        if (isPodAvailable(pod, minReady, now)) s.numberAvailable = (s.numberAvailable ?? 0) + 1;
      }
      if (isPodUpdated(pod, hash, generation)) s.updatedNumberScheduled = (s.updatedNumberScheduled ?? 0) + 1;
    }
    s.numberUnavailable = s.desiredNumberScheduled - (s.numberAvailable ?? 0);
    if (minReady > 0 && s.numberReady !== s.numberAvailable) ctx.requeueAfterMs = minPositive(ctx.requeueAfterMs, minReady * 1000);

    const cur = ds.status;
    const observed = cur?.observedGeneration ?? 0;
    const same = cur !== undefined
      && (['desiredNumberScheduled', 'currentNumberScheduled', 'numberMisscheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'] as const)
        .every((k) => (cur[k] ?? 0) === (s[k] ?? 0));
    if (same && (!updateObservedGen || observed >= (ds.metadata.generation ?? 0))) return;
    let target = ds;
    for (let attempt = 0; ; attempt++) {
      const copy = structuredClone(target);
      copy.status = {
        ...(copy.status ?? {}),
        ...s,
        observedGeneration: updateObservedGen ? (copy.metadata.generation ?? 0) : (copy.status?.observedGeneration ?? 0),
      };
      try {
        await this.#clientset.daemonSets.updateStatus(copy, { signal });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 1) throw err;
        target = await this.#clientset.daemonSets.get(ds.metadata.namespace ?? '', ds.metadata.name ?? '', { signal });
      }
    }
  }
}

interface SyncContext {
  ds: DaemonSet;
  key: string;
  selector: LabelSelector;
  nodes: Node[];
  signal: AbortSignal;
  requeueAfterMs: number;
}

function emptyStatus(): DaemonSetStatus & { numberAvailable: number; updatedNumberScheduled: number; numberUnavailable: number } {
  return {
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
}

function requeue(ctx: SyncContext): Result | void {
  return ctx.requeueAfterMs > 0 ? { requeueAfterMs: ctx.requeueAfterMs } : undefined;
}

