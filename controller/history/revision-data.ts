/**
 * The data of the ControllerRevisions the StatefulSet and DaemonSet controllers write (their `getPatch`) and
 * what it puts back (`ApplyRevision`): a strategic merge patch replacing the pod template, which is also what
 * `kubectl rollout undo` applies to the parent.
 */
import type { PodTemplateSpec } from '../../shared/api/core-v1.ts';

/** The parent's template as a ControllerRevision's data: `{"spec":{"template":{"$patch":"replace",...}}}` (getPatch). */
export function templatePatch(template: PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(structuredClone(template ?? {}) as Record<string, unknown>), $patch: 'replace' } } };
}

/** The template a revision's data puts back (ApplyRevision, for data written by templatePatch). */
export function templateOfRevision(data: unknown): PodTemplateSpec | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const spec = (data as { spec?: unknown }).spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const template = (spec as { template?: unknown }).template;
  if (typeof template !== 'object' || template === null) return undefined;
  const { $patch: _directive, ...rest } = structuredClone(template) as Record<string, unknown>;
  return rest as PodTemplateSpec;
}
