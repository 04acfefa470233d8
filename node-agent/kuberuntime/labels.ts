/**
 * Labels and annotations the agent puts on sandboxes and containers (kubelet kuberuntime/labels.go). They are
 * how a restarted agent finds and adopts what it created: every sandbox and container carries the pod uid,
 * every container its name, restart count and spec hash.
 */
import type { Container, Pod } from '../../shared/api/core-v1.ts';
import { canonicalJson } from '../util/canonical-json.ts';
import { fnv1a_32 } from '../../shared/util/fnv.ts';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** Marks objects this agent manages (kubelet: `io.kubernetes.container.logpath`-era "kubelet managed"). */
export const LABEL_MANAGED = 'io.kubelab.managed';

export const ANNOTATION_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const ANNOTATION_TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
export const ANNOTATION_POD_GRACE_PERIOD = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_PRESTOP_HANDLER = 'io.kubernetes.container.preStopHandler';

/** newPodLabels: the pod's own labels plus the three identity labels. */
export function newPodLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
    [LABEL_MANAGED]: 'true',
  };
}

/** newPodAnnotations: the pod's annotations, as kubelet passes them to the sandbox. */
export function newPodAnnotations(pod: Pod): Record<string, string> {
  return { ...(pod.metadata.annotations ?? {}) };
}

export function newContainerLabels(container: Container, pod: Pod): Record<string, string> {
  return {
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
    [LABEL_CONTAINER_NAME]: container.name,
    [LABEL_MANAGED]: 'true',
  };
}

export function newContainerAnnotations(container: Container, pod: Pod, restartCount: number): Record<string, string> {
  const a: Record<string, string> = {
    [ANNOTATION_CONTAINER_HASH]: hashContainer(container),
    [ANNOTATION_RESTART_COUNT]: String(restartCount),
    [ANNOTATION_TERMINATION_MESSAGE_PATH]: container.terminationMessagePath ?? '/dev/termination-log',
    [ANNOTATION_TERMINATION_MESSAGE_POLICY]: container.terminationMessagePolicy ?? 'File',
  };
  if (pod.spec.terminationGracePeriodSeconds !== undefined) a[ANNOTATION_POD_GRACE_PERIOD] = String(pod.spec.terminationGracePeriodSeconds);
  if (container.lifecycle?.preStop) a[ANNOTATION_PRESTOP_HANDLER] = JSON.stringify(container.lifecycle.preStop);
  return a;
}

/** 32-bit FNV-1a of a string (UTF-8), as 8 hex digits. */
export function fnv32a(s: string): string {
  return fnv1a_32(s).toString(16).padStart(8, '0');
}

/**
 * kubecontainer.HashContainer: a change of the container's definition means it is restarted. Resources are
 * left out (in-place resize must not restart), as kubelet's HashContainerWithoutResources does.
 */
export function hashContainer(c: Container): string {
  const { resources: _r, resizePolicy: _p, ...rest } = c;
  return fnv32a(canonicalJson(rest));
}
