/**
 * The garbage collector's dependency graph (kube-controller-manager pkg/controller/garbagecollector/graph.go and
 * graph_builder.go): one node per object uid, edges from owners to dependents by ownerReferences. Informer
 * events of every monitored resource are applied in order (processGraphChanges); the builder tells the
 * collector which nodes to look at (attemptToDelete) and which owners wait for their dependents to be orphaned
 * (attemptToOrphan).
 *
 * Owners referenced but never observed get a "virtual" node; the collector verifies them against the server and
 * removes them with a virtual delete event when they do not exist (or have another uid).
 */
import type { KubeObject, OwnerReference } from '../../shared/api/meta.ts';

export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

/** An object's coordinates (objectReference: OwnerReference coordinates plus namespace). */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** '' for cluster-scoped objects (and virtual owners of cluster-scoped dependents). */
  namespace: string;
}

/** objectReference.String(): `[v1/Secret, namespace: ns, name: n, uid: u]`. */
export function identityString(id: ObjectIdentity): string {
  return `[${id.apiVersion}/${id.kind}, namespace: ${id.namespace}, name: ${id.name}, uid: ${id.uid}]`;
}

export function sameIdentity(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion && a.namespace === b.namespace;
}

function refMatchesCoordinates(ref: OwnerReference, id: ObjectIdentity): boolean {
  return ref.uid === id.uid && ref.name === id.name && ref.kind === id.kind && ref.apiVersion === id.apiVersion;
}

export class GraphNode {
  identity: ObjectIdentity;
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[];
  /** The object has deletionTimestamp and the foregroundDeletion finalizer. */
  deletingDependents: boolean;
  beingDeleted: boolean;
  /** Created for an owner that was referenced but never seen through an informer. */
  virtual: boolean;

  constructor(identity: ObjectIdentity, init: { owners?: OwnerReference[]; deletingDependents?: boolean; beingDeleted?: boolean; virtual?: boolean } = {}) {
    this.identity = identity;
    this.owners = init.owners ?? [];
    this.deletingDependents = init.deletingDependents ?? false;
    this.beingDeleted = init.beingDeleted ?? false;
    this.virtual = init.virtual ?? false;
  }

  isObserved(): boolean {
    return !this.virtual;
  }

