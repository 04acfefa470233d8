/**
 * The Deployment controller (kube-controller-manager pkg/controller/deployment): drives a Deployment's
 * ReplicaSets. It never touches pods itself (the ReplicaSet controller does); it only creates, scales and
 * deletes ReplicaSets and writes the Deployment's status.
 *
 * syncDeployment, in upstream's order of precedence:
 * 1. claim the namespace's ReplicaSets (adopt matching orphans after a fresh GET, release non-matching);
 * 2. being deleted: status only;
 * 3. paused/resumed: the Progressing condition Unknown with DeploymentPaused / DeploymentResumed;
 * 4. paused, or a scaling event (an active ReplicaSet's desired-replicas annotation differs from
 *    spec.replicas): `sync` scales proportionally (during a rollout, the surplus or deficit is spread over the
 *    active ReplicaSets by size), cleans up when paused, writes status;
 * 5. otherwise roll out: RollingUpdate (reconcileNewReplicaSet scales the new ReplicaSet up within maxSurge;
 *    reconcileOldReplicaSets scales old ones down within maxUnavailable, unhealthy replicas first) or
 *    Recreate (old ones to 0, wait for their pods to be gone, then the new one to full size).
 *
 * The new ReplicaSet is `<deployment>-<pod-template-hash>` with the hash label in its selector and template;
 * revisions: the new ReplicaSet gets max(old revisions)+1, a rolled-back-to ReplicaSet keeps its earlier
 * numbers in revision-history, the Deployment carries the new ReplicaSet's revision (what `kubectl rollout
 * history|undo` read). Status: replicas/updated/ready/available/unavailable, Available
 * (MinimumReplicasAvailable / MinimumReplicasUnavailable) and, with progressDeadlineSeconds, Progressing
 * (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
 * ProgressDeadlineExceeded). revisionHistoryLimit old ReplicaSets at 0 are kept, older ones deleted.
 * Events: ScalingReplicaSet "Scaled up replica set web-abc to 3" (creation), "Scaled up|down replica set
 * web-abc to 3 from 1" (scaling).
 */
import {
  DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY,
  REVISION_ANNOTATION,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  type ReplicaSet,
} from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { labelSelectorFromMeta, matches, type LabelSelector } from '../../shared/api/labels.ts';
import { deepCopy, type KubeObject, type OwnerReference } from '../../shared/api/meta.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone, type DeletedFinalStateUnknown } from '../../shared/cache/store.ts';
import { deploymentsResource, replicaSetsResource, type Clientset } from '../../shared/client/clientset.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { errorMessage, isAlreadyExists, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import { namespacedKey as keyOf } from '../framework/handlers.ts';
import { ControllerRefManager, freshOwner, getControllerOf, newControllerRef, recheckDeletionTimestamp, type GroupVersionKind } from '../framework/controller-ref-manager.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { POD_CONTROLLER_UID_INDEX, podControllerUIDIndexFunc } from '../framework/indexers.ts';
import { isNamespaceTerminatingError } from '../framework/namespace-errors.ts';
import type { Result } from '../framework/reconciler.ts';
import { parseTime } from '../framework/time-format.ts';
import {
  actualReplicaCount,
  availableReplicaCount,
  byCreationTimestamp,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  podTemplateHash,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  FAILED_RS_CREATE_REASON,
  filterActiveReplicaSets,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  FOUND_NEW_RS_REASON,
  getDeploymentCondition,
  getProportion,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE,
  NEW_REPLICA_SET_REASON,
  NEW_RS_AVAILABLE_REASON,
  newDeploymentCondition,
  newRSNewReplicas,
  PAUSED_DEPLOY_REASON,
  readyReplicaCount,
  removeDeploymentCondition,
  REPLICA_SET_UPDATED_REASON,
  replicaCount,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  RESUMED_DEPLOY_REASON,
  setDeploymentCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  TIMED_OUT_REASON,
} from './deployment-util.ts';

export const DEPLOYMENT_KIND: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'Deployment' };

