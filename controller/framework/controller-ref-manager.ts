/**
 * Adoption and orphaning by controllerRef (kube-controller-manager pkg/controller/controller_ref_manager.go).
 *
 * A controller owns the objects whose ownerReferences carry `controller: true` with its uid. Each sync it
 * "claims" the objects it might own, from the lister of its namespace:
 * - owned by another controller: never touched;
 * - owned by us and still matching our selector: kept;
 * - owned by us but no longer matching: released (our ownerReference removed with a strategic merge patch
 *   `{"metadata":{"ownerReferences":[{"$patch":"delete","uid":<ours>}],"uid":<object uid>}}`), unless we
 *   are being deleted;
 * - an orphan matching the selector, not being deleted, in our namespace: adopted, with a patch adding our
 *   controllerRef (`{"metadata":{"ownerReferences":[<ref>],"uid":<object uid>}}`; the uid in the patch makes
 *   the write fail when the object was deleted and recreated under the same name). Before the first
 *   adoption of a sync, `canAdopt` checks with a fresh GET (not the cache) that the controller still exists
 *   with the same uid and is not being deleted (recheckDeletionTimestamp).
 *
 *   const cm = new ControllerRefManager({
 *     controller: rs, controllerKind: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
 *     selector, client: clientset.pods,
 *     canAdopt: recheckDeletionTimestamp(() => freshOwner(clientset.replicaSets, rs)),
 *   });
 *   const mine = await cm.claim(podsOfNamespace, [isPodActive]);
 *
 * The same class claims pods (ReplicaSet, Job, StatefulSet, DaemonSet), ReplicaSets (Deployment) and
 * ControllerRevisions (StatefulSet, DaemonSet): everything is parameterized by the object client.
 */
import type { KubeObject, OwnerReference } from '../../shared/api/meta.ts';
import { matches, type LabelSelector } from '../../shared/api/labels.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isInvalid, isNotFound } from '../../shared/errors/status-error.ts';

/** An apiVersion + kind pair (schema.GroupVersionKind, as ownerReferences spell it). */
export interface GroupVersionKind {
  /** e.g. 'apps/v1', 'batch/v1' */
  apiVersion: string;
  /** e.g. 'ReplicaSet' */
  kind: string;
}

/** The ownerReference with `controller: true`, if any (metav1.GetControllerOf). */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A controllerRef pointing at `owner` (metav1.NewControllerRef): controller and blockOwnerDeletion true. */
export function newControllerRef(owner: KubeObject, gvk: GroupVersionKind): OwnerReference {
  return {
    apiVersion: gvk.apiVersion,
    kind: gvk.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The adopt patch body (ownerRefControllerPatch): our controllerRef, the object's uid, optional finalizers. */
export function ownerRefControllerPatch(owner: KubeObject, gvk: GroupVersionKind, uid: string, finalizers: readonly string[] = []): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ownerReferences: [newControllerRef(owner, gvk)], uid };
  if (finalizers.length > 0) metadata['finalizers'] = [...finalizers];
  return { metadata };
}

/**
 * The release patch body (GenerateDeleteOwnerRefStrategicMergeBytes): deletes the ownerReferences with these
 * uids (strategic merge `$patch: delete` keyed by uid) and the given finalizers.
 */
export function deleteOwnerRefStrategicMergePatch(dependentUID: string, ownerUIDs: readonly string[], finalizers: readonly string[] = []): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    uid: dependentUID,
    ownerReferences: ownerUIDs.map((uid) => ({ $patch: 'delete', uid })),
  };
  if (finalizers.length > 0) metadata['$deleteFromPrimitiveList/finalizers'] = [...finalizers];
  return { metadata };
}

/**
 * Builds a canAdopt check from a fresh read of the controller (RecheckDeletionTimestamp): rejects when the
 * read fails or the controller is being deleted.
 */
export function recheckDeletionTimestamp(getObject: () => Promise<KubeObject>): () => Promise<void> {
  return async () => {
    const obj = await getObject();
    const ts = obj.metadata.deletionTimestamp;
    if (ts) throw new Error(`${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''} has just been deleted at ${ts}`);
  };
}

/**
 * A fresh GET of `owner` that fails when the object under that name is not the same one (uid changed): the
 * usual getObject of recheckDeletionTimestamp. `kind` is used in the message ("original ReplicaSet ns/x is
 * gone: got uid A, wanted B").
 */
export function freshOwner<T extends KubeObject>(client: ResourceClient<T>, owner: KubeObject, kind: string, signal?: AbortSignal): () => Promise<T> {
  return async () => {
    const ns = owner.metadata.namespace ?? '';
    const name = owner.metadata.name ?? '';
    const fresh = await client.get(ns, name, signal ? { signal } : {});
    if (fresh.metadata.uid !== owner.metadata.uid) {
      throw new Error(`original ${kind} ${ns}/${name} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${owner.metadata.uid ?? ''}`);
    }
    return fresh;
  };
}

/** Several claim failures at once; `claimed` holds what could be claimed (utilerrors.NewAggregate). */
export class ClaimError extends Error {
  readonly errors: unknown[];
  readonly claimed: KubeObject[];
  constructor(errors: unknown[], claimed: KubeObject[]) {
    const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    super(msgs.length === 1 ? (msgs[0] as string) : `[${msgs.join(', ')}]`);
    this.name = 'ClaimError';
    this.errors = errors;
    this.claimed = claimed;
  }
}