  /** Dependents whose ownerReference to this node has blockOwnerDeletion. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      for (const ref of dep.owners) {
        if (ref.uid === this.identity.uid && ref.blockOwnerDeletion) {
          out.push(dep);
          break;
        }
      }
    }
    return out;
  }
}

export type GraphEventType = 'add' | 'update' | 'delete';

/** Where the builder sends work: to attemptToDelete or attemptToOrphan, by node uid. */
export interface GraphQueues {
  attemptToDelete(uid: string, rateLimited?: boolean): void;
  attemptToOrphan(uid: string): void;
  /** Records the OwnerRefInvalidNamespace warning for a dependent (kube's event). */
  invalidNamespaceOwnerRef(dependent: ObjectIdentity, owner: ObjectIdentity): void;
}

/** A bounded record of owners confirmed absent (absentOwnerCache, an LRU of 500 in kube). */
export class AbsentOwnerCache {
  readonly #max: number;
  readonly #keys = new Map<string, true>();
  constructor(max = 500) {
    this.#max = max;
  }
  static key(id: Pick<ObjectIdentity, 'apiVersion' | 'kind' | 'name' | 'uid' | 'namespace'>): string {
    return `${id.apiVersion}\u0000${id.kind}\u0000${id.namespace}\u0000${id.name}\u0000${id.uid}`;
  }
  add(id: ObjectIdentity): void {
    const k = AbsentOwnerCache.key(id);
    this.#keys.delete(k);
    this.#keys.set(k, true);
    if (this.#keys.size > this.#max) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }
  has(id: ObjectIdentity): boolean {
    const k = AbsentOwnerCache.key(id);
    if (!this.#keys.has(k)) return false;
    this.#keys.delete(k);
    this.#keys.set(k, true);
    return true;
  }
}

const beingDeleted = (o: KubeObject): boolean => Boolean(o.metadata.deletionTimestamp);
const hasFinalizer = (o: KubeObject, f: string): boolean => (o.metadata.finalizers ?? []).includes(f);

/** The object just started waiting for a GC finalizer (deletionStartsWithFinalizer). */
function deletionStartsWithFinalizer(old: KubeObject | undefined, obj: KubeObject, finalizer: string): boolean {
  if (!beingDeleted(obj) || !hasFinalizer(obj, finalizer)) return false;
  if (!old) return true;
  return !beingDeleted(old) || !hasFinalizer(old, finalizer);
}

/**
 * The graph and its maintenance (GraphBuilder.processGraphChanges). Not concurrent: every change is applied
 * synchronously, in the order the informers deliver them.
 */
export class DependencyGraph {
  readonly uidToNode = new Map<string, GraphNode>();
  readonly absentOwnerCache: AbsentOwnerCache;
  readonly #queues: GraphQueues;

  constructor(queues: GraphQueues, absentOwnerCache = new AbsentOwnerCache()) {
    this.#queues = queues;
    this.absentOwnerCache = absentOwnerCache;
  }

  get(uid: string): GraphNode | undefined {
    return this.uidToNode.get(uid);
  }

  /** An informer event for an object of the resource whose objects have `apiVersion`/`kind`. */
  processEvent(type: GraphEventType, obj: KubeObject, coords: { apiVersion: string; kind: string }, old?: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const identity: ObjectIdentity = {
      apiVersion: coords.apiVersion,
      kind: coords.kind,
      name: obj.metadata.name ?? '',
      uid,
      namespace: obj.metadata.namespace ?? '',
    };
    let existing = this.uidToNode.get(uid);
    if (existing && !existing.isObserved()) {
      // The virtual node is now observed: dependents that named other coordinates may be wrong.
      if (!sameIdentity(identity, existing.identity)) {
        const [, mismatched] = partitionDependents([...existing.dependents], identity);
        for (const dep of mismatched) {
          if (identity.namespace && dep.identity.namespace !== identity.namespace) {
            this.#reportInvalidNamespaceOwnerRef(dep, identity.uid);
          }
          this.#queues.attemptToDelete(dep.identity.uid);
        }
        existing.identity = identity;
      }
      existing.virtual = false;
    }
    if ((type === 'add' || type === 'update') && !existing) {
      const node = new GraphNode(identity, {
        owners: obj.metadata.ownerReferences ?? [],
        deletingDependents: beingDeleted(obj) && hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS),
        beingDeleted: beingDeleted(obj),
      });
      this.#insertNode(node);
      this.#processTransitions(old, obj, node);
      return;
    }
    if ((type === 'add' || type === 'update') && existing) {
      const owners = obj.metadata.ownerReferences ?? [];
      const { added, removed, changed } = referencesDiffs(existing.owners, owners);
      if (added.length || removed.length || changed.length) {
        // Dependents that stopped blocking may unblock owners waiting for them.
        this.#addUnblockedOwnersToDeleteQueue(removed, changed);
        existing.owners = owners;
        this.#addDependentToOwners(existing, added);
        this.#removeDependentFromOwners(existing, removed);
      }
      if (beingDeleted(obj)) existing.beingDeleted = true;
      this.#processTransitions(old, obj, existing);
      return;
    }
    if (type === 'delete' && existing) this.#removeObserved(existing, identity);
  }

  /**
   * A virtual delete event (the collector found the object absent, or with another uid, on the server):
   * `deleted` names the coordinates verified absent.
   */
  processVirtualDelete(deleted: ObjectIdentity): void {
    const existing = this.uidToNode.get(deleted.uid);
    if (!existing) return;
    let remove = true;
    if (existing.virtual) {
      // Our coordinates are a guess: dependents that named other coordinates keep the node alive.
      const [matching, nonMatching] = partitionDependents([...existing.dependents], deleted);
      if (nonMatching.length > 0) {
        remove = false;
        if (matching.length > 0) {
          this.absentOwnerCache.add(deleted);
          for (const dep of matching) this.#queues.attemptToDelete(dep.identity.uid);
        }
        if (sameIdentity(existing.identity, deleted)) {
          const replacement = alternateOwnerIdentity(nonMatching, deleted);
          if (replacement) {
            existing.identity = replacement;
            this.#queues.attemptToDelete(existing.identity.uid, true);
          }
        }
      }
    } else if (!sameIdentity(existing.identity, deleted)) {
      // An observed node is not removed because some dependent guessed its coordinates wrong.
      remove = false;
      const [matching] = partitionDependents([...existing.dependents], deleted);
      if (matching.length > 0) {
        this.absentOwnerCache.add(deleted);
        for (const dep of matching) this.#queues.attemptToDelete(dep.identity.uid);
      }
    }
    if (remove) this.#removeAndNotify(existing, deleted);
  }

  #removeObserved(node: GraphNode, identity: ObjectIdentity): void {
    this.#removeAndNotify(node, identity);
  }

  #removeAndNotify(node: GraphNode, identity: ObjectIdentity): void {
    this.#removeNode(node);
    if (node.dependents.size > 0) this.absentOwnerCache.add(identity);
    for (const dep of node.dependents) this.#queues.attemptToDelete(dep.identity.uid);
    for (const owner of node.owners) {
      const ownerNode = this.uidToNode.get(owner.uid);
      // An owner deleting its dependents re-checks whether any blocking one remains.
      if (ownerNode?.deletingDependents) this.#queues.attemptToDelete(ownerNode.identity.uid);
    }
  }

