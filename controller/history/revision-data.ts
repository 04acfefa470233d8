/**
 * The data of the ControllerRevisions the StatefulSet and DaemonSet controllers write (their `getPatch`) and
 * what it puts back (`ApplyRevision`): a strategic merge patch replacing the pod template, which is also what
 * `kubectl rollout undo` applies to the parent.
 *
 * Upstream encodes the typed object, decodes it into a map and marshals the patch again, so the bytes are
 * JSON with sorted keys and the template's metadata carries `"creationTimestamp":null` (a metav1.Time is never
 * omitted). kubectl builds the same bytes from the live object and compares them with a revision's data to
 * tell a no-op rollback ("skipped rollback (current template already matches revision N)"): the data here is
 * built the same way, keys in sorted order, so the API server serves it byte for byte as kubectl computes it.
 */
import type { PodTemplateSpec } from '../../shared/api/core-v1.ts';
import { stableStringify } from '../../shared/util/stable-json.ts';
import { REVISION_DATA_ENCODING } from './controller-history.ts';

/** The parent's template as a ControllerRevision's data: `{"spec":{"template":{"$patch":"replace",...}}}` (getPatch). */
export function templatePatch(template: PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  const t = structuredClone(template ?? {}) as Record<string, unknown>;
  const metadata = { creationTimestamp: null, ...((t['metadata'] as Record<string, unknown> | undefined) ?? {}) };
  // Re-parsing the sorted encoding gives objects whose key order is sorted at every level.
  return JSON.parse(stableStringify({ spec: { template: { ...t, metadata, $patch: 'replace' } } }, REVISION_DATA_ENCODING)) as { spec: { template: Record<string, unknown> } };
}

/** The template a revision's data puts back (ApplyRevision, for data written by templatePatch). */
export function templateOfRevision(data: unknown): PodTemplateSpec | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const spec = (data as { spec?: unknown }).spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const template = (spec as { template?: unknown }).template;
  if (typeof template !== 'object' || template === null) return undefined;
  const { $patch: _directive, ...rest } = structuredClone(template) as Record<string, unknown>;
  const metadata = rest['metadata'];
  if (typeof metadata === 'object' && metadata !== null && (metadata as Record<string, unknown>)['creationTimestamp'] === null) {
    const { creationTimestamp: _null, ...m } = metadata as Record<string, unknown>;
    rest['metadata'] = m;
  }
  return rest as PodTemplateSpec;
}
