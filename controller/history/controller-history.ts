/**
 * ControllerRevision history (kube-controller-manager pkg/controller/history/controller_history.go): the
 * immutable snapshots of a StatefulSet's or DaemonSet's pod template that `kubectl rollout history|undo`
 * read and re-apply.
 *
 *   const history = new ControllerHistory(clientset, revisionsInformer.lister);
 *   const revisions = history.listControllerRevisions(set, selector);
 *   const created = await history.createControllerRevision(set, newControllerRevision(...), collision);
 *
 * A revision's `data` is the strategic merge patch that puts the parent's template back
 * (`{"spec":{"template":{"$patch":"replace",...}}}`); its name is `<parent>-<hash>` where the hash is FNV-1
 * (32 bit, as upstream's hash/fnv New32) over the encoded data plus the collision count, rendered with
 * SafeEncodeString. Encoding: JSON with keys sorted at every level (what Go's encoding/json does for the
 * map[string]interface{} upstream marshals), so the same template always gives the same name.
 */
import type { ControllerRevision } from '../../shared/api/apps-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { getControllerOf, newControllerRef, type GroupVersionKind } from '../framework/controller-ref-manager.ts';
import { matches, type LabelSelector } from '../../shared/api/labels.ts';
import type { Lister } from '../../shared/cache/lister.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { isAlreadyExists, isConflict, isInvalid, isNotFound } from '../../shared/errors/status-error.ts';
import { fnv1_32 } from '../../shared/util/fnv.ts';
import { safeEncodeString } from '../../shared/util/safe-encode-string.ts';
import { stableStringify, type StableJsonOptions } from '../../shared/util/stable-json.ts';

/** The label a ControllerRevision carries with its own hash (history.ControllerRevisionHashLabel). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** The parent's kind, as its controller ownerReference names it. */
export type ParentKind = GroupVersionKind;

/** How revision data is encoded (RawExtension.Raw): Go's encoding/json of a map, keys sorted, HTML escaped. */
export const REVISION_DATA_ENCODING: StableJsonOptions = Object.freeze({ goHtmlEscape: true });

/** The revision's data as the bytes that are hashed and compared (RawExtension.Raw). */
export function revisionRaw(revision: Pick<ControllerRevision, 'data'>): string {
  return revision.data === undefined || revision.data === null ? '' : stableStringify(revision.data, REVISION_DATA_ENCODING);
}

/** HashControllerRevision: FNV-1 over the data, then the collision count in decimal, safe-encoded. */
export function hashControllerRevision(revision: Pick<ControllerRevision, 'data'>, probe?: number): string {
  let h = fnv1_32(revisionRaw(revision));
  if (probe !== undefined) h = fnv1_32(String(probe), h);
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters so the name fits 253. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/**
 * NewControllerRevision: a revision owned by parent, labelled with the template's labels plus its own hash,
 * named `<parent>-<hash>`.
 */
export function newControllerRevision(parent: KubeObject, kind: ParentKind, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount?: number): ControllerRevision {
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      namespace: parent.metadata.namespace ?? '',
      labels: { ...(templateLabels ?? {}) },
      ownerReferences: [newControllerRef(parent, kind)],
    },
    data,
    revision,
  };
  const hash = hashControllerRevision(cr, collisionCount);
  cr.metadata.name = controllerRevisionName(parent.metadata.name ?? '', hash);
  (cr.metadata.labels as Record<string, string>)[CONTROLLER_REVISION_HASH_LABEL] = hash;
  return cr;
}

/** EqualRevision: same hash label (when both carry one) and the same data. */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = a.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const hb = b.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return revisionRaw(a) === revisionRaw(b);
}

/** FindEqualRevisions: the revisions equal to needle. */
export function findEqualRevisions(revisions: readonly ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** SortControllerRevisions: by revision, then creationTimestamp, then name (stable). */
export function sortControllerRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = a.metadata.name ?? '';
    const nb = b.metadata.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** The largest revision number, 0 when there is none (statefulset/daemon maxRevision). */
export function maxRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) if (r.revision > max) max = r.revision;
  return max;
}

/** What createControllerRevision gives back: the stored revision and the collision count it settled on. */
export interface CreatedRevision {
  revision: ControllerRevision;
  collisionCount: number;
}

