/**
 * controller.ComputeHash (kube-controller-manager pkg/controller/controller_utils.go): the Deployment's
 * pod-template-hash and the DaemonSet's controller-revision-hash. FNV-1a over a stable JSON encoding of the pod
 * template, then the collision count (a uint32, little-endian, in an 8-byte buffer) when given, printed in
 * decimal and safe-encoded. Upstream hashes Go's printed struct, so values differ from kube's, but they are
 * stable across restarts and versions of kubelab.
 *
 * The two callers encode the template as they always have, so no existing object's hash changes (a new hash
 * would roll every Deployment or DaemonSet once after an upgrade):
 * - DEPLOYMENT_TEMPLATE_ENCODING drops null members (a null decodes to Go's zero value: `kubectl rollout undo`
 *   sends `creationTimestamp: null` back and must get the same hash);
 * - DAEMON_SET_TEMPLATE_ENCODING is the ControllerRevision data encoding (Go's HTML escaping, nulls kept).
 */
import { fnv1a_32 } from '../../shared/util/fnv.ts';
import { safeEncodeString } from '../../shared/util/safe-encode-string.ts';
import { stableStringify, type StableJsonOptions } from '../../shared/util/stable-json.ts';

export const DEPLOYMENT_TEMPLATE_ENCODING: StableJsonOptions = Object.freeze({ omitNull: true });
export const DAEMON_SET_TEMPLATE_ENCODING: StableJsonOptions = Object.freeze({ goHtmlEscape: true });

export function computeHash(template: unknown, collisionCount: number | undefined, encoding: StableJsonOptions): string {
  let h = fnv1a_32(stableStringify(template ?? null, encoding));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv1a_32(b, h);
  }
  return safeEncodeString(String(h));
}