/**
 * The claim decision for one object (BaseControllerRefManager): holds the controller and its canAdopt check,
 * run at most once per manager however many objects are adopted.
 */
export class BaseControllerRefManager {
  readonly controller: KubeObject;
  readonly #canAdoptFunc: () => Promise<void>;
  #canAdopt: Promise<void> | undefined;

  constructor(controller: KubeObject, canAdopt: () => Promise<void>) {
    this.controller = controller;
    this.#canAdoptFunc = canAdopt;
  }

  /** Runs the canAdopt check once; later calls share the first outcome. */
  canAdopt(): Promise<void> {
    this.#canAdopt ??= this.#canAdoptFunc();
    return this.#canAdopt;
  }

  /**
   * Decides one object (ClaimObject): resolves true when the controller owns it after the call. Errors of
   * adopt/release other than NotFound are thrown (someone else claimed it first, or a transient error).
   */
  async claimObject<T extends KubeObject>(
    obj: T,
    match: (obj: T) => boolean,
    adopt: (obj: T) => Promise<void>,
    release: (obj: T) => Promise<void>,
  ): Promise<boolean> {
    const ref = getControllerOf(obj);
    const me = this.controller.metadata;
    if (ref) {
      if (ref.uid !== me.uid) return false; // owned by someone else
      if (match(obj)) return true;
      // Ours but no longer matching: release, unless we are going away.
      if (me.deletionTimestamp) return false;
      try {
        await release(obj);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
      return false;
    }
    // An orphan.
    if (me.deletionTimestamp || !match(obj)) return false;
    if (obj.metadata.deletionTimestamp) return false;
    if (me.namespace && me.namespace !== obj.metadata.namespace) return false;
    try {
      await adopt(obj);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    return true;
  }
}

export interface ControllerRefManagerOptions<T extends KubeObject> {
  /** The owner, as read from its lister. */
  controller: KubeObject;
  /** The owner's apiVersion/kind, written into controllerRefs. */
  controllerKind: GroupVersionKind;
  /** The owner's selector (parsed: labelSelectorFromMeta). */
  selector: LabelSelector;
  /** Client of the owned objects (pods, replicasets, controllerrevisions). */
  client: ResourceClient<T>;
  /** Throws when adoption must not happen (see recheckDeletionTimestamp, freshOwner). */
  canAdopt: () => Promise<void>;
  /** Finalizers added on adoption and removed on release (the Job controller's tracking finalizer). */
  finalizers?: readonly string[];
  /** Kind of the owned objects, for messages. @default client.descriptor.kind */
  kind?: string;
  signal?: AbortSignal;
}

/**
 * Claims objects of one resource for one controller (PodControllerRefManager, ReplicaSetControllerRefManager,
 * ControllerRevisionControllerRefManager in one): adopt and release are strategic merge patches through
 * `client`.
 */
export class ControllerRefManager<T extends KubeObject> extends BaseControllerRefManager {
  readonly #o: ControllerRefManagerOptions<T>;

  constructor(options: ControllerRefManagerOptions<T>) {
    super(options.controller, options.canAdopt);
    this.#o = options;
  }

  /**
   * Claims every object of `objs` it should (see file comment) and resolves to those now owned. `filters`
   * further restrict what matches (e.g. only active pods). Every object is tried; failures are thrown
   * together afterwards as a ClaimError (its `claimed` still lists what was claimed).
   */
  async claim(objs: readonly T[], filters: readonly ((obj: T) => boolean)[] = []): Promise<T[]> {
    const claimed: T[] = [];
    const errors: unknown[] = [];
    const match = (obj: T) => matches(this.#o.selector, obj.metadata.labels) && filters.every((f) => f(obj));
    for (const obj of objs) {
      try {
        if (await this.claimObject(obj, match, (o) => this.adopt(o), (o) => this.release(o))) claimed.push(obj);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new ClaimError(errors, claimed);
    return claimed;
  }

  /** Sets our controllerRef on an orphan (AdoptPod/AdoptReplicaSet/AdoptControllerRevision). */
  async adopt(obj: T): Promise<void> {
    const kind = this.#o.kind ?? this.#o.client.descriptor.kind ?? 'object';
    const m = obj.metadata;
    try {
      await this.canAdopt();
    } catch (err) {
      throw new Error(`can't adopt ${kind} ${m.namespace ?? ''}/${m.name ?? ''} (${m.uid ?? ''}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const patch = ownerRefControllerPatch(this.controller, this.#o.controllerKind, m.uid ?? '', this.#o.finalizers ?? []);
    await this.#o.client.patch(m.namespace ?? '', m.name ?? '', 'application/strategic-merge-patch+json', patch, this.#o.signal ? { signal: this.#o.signal } : {});
  }

  /** Removes our ownerReference (ReleasePod/...): NotFound and Invalid (already released, or recreated) are fine. */
  async release(obj: T): Promise<void> {
    const m = obj.metadata;
    const patch = deleteOwnerRefStrategicMergePatch(m.uid ?? '', [this.controller.metadata.uid ?? ''], this.#o.finalizers ?? []);
    try {
      await this.#o.client.patch(m.namespace ?? '', m.name ?? '', 'application/strategic-merge-patch+json', patch, this.#o.signal ? { signal: this.#o.signal } : {});
    } catch (err) {
      if (isNotFound(err) || isInvalid(err)) return;
      throw err;
    }
  }
}