export interface DeploymentControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  recorder: EventRecorder;
  /** Concurrent syncs (--concurrent-deployment-syncs). @default 5 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

export class DeploymentController {
  readonly controller: Controller;
  readonly #dClient: ResourceClient<Deployment>;
  readonly #rsClient: ResourceClient<ReplicaSet>;
  readonly #recorder: EventRecorder;
  readonly #dInformer: SharedIndexInformer<Deployment>;
  readonly #rsInformer: SharedIndexInformer<ReplicaSet>;
  readonly #podInformer: SharedIndexInformer<Pod>;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(options: DeploymentControllerOptions) {
    this.#dClient = options.clientset.deployments;
    this.#rsClient = options.clientset.replicaSets;
    this.#recorder = options.recorder;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'deployment' });
    this.#dInformer = options.informerFactory.informerFor<Deployment>(deploymentsResource);
    this.#rsInformer = options.informerFactory.informerFor<ReplicaSet>(replicaSetsResource);
    this.#podInformer = options.informerFactory.pods<Pod>({ indexers: { [POD_CONTROLLER_UID_INDEX]: podControllerUIDIndexFunc } });
    this.controller = new Controller({
      name: 'deployment',
      reconciler: { reconcile: (key, signal) => this.syncDeployment(key, signal) },
      workers: options.workers ?? 5,
      clock: this.#clock,
      log: this.#log,
    });
    this.#dInformer.addEventHandler({
      onAdd: (d) => this.#enqueue(d),
      onUpdate: (_old, cur) => this.#enqueue(cur),
      onDelete: (obj) => this.#enqueue(unwrapTombstone(obj)),
    });
    this.#rsInformer.addEventHandler({
      onAdd: (rs) => this.#addReplicaSet(rs),
      onUpdate: (old, cur) => this.#updateReplicaSet(old, cur),
      onDelete: (obj) => this.#deleteReplicaSet(obj),
    });
    this.#podInformer.addEventHandler({ onDelete: (obj) => this.#deletePod(obj) });
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal, {
      hasSynced: [() => this.#dInformer.hasSynced(), () => this.#rsInformer.hasSynced(), () => this.#podInformer.hasSynced()],
    });
  }

  #enqueue(d: Deployment): void {
    this.controller.enqueue(keyOf(d));
  }

  #resolveControllerRef(namespace: string, ref: OwnerReference): Deployment | undefined {
    if (ref.kind !== DEPLOYMENT_KIND.kind) return undefined;
    const d = this.#dInformer.lister.get(`${namespace}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan ReplicaSet (getDeploymentsForReplicaSet). */
  #getDeploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    return this.#dInformer.lister.namespace(rs.metadata.namespace ?? '').list((d) => {
      const s = d.spec.selector;
      if (!s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0)) return false;
      try {
        return matches(labelSelectorFromMeta(s), rs.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  #addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) {
      this.#deleteReplicaSet(rs);
      return;
    }
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.#resolveControllerRef(rs.metadata.namespace ?? '', ref);
      if (d) this.#enqueue(d);
      return;
    }
    for (const d of this.#getDeploymentsForReplicaSet(rs)) this.#enqueue(d);
  }

  #updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef ?? null) !== JSON.stringify(oldRef ?? null);
    if (refChanged && oldRef) {
      const d = this.#resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (d) this.#enqueue(d);
    }
    if (curRef) {
      const d = this.#resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (d) this.#enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.#getDeploymentsForReplicaSet(cur)) this.#enqueue(d);
  }

  #deleteReplicaSet(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const rs = unwrapTombstone(obj);
    const ref = getControllerOf(rs);
    if (!ref) return;
    const d = this.#resolveControllerRef(rs.metadata.namespace ?? '', ref);
    if (d) this.#enqueue(d);
  }

  /** A Recreate rollout waits for old pods to be gone: a pod deletion may unblock it. */
  #deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.#rsInformer.lister.get(`${pod.metadata.namespace ?? ''}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const dref = getControllerOf(rs);
    if (!dref) return;
    const d = this.#resolveControllerRef(rs.metadata.namespace ?? '', dref);
    if (d && d.spec.strategy?.type === 'Recreate') this.#enqueue(d);
  }

  /** Claims the namespace's ReplicaSets for the Deployment (getReplicaSetsForDeployment). */
  async #getReplicaSetsForDeployment(d: Deployment, selector: LabelSelector, signal: AbortSignal): Promise<ReplicaSet[]> {
    const all = this.#rsInformer.lister.namespace(d.metadata.namespace ?? '').list();
    const cm = new ControllerRefManager<ReplicaSet>({
      controller: d,
      controllerKind: DEPLOYMENT_KIND,
      selector,
      client: this.#rsClient,
      canAdopt: recheckDeletionTimestamp(freshOwner(this.#dClient, d, 'Deployment', signal)),
      signal,
    });
    return cm.claim(all);
  }

  /** One reconcile (syncDeployment). */
  async syncDeployment(key: string, signal: AbortSignal): Promise<Result> {
    const cached = this.#dInformer.lister.get(key);
    if (!cached) {
      this.#log.debug('Deployment has been deleted', { key });
      return {};
    }
    const d = deepCopy(cached);
    const sel = d.spec.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.#recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation ?? 0 };
        await this.#dClient.updateStatus(d, { signal });
      }
      return {};
    }
    const selector = labelSelectorFromMeta(sel);
    const rsList = await this.#getReplicaSetsForDeployment(d, selector, signal);
    const ctx = new SyncContext(this, d, rsList, signal);
    if (d.metadata.deletionTimestamp) {
      await ctx.syncStatusOnly();
      return {};
    }
    await ctx.checkPausedConditions();
    if (d.spec.paused) {
      await ctx.sync();
      return {};
    }
    if (await ctx.isScalingEvent()) {
      await ctx.sync();
      return {};
    }
    if (d.spec.strategy?.type === 'Recreate') await ctx.rolloutRecreate(this.#podMap(rsList));
    else await ctx.rolloutRolling();
    return ctx.requeueAfterMs !== undefined ? { requeueAfterMs: ctx.requeueAfterMs } : {};
  }

  /** Pods of each ReplicaSet by its uid (getPodMapForDeployment). */
  #podMap(rsList: ReplicaSet[]): Map<string, Pod[]> {
    const out = new Map<string, Pod[]>();
    for (const rs of rsList) out.set(rs.metadata.uid ?? '', this.#podInformer.indexer.byIndex(POD_CONTROLLER_UID_INDEX, rs.metadata.uid ?? ''));
    return out;
  }

  // Accessors for SyncContext.
  get dClient(): ResourceClient<Deployment> {
    return this.#dClient;
  }
  get rsClient(): ResourceClient<ReplicaSet> {
    return this.#rsClient;
  }
  get recorder(): EventRecorder {
    return this.#recorder;
  }
  get clock(): Clock {
    return this.#clock;
  }
  get log(): Logger {
    return this.#log;
  }
  rsFromCache(namespace: string, name: string): ReplicaSet | undefined {
    return this.#rsInformer.lister.get(`${namespace}/${name}`);
  }
}

