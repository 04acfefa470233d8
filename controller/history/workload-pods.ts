/**
 * What the StatefulSet and DaemonSet controllers share about their pods and their revisions' data
 * (pkg/api/v1/pod IsPodReady/IsPodAvailable, controller.GetPodFromTemplate, and the `getPatch`/`ApplyRevision`
 * pair both controllers use for ControllerRevision data).
 */
import type { Pod, PodTemplateSpec } from '../../shared/api/core-v1.ts';
import type { KubeObject, OwnerReference } from '../../shared/api/meta.ts';

/** The Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * podutil.IsPodAvailable: Ready, and Ready for at least minReadySeconds by the condition's
 * lastTransitionTime. A pod Ready without a transition time counts as available only when minReadySeconds is 0.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'Ready');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(t) && t + minReadySeconds * 1000 <= nowMs;
}

/**
 * How long until a Ready pod becomes available (for a requeue), 0 when it already is or never will be by
 * waiting alone.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, nowMs: number): number {
  if (!isPodReady(pod) || minReadySeconds <= 0) return 0;
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'Ready');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.max(0, t + minReadySeconds * 1000 - nowMs);
}

export const isPodTerminating = (pod: Pod): boolean => Boolean(pod.metadata.deletionTimestamp);
export const isPodFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isPodSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';

/**
 * controller.GetPodFromTemplate: a pod with the template's labels, annotations, finalizers and spec, owned
 * by controllerRef, generateName `<parent>-`.
 */
export function podFromTemplate(template: PodTemplateSpec, parent: KubeObject, controllerRef: OwnerReference): Pod {
  const t = structuredClone(template);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: parent.metadata.namespace ?? '',
      generateName: `${parent.metadata.name ?? ''}-`,
      labels: { ...(t.metadata?.labels ?? {}) },
      ownerReferences: [controllerRef],
    },
    spec: t.spec ?? { containers: [] },
  };
  if (t.metadata?.annotations) pod.metadata.annotations = { ...t.metadata.annotations };
  if (t.metadata?.finalizers) pod.metadata.finalizers = [...t.metadata.finalizers];
  return pod;
}

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