/** The realHistory of upstream: reads through a lister, writes through the clientset. */
export class ControllerHistory {
  readonly #clientset: Clientset;
  readonly #lister: Lister<ControllerRevision>;

  constructor(clientset: Clientset, lister: Lister<ControllerRevision>) {
    this.#clientset = clientset;
    this.#lister = lister;
  }

  /**
   * ListControllerRevisions: the revisions in parent's namespace that match selector and are owned by parent
   * or by no controller (orphans the caller may adopt).
   */
  listControllerRevisions(parent: KubeObject, selector: LabelSelector): ControllerRevision[] {
    const ns = parent.metadata.namespace ?? '';
    const out: ControllerRevision[] = [];
    for (const r of this.#lister.namespace(ns).list()) {
      if (!matches(selector, r.metadata.labels)) continue;
      const ref = getControllerOf(r);
      if (!ref || ref.uid === parent.metadata.uid) out.push(r);
    }
    return out;
  }

  /**
   * CreateControllerRevision: creates revision under the name its data and the collision count give. When
   * that name is taken by a revision with the same data, that one is returned; by different data, the
   * collision count goes up and the next name is tried.
   */
  async createControllerRevision(parent: KubeObject, revision: ControllerRevision, collisionCount: number, signal?: AbortSignal): Promise<CreatedRevision> {
    let count = collisionCount;
    const ns = parent.metadata.namespace ?? '';
    const opts = signal ? { signal } : {};
    for (;;) {
      const clone = structuredClone(revision);
      const hash = hashControllerRevision(revision, count);
      clone.metadata.name = controllerRevisionName(parent.metadata.name ?? '', hash);
      clone.metadata.namespace = ns;
      try {
        const created = await this.#clientset.controllerRevisions.create(clone, opts);
        return { revision: created, collisionCount: count };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const exists = await this.#clientset.controllerRevisions.get(ns, clone.metadata.name, opts);
        if (revisionRaw(exists) === revisionRaw(clone)) return { revision: exists, collisionCount: count };
        count++;
      }
    }
  }

  /** UpdateControllerRevision: sets the revision number, retrying on conflicts with a fresh copy. */
  async updateControllerRevision(revision: ControllerRevision, newRevision: number, signal?: AbortSignal): Promise<ControllerRevision> {
    let clone = structuredClone(revision);
    const opts = signal ? { signal } : {};
    for (let attempt = 0; ; attempt++) {
      if (clone.revision === newRevision) return clone;
      clone.revision = newRevision;
      try {
        return await this.#clientset.controllerRevisions.update(clone, opts);
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
        clone = await this.#clientset.controllerRevisions.get(revision.metadata.namespace ?? '', revision.metadata.name ?? '', opts);
      }
    }
  }

  async deleteControllerRevision(revision: ControllerRevision, signal?: AbortSignal): Promise<void> {
    try {
      await this.#clientset.controllerRevisions.delete(revision.metadata.namespace ?? '', revision.metadata.name ?? '', signal ? { signal } : {});
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** AdoptControllerRevision: a strategic merge patch adding parent as controller (uid-guarded). */
  async adoptControllerRevision(parent: KubeObject, kind: ParentKind, revision: ControllerRevision, signal?: AbortSignal): Promise<ControllerRevision> {
    const owner = getControllerOf(revision);
    if (owner) throw new Error(`attempt to adopt revision owned by ${owner.kind}/${owner.name}`);
    const patch = { metadata: { ownerReferences: [newControllerRef(parent, kind)], uid: revision.metadata.uid } };
    return this.#clientset.controllerRevisions.patch(revision.metadata.namespace ?? '', revision.metadata.name ?? '', 'application/strategic-merge-patch+json', patch, signal ? { signal } : {});
  }

  /** ReleaseControllerRevision: drops parent's ownerReference; a revision gone or changed is not an error. */
  async releaseControllerRevision(parent: KubeObject, revision: ControllerRevision, signal?: AbortSignal): Promise<ControllerRevision | undefined> {
    const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: parent.metadata.uid }], uid: revision.metadata.uid } };
    try {
      return await this.#clientset.controllerRevisions.patch(revision.metadata.namespace ?? '', revision.metadata.name ?? '', 'application/strategic-merge-patch+json', patch, signal ? { signal } : {});
    } catch (err) {
      if (isNotFound(err) || isInvalid(err)) return undefined;
      throw err;
    }
  }
}