/** The state of one sync: the Deployment copy being worked on and its claimed ReplicaSets. */
class SyncContext {
  readonly #dc: DeploymentController;
  readonly d: Deployment;
  readonly rsList: ReplicaSet[];
  readonly signal: AbortSignal;
  requeueAfterMs: number | undefined;

  constructor(dc: DeploymentController, d: Deployment, rsList: ReplicaSet[], signal: AbortSignal) {
    this.#dc = dc;
    this.d = d;
    this.rsList = rsList;
    this.signal = signal;
  }

  get #now(): number {
    return this.#dc.clock.now();
  }

  async #updateDeploymentStatus(): Promise<void> {
    // Counts are omitempty on the wire: zero ones are left out, as kube-controller-manager's JSON does.
    const st = this.d.status as Record<string, unknown> | undefined;
    if (st) for (const k of Object.keys(st)) if (st[k] === 0) delete st[k];
    const updated = await this.#dc.dClient.updateStatus(this.d, { signal: this.signal });
    // Later writes of this sync build on what the server has now.
    this.d.metadata.resourceVersion = updated.metadata.resourceVersion;
  }

  async syncStatusOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec.paused) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getDeploymentCondition(d.status, 'Progressing');
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCondExists = cond?.reason === PAUSED_DEPLOY_REASON;
    const status = (d.status ??= {});
    if (d.spec.paused && !pausedCondExists) {
      setDeploymentCondition(status, newDeploymentCondition('Progressing', 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', this.#now));
    } else if (!d.spec.paused && pausedCondExists) {
      setDeploymentCondition(status, newDeploymentCondition('Progressing', 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', this.#now));
    } else {
      return;
    }
    await this.#updateDeploymentStatus();
  }

  async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired === undefined) continue;
      if (desired !== replicasOf(this.d)) return true;
    }
    return false;
  }

  async getAllReplicaSetsAndSyncRevision(createIfNotExisted: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(this.d, this.rsList);
    const newRS = await this.getNewReplicaSet(oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  /** getNewReplicaSet: sync the existing new ReplicaSet's annotations, or create it. */
  async getNewReplicaSet(oldRSs: ReplicaSet[], createIfNotExisted: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, this.rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    if (existing) {
      const rsCopy = deepCopy(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
      const minReadyNeedsUpdate = (rsCopy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        rsCopy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        const updated = await this.#dc.rsClient.update(rsCopy, { signal: this.signal });
        this.#replaceInList(updated);
        return updated;
      }
      let needsUpdate = setDeploymentRevision(d, rsCopy.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
      const cond = getDeploymentCondition(d.status, 'Progressing');
      if (hasProgressDeadline(d) && !cond) {
        setDeploymentCondition((d.status ??= {}), newDeploymentCondition('Progressing', 'True', FOUND_NEW_RS_REASON, `Found new replica set ${JSON.stringify(rsCopy.metadata.name)}`, this.#now));
        needsUpdate = true;
      }
      if (needsUpdate) await this.#updateDeploymentStatus();
      return rsCopy;
    }
    if (!createIfNotExisted) return undefined;

    const template = deepCopy(d.spec.template);
    const hash = podTemplateHash(template, d.status?.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(d.spec.template.metadata?.labels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash } };
    const selector = deepCopy(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const name = `${d.metadata.name ?? ''}-${hash}`;
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata.namespace ?? '',
        ownerReferences: [newControllerRef(d, DEPLOYMENT_KIND)],
        labels: { ...(template.metadata.labels ?? {}) },
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const newReplicasCount = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec.replicas = newReplicasCount;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let createdRS: ReplicaSet;
    let alreadyExists = false;
    try {
      createdRS = await this.#dc.rsClient.create(newRS, { signal: this.signal });
    } catch (err) {
      if (isAlreadyExists(err)) {
        alreadyExists = true;
        const rs = this.#dc.rsFromCache(newRS.metadata.namespace ?? '', name) ?? (await this.#dc.rsClient.get(newRS.metadata.namespace ?? '', name, { signal: this.signal }));
        const ref = getControllerOf(rs);
        if (ref && ref.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, rs.spec.template)) {
          createdRS = rs;
        } else {
          // A hash collision: bump collisionCount so the next sync hashes differently.
          const status = (d.status ??= {});
          const before = status.collisionCount ?? 0;
          status.collisionCount = before + 1;
          try {
            await this.#updateDeploymentStatus();
            this.#dc.log.info('Found a hash collision for deployment - bumping collisionCount to resolve it', { deployment: keyOf(d), oldCollisionCount: before, newCollisionCount: before + 1 });
          } catch {
            // requeued by the error below
          }
          throw err;
        }
      } else if (isNamespaceTerminatingError(err)) {
        throw err;
      } else {
        const msg = `Failed to create new replica set ${JSON.stringify(name)}: ${errorMessage(err)}`;
        if (hasProgressDeadline(d)) {
          setDeploymentCondition((d.status ??= {}), newDeploymentCondition('Progressing', 'False', FAILED_RS_CREATE_REASON, msg, this.#now));
          try {
            await this.#updateDeploymentStatus();
          } catch {
            // the create error is the one to report
          }
        }
        this.#dc.recorder.event(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
        throw err;
      }
    }
    if (!alreadyExists && newReplicasCount > 0) {
      this.#dc.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata.name ?? ''} to ${newReplicasCount}`);
    }
    let needsUpdate = setDeploymentRevision(d, newRevision);
    if (!alreadyExists && hasProgressDeadline(d)) {
      setDeploymentCondition((d.status ??= {}), newDeploymentCondition('Progressing', 'True', NEW_REPLICA_SET_REASON, `Created new replica set ${JSON.stringify(createdRS.metadata.name)}`, this.#now));
      needsUpdate = true;
    }
    if (needsUpdate) await this.#updateDeploymentStatus();
    this.#replaceInList(createdRS);
    return createdRS;
  }

  #replaceInList(rs: ReplicaSet): void {
    const i = this.rsList.findIndex((r) => r.metadata.uid === rs.metadata.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
  }

  /** Proportional scaling on scaling events and while paused (scale). */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const want = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if ((activeOrLatest.spec.replicas ?? 1) === want) return;
      await this.scaleReplicaSetAndRecordEvent(activeOrLatest, want);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActiveReplicaSets(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allRSs = filterActiveReplicaSets([...oldRSs, newRS]);
    const allRSsReplicas = replicaCount(allRSs);
    const allowedSize = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowedSize - allRSsReplicas;
    let op = '';
    if (toAdd > 0) {
      allRSs.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      allRSs.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const nameToSize = new Map<string, number>();
    for (const rs of allRSs) {
      if (toAdd !== 0) {
        const p = getProportion(rs, d, toAdd, added);
        nameToSize.set(rs.metadata.name ?? '', (rs.spec.replicas ?? 1) + p);
        added += p;
      } else {
        nameToSize.set(rs.metadata.name ?? '', rs.spec.replicas ?? 1);
      }
    }
    for (let i = 0; i < allRSs.length; i++) {
      const rs = allRSs[i] as ReplicaSet;
      const n = rs.metadata.name ?? '';
      if (i === 0 && toAdd !== 0) nameToSize.set(n, Math.max(0, (nameToSize.get(n) ?? 0) + toAdd - added));
      await this.scaleReplicaSet(rs, nameToSize.get(n) ?? 0, op);
    }
  }

  async scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const cur = rs.spec.replicas ?? 1;
    if (cur === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, cur < newScale ? 'up' : 'down');
  }

  async scaleReplicaSet(rs: ReplicaSet, newScale: number, op: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.d;
    const want = replicasOf(d);
    const max = want + maxSurge(d);
    const sizeNeedsUpdate = (rs.spec.replicas ?? 1) !== newScale;
    const annotationsNeedUpdate = replicasAnnotationsNeedUpdate(rs, want, max);
    if (!sizeNeedsUpdate && !annotationsNeedUpdate) return { scaled: false, rs };
    const oldScale = rs.spec.replicas ?? 1;
    const copy = deepCopy(rs);
    copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, want, max);
    const updated = await this.#dc.rsClient.update(copy, { signal: this.signal });
    this.#replaceInList(updated);
    if (sizeNeedsUpdate) {
      this.#dc.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${updated.metadata.name ?? ''} to ${newScale} from ${oldScale}`);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** Deletes old ReplicaSets at 0 beyond revisionHistoryLimit, oldest revisions first (cleanupDeployment). */
  async cleanupDeployment(oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - (d.spec.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i] as ReplicaSet;
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec.replicas ?? 1) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
      try {
        await this.#dc.rsClient.delete(rs.metadata.namespace ?? '', rs.metadata.name ?? '', { signal: this.signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** The status the ReplicaSets imply (calculateStatus). */
  calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const d = this.d;
    const available = availableReplicaCount(allRSs);
    const total = replicaCount(allRSs);
    const unavailable = Math.max(0, total - available);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation ?? 0,
      replicas: actualReplicaCount(allRSs),
      updatedReplicas: actualReplicaCount([newRS]),
      readyReplicas: readyReplicaCount(allRSs),
      availableReplicas: available,
      unavailableReplicas: unavailable,
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (d.status?.conditions) status.conditions = d.status.conditions.map((c) => ({ ...c }));
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setDeploymentCondition(status, newDeploymentCondition('Available', 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', this.#now));
    } else {
      setDeploymentCondition(status, newDeploymentCondition('Available', 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', this.#now));
    }
    return status;
  }

  async syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const next = this.calculateStatus(allRSs, newRS);
    if (sameStatus(this.d.status, next)) return;
    this.d.status = next;
    await this.#updateDeploymentStatus();
  }

  /** Status plus the Progressing condition's bookkeeping (syncRolloutStatus). */
  async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const d = this.d;
    const next = this.calculateStatus(allRSs, newRS);
    if (!hasProgressDeadline(d)) removeDeploymentCondition(next, 'Progressing');
    const currentCond = getDeploymentCondition(d.status, 'Progressing');
    const isComplete = next.replicas === next.updatedReplicas && currentCond?.reason === NEW_RS_AVAILABLE_REASON;
    if (hasProgressDeadline(d) && !isComplete) {
      const rsName = newRS?.metadata.name;
      if (deploymentComplete(d, next)) {
        const msg = rsName ? `ReplicaSet ${JSON.stringify(rsName)} has successfully progressed.` : `Deployment ${JSON.stringify(d.metadata.name)} has successfully progressed.`;
        setDeploymentCondition(next, newDeploymentCondition('Progressing', 'True', NEW_RS_AVAILABLE_REASON, msg, this.#now));
      } else if (deploymentProgressing(d, next)) {
        const msg = rsName ? `ReplicaSet ${JSON.stringify(rsName)} is progressing.` : `Deployment ${JSON.stringify(d.metadata.name)} is progressing.`;
        const cond: DeploymentCondition = newDeploymentCondition('Progressing', 'True', REPLICA_SET_UPDATED_REASON, msg, this.#now);
        if (currentCond) {
          if (currentCond.status === 'True' && currentCond.lastTransitionTime) cond.lastTransitionTime = currentCond.lastTransitionTime;
          removeDeploymentCondition(next, 'Progressing');
        }
        setDeploymentCondition(next, cond);
      } else if (deploymentTimedOut(d, next, this.#now)) {
        const msg = rsName ? `ReplicaSet ${JSON.stringify(rsName)} has timed out progressing.` : `Deployment ${JSON.stringify(d.metadata.name)} has timed out progressing.`;
        setDeploymentCondition(next, newDeploymentCondition('Progressing', 'False', TIMED_OUT_REASON, msg, this.#now));
      }
    }
    const failure = replicaFailures(allRSs, newRS);
    if (failure) setDeploymentCondition(next, failure);
    else removeDeploymentCondition(next, 'ReplicaFailure');
    if (sameStatus(d.status, next)) {
      this.#requeueStuckDeployment(next);
      return;
    }
    d.status = next;
    await this.#updateDeploymentStatus();
  }

  /** Looks again when the progress deadline would pass (requeueStuckDeployment). */
  #requeueStuckDeployment(next: DeploymentStatus): void {
    const d = this.d;
    const cur = getDeploymentCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !cur) return;
    if (deploymentComplete(d, next) || cur.reason === TIMED_OUT_REASON) return;
    const after = (parseTime(cur.lastUpdateTime) ?? 0) + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - this.#now;
    this.requeueAfterMs = after < 1000 ? 1000 : after + 1000;
  }

  async rolloutRolling(): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(true);
    const nrs = newRS as ReplicaSet;
    let allRSs = [...oldRSs, nrs];
    if (await this.reconcileNewReplicaSet(allRSs, nrs)) {
      await this.syncRolloutStatus(this.#fresh(allRSs), this.#freshOne(nrs));
      return;
    }
    allRSs = this.#fresh(allRSs);
    if (await this.reconcileOldReplicaSets(allRSs, filterActiveReplicaSets(this.#fresh(oldRSs)), this.#freshOne(nrs))) {
      await this.syncRolloutStatus(this.#fresh(allRSs), this.#freshOne(nrs));
      return;
    }
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanupDeployment(this.#fresh(oldRSs));
    await this.syncRolloutStatus(this.#fresh(allRSs), this.#freshOne(nrs));
  }

  /** The latest copies this sync wrote (scaling replaces entries of rsList). */
  #fresh(rss: ReplicaSet[]): ReplicaSet[] {
    return rss.map((rs) => this.#freshOne(rs));
  }
  #freshOne(rs: ReplicaSet): ReplicaSet {
    return this.rsList.find((r) => r.metadata.uid === rs.metadata.uid) ?? rs;
  }

  async reconcileNewReplicaSet(allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const want = replicasOf(this.d);
    const cur = newRS.spec.replicas ?? 1;
    if (cur === want) return false;
    if (cur > want) return (await this.scaleReplicaSetAndRecordEvent(newRS, want)).scaled;
    const count = newRSNewReplicas(this.d, allRSs, newRS);
    return (await this.scaleReplicaSetAndRecordEvent(newRS, count)).scaled;
  }

  async reconcileOldReplicaSets(allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const oldPods = replicaCount(oldRSs);
    if (oldPods === 0) return false;
    const allPods = replicaCount(allRSs);
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const newRSUnavailable = (newRS.spec.replicas ?? 1) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    const { oldRSs: cleaned, cleanupCount } = await this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const scaledDown = await this.scaleDownOldReplicaSetsForRollingUpdate([...cleaned, newRS], cleaned);
    return cleanupCount + scaledDown > 0;
  }

  /** Scales down old replicas that are not available, oldest ReplicaSets first (cleanupUnhealthyReplicas). */
  async cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], maxCleanup: number): Promise<{ oldRSs: ReplicaSet[]; cleanupCount: number }> {
    const rss = [...oldRSs].sort(byCreationTimestamp);
    let total = 0;
    for (let i = 0; i < rss.length; i++) {
      if (total >= maxCleanup) break;
      const rs = rss[i] as ReplicaSet;
      const replicas = rs.spec.replicas ?? 1;
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const n = Math.min(maxCleanup - total, replicas - available);
      const next = replicas - n;
      if (next > replicas) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${keyOf(rs)} ${replicas} -> ${next}`);
      rss[i] = (await this.scaleReplicaSetAndRecordEvent(rs, next)).rs;
      total += n;
    }
    return { oldRSs: rss, cleanupCount: total };
  }

  /** Scales old ReplicaSets down while availability stays above minAvailable (scaleDownOldReplicaSetsForRollingUpdate). */
  async scaleDownOldReplicaSetsForRollingUpdate(allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const available = availableReplicaCount(allRSs);
    if (available <= minAvailable) return 0;
    const rss = [...oldRSs].sort(byCreationTimestamp);
    let total = 0;
    const want = available - minAvailable;
    for (const rs of rss) {
      if (total >= want) break;
      const replicas = rs.spec.replicas ?? 1;
      if (replicas === 0) continue;
      const n = Math.min(replicas, want - total);
      await this.scaleReplicaSetAndRecordEvent(rs, replicas - n);
      total += n;
    }
    return total;
  }

  async rolloutRecreate(podMap: Map<string, Pod[]>): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(false);
    let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    // Scale every old ReplicaSet down to 0 first.
    let scaledDown = false;
    for (const rs of filterActiveReplicaSets(oldRSs)) {
      if ((await this.scaleReplicaSetAndRecordEvent(rs, 0)).scaled) scaledDown = true;
    }
    if (scaledDown) {
      await this.syncRolloutStatus(allRSs.map((r) => (r ? this.#freshOne(r) : r)), newRS);
      return;
    }
    if (oldPodsRunning(newRS, oldRSs, podMap)) {
      await this.syncRolloutStatus(allRSs, newRS);
      return;
    }
    if (!newRS) {
      ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(true));
      allRSs = [...oldRSs, newRS];
    }
    if (newRS) await this.scaleReplicaSetAndRecordEvent(newRS, replicasOf(this.d));
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanupDeployment(oldRSs);
    await this.syncRolloutStatus(allRSs.map((r) => (r ? this.#freshOne(r) : r)), newRS ? this.#freshOne(newRS) : newRS);
  }
}

/** Old ReplicaSets still report replicas, or their pods are not yet terminal (oldPodsRunning). */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}

/** The ReplicaFailure condition of the new, else an old, ReplicaSet, as a Deployment condition (getReplicaFailures). */
function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition | undefined {
  const ordered = newRS ? [newRS, ...allRSs.filter((r) => r && r.metadata.uid !== newRS.metadata.uid)] : allRSs;
  for (const rs of ordered) {
    const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
    if (c) {
      const out: DeploymentCondition = { type: c.type, status: c.status };
      if (c.lastTransitionTime) {
        out.lastUpdateTime = c.lastTransitionTime;
        out.lastTransitionTime = c.lastTransitionTime;
      }
      if (c.reason) out.reason = c.reason;
      if (c.message) out.message = c.message;
      return out;
    }
  }
  return undefined;
}

/** Status equality as reflect.DeepEqual on the Go struct (zero counts equal to absent ones). */
function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined) => ({
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    unavailableReplicas: s?.unavailableReplicas ?? 0,
    terminatingReplicas: s?.terminatingReplicas ?? 0,
    collisionCount: s?.collisionCount ?? null,
    conditions: (s?.conditions ?? []).map((c) => [c.type, c.status, c.lastUpdateTime ?? '', c.lastTransitionTime ?? '', c.reason ?? '', c.message ?? '']),
  });
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

