/**
 * Adoption and release by controllerRef (pkg/controller/controller_ref_manager.go BaseControllerRefManager
 * ClaimObject), for the objects a StatefulSet or DaemonSet owns (pods, ControllerRevisions):
 *
 * - owned by this parent and still matching: claimed;
 * - owned by this parent and no longer matching: released (its ownerReference removed), unless the parent is
 *   being deleted;
 * - owned by another controller: left alone;
 * - owned by no controller, matching, not being deleted, parent not being deleted: adopted (a strategic merge
 *   patch adding the controller ownerReference, guarded by the object's uid) after `canAdopt` confirmed
 *   with a fresh read that the parent is still the same live object (RecheckDeletionTimestamp).
 *
 * Adoption patches: `{"metadata":{"ownerReferences":[<controllerRef>],"uid":"<object uid>"}}`; release:
 * `{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"<parent uid>"}],"uid":"<object uid>"}}`.
 * A release or adoption that finds the object gone (NotFound) or changed (Invalid: another uid) is no error.
 */
import type { KubeObject } from '../../shared/api/meta.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isInvalid, isNotFound } from '../../shared/errors/status-error.ts';
import { getControllerOf, newControllerRef, type ParentKind } from './controller-history.ts';

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  kind: ParentKind;
  /** Whether an object belongs to the owner by its content (selector match plus any membership rule). */
  match: (obj: T) => boolean;
  /** Throws when the owner may not adopt (it was deleted or replaced); called at most once, lazily. */
  canAdopt: () => Promise<void>;
  client: ResourceClient<T>;
  signal?: AbortSignal;
}

/** The objects the owner controls after adopting orphans and releasing those that no longer match. */
export async function claimObjects<T extends KubeObject>(objects: readonly T[], options: ClaimOptions<T>): Promise<T[]> {
  const { owner, kind, match, client } = options;
  const ownerUid = owner.metadata.uid;
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp);
  const opts = options.signal ? { signal: options.signal } : {};
  let adoptChecked: Promise<void> | undefined;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  for (const obj of objects) {
    const ref = getControllerOf(obj);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (match(obj)) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      try {
        await client.patch(obj.metadata.namespace ?? '', obj.metadata.name ?? '', 'application/strategic-merge-patch+json',
          { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: obj.metadata.uid } }, opts);
      } catch (err) {
        if (!isNotFound(err) && !isInvalid(err)) errors.push(err);
      }
      continue;
    }
    if (ownerDeleting || !match(obj) || obj.metadata.deletionTimestamp) continue;
    if ((obj.metadata.namespace ?? '') !== (owner.metadata.namespace ?? '')) continue;
    try {
      adoptChecked ??= options.canAdopt();
      await adoptChecked;
      const adopted = await client.patch(obj.metadata.namespace ?? '', obj.metadata.name ?? '', 'application/strategic-merge-patch+json',
        { metadata: { ownerReferences: [newControllerRef(owner, kind)], uid: obj.metadata.uid } }, opts);
      claimed.push(adopted);
    } catch (err) {
      if (!isNotFound(err) && !isInvalid(err)) errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

/**
 * RecheckDeletionTimestamp: reads the owner fresh from the server; it may adopt only if it is the same object
 * (uid) and not being deleted.
 */
export function recheckOwner(get: () => Promise<KubeObject>, owner: KubeObject): () => Promise<void> {
  return async () => {
    const fresh = await get();
    if (fresh.metadata.uid !== owner.metadata.uid) {
      throw new Error(`original ${owner.kind ?? 'object'} ${owner.metadata.namespace ?? ''}/${owner.metadata.name ?? ''} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${owner.metadata.uid ?? ''}`);
    }
    if (fresh.metadata.deletionTimestamp) {
      throw new Error(`${owner.metadata.namespace ?? ''}/${owner.metadata.name ?? ''} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  };
}