  #insertNode(node: GraphNode): void {
    this.uidToNode.set(node.identity.uid, node);
    this.#addDependentToOwners(node, node.owners);
  }

  #removeNode(node: GraphNode): void {
    this.uidToNode.delete(node.identity.uid);
    this.#removeDependentFromOwners(node, node.owners);
  }

  #addDependentToOwners(node: GraphNode, owners: OwnerReference[]): void {
    let potentiallyInvalid = false;
    for (const owner of owners) {
      let ownerNode = this.uidToNode.get(owner.uid);
      const known = ownerNode !== undefined;
      if (!ownerNode) {
        ownerNode = new GraphNode(
          { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, namespace: node.identity.namespace },
          { virtual: true },
        );
        this.uidToNode.set(owner.uid, ownerNode);
      }
      ownerNode.dependents.add(node);
      if (!known) {
        // The collector verifies the virtual owner against the server; absent, a virtual delete removes it.
        this.#queues.attemptToDelete(ownerNode.identity.uid);
      } else if (!potentiallyInvalid) {
        const ownerNamespaced = ownerNode.identity.namespace !== '';
        if (ownerNamespaced && ownerNode.identity.namespace !== node.identity.namespace) {
          // A namespaced owner in another namespace: definitely wrong once the owner was observed.
          if (ownerNode.isObserved()) this.#reportInvalidNamespaceOwnerRef(node, owner.uid);
          potentiallyInvalid = true;
        } else if (!refMatchesCoordinates(owner, ownerNode.identity)) {
          potentiallyInvalid = true;
        } else if (!ownerNamespaced && ownerNode.identity.namespace !== node.identity.namespace && !ownerNode.isObserved()) {
          // A virtual cluster-scoped owner that may really be a missing namespaced one (kubernetes#98040).
          potentiallyInvalid = true;
        }
      }
    }
    // The collector checks whether the references are dangling (and deletes the dependent if all are).
    if (potentiallyInvalid) this.#queues.attemptToDelete(node.identity.uid);
  }

  #removeDependentFromOwners(node: GraphNode, owners: OwnerReference[]): void {
    for (const owner of owners) this.uidToNode.get(owner.uid)?.dependents.delete(node);
  }

  /** Owners waiting for dependents whose reference stopped blocking (removed, or blockOwnerDeletion dropped). */
  #addUnblockedOwnersToDeleteQueue(removed: OwnerReference[], changed: { old: OwnerReference; now: OwnerReference }[]): void {
    for (const ref of removed) {
      if (!ref.blockOwnerDeletion) continue;
      const owner = this.uidToNode.get(ref.uid);
      if (owner) this.#queues.attemptToDelete(owner.identity.uid);
    }
    for (const c of changed) {
      if (c.old.blockOwnerDeletion && !c.now.blockOwnerDeletion) {
        const owner = this.uidToNode.get(c.now.uid);
        if (owner) this.#queues.attemptToDelete(owner.identity.uid);
      }
    }
  }

  #processTransitions(old: KubeObject | undefined, obj: KubeObject, node: GraphNode): void {
    if (deletionStartsWithFinalizer(old, obj, FINALIZER_ORPHAN_DEPENDENTS)) {
      this.#queues.attemptToOrphan(node.identity.uid);
      return;
    }
    if (deletionStartsWithFinalizer(old, obj, FINALIZER_DELETE_DEPENDENTS)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.#queues.attemptToDelete(dep.identity.uid);
      this.#queues.attemptToDelete(node.identity.uid);
    }
  }

  #reportInvalidNamespaceOwnerRef(node: GraphNode, ownerUid: string): void {
    const ref = node.owners.find((o) => o.uid === ownerUid);
    if (!ref) return;
    this.#queues.invalidNamespaceOwnerRef(node.identity, {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
      uid: ref.uid,
      namespace: node.identity.namespace,
    });
  }
}

/** Dependents whose reference to `owner.uid` matches its coordinates (and namespace, if namespaced), and the rest. */
function partitionDependents(dependents: GraphNode[], owner: ObjectIdentity): [GraphNode[], GraphNode[]] {
  const matching: GraphNode[] = [];
  const nonMatching: GraphNode[] = [];
  const ownerNamespaced = owner.namespace !== '';
  for (const dep of dependents) {
    let found = false;
    for (const ref of dep.owners) {
      if (ref.uid !== owner.uid) continue;
      found = true;
      if (ownerNamespaced && dep.identity.namespace !== owner.namespace) nonMatching.push(dep);
      else if (!refMatchesCoordinates(ref, owner)) nonMatching.push(dep);
      else matching.push(dep);
      break;
    }
    if (!found) nonMatching.push(dep);
  }
  return [matching, nonMatching];
}

/** Another identity the dependents name the owner by (getAlternateOwnerIdentity): the next in a stable order. */
function alternateOwnerIdentity(dependents: GraphNode[], verifiedAbsent: ObjectIdentity): ObjectIdentity | undefined {
  const absentNamespaced = verifiedAbsent.namespace !== '';
  let first: ObjectIdentity | undefined;
  let firstFollowing: ObjectIdentity | undefined;
  const key = (id: ObjectIdentity) => `${id.apiVersion}\u0000${id.kind}\u0000${id.name}\u0000${id.namespace}`;
  const absentKey = key(verifiedAbsent);
  for (const dep of dependents) {
    for (const ref of dep.owners) {
      if (ref.uid !== verifiedAbsent.uid) continue;
      const candidate: ObjectIdentity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: dep.identity.namespace };
      if (sameIdentity(candidate, verifiedAbsent)) continue;
      // A namespaced owner was verified absent: a cluster-scoped guess with the same coordinates is next.
      if (absentNamespaced && refMatchesCoordinates(ref, verifiedAbsent)) candidate.namespace = '';
      if (sameIdentity(candidate, verifiedAbsent)) continue;
      const k = key(candidate);
      if (!first || k < key(first)) first = candidate;
      if (k > absentKey && (!firstFollowing || k < key(firstFollowing))) firstFollowing = candidate;
    }
  }
  return firstFollowing ?? first;
}

/** The ownerReferences added, removed (by uid) and changed (same uid, other content). */
export function referencesDiffs(old: OwnerReference[], now: OwnerReference[]): {
  added: OwnerReference[];
  removed: OwnerReference[];
  changed: { old: OwnerReference; now: OwnerReference }[];
} {
  const oldByUid = new Map(old.map((r) => [r.uid, r]));
  const added: OwnerReference[] = [];
  const changed: { old: OwnerReference; now: OwnerReference }[] = [];
  for (const r of now) {
    const o = oldByUid.get(r.uid);
    if (!o) added.push(r);
    else {
      if (!sameReference(o, r)) changed.push({ old: o, now: r });
      oldByUid.delete(r.uid);
    }
  }
  return { added, removed: [...oldByUid.values()], changed };
}

function sameReference(a: OwnerReference, b: OwnerReference): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.uid === b.uid
    && Boolean(a.controller) === Boolean(b.controller) && Boolean(a.blockOwnerDeletion) === Boolean(b.blockOwnerDeletion);
}
