/**
 * The agent's view of one pod as the container runtime sees it (kubelet pkg/kubelet/container/runtime.go
 * `PodStatus`, `Status`, `Pod`). Built from CRI calls by `KubeRuntimeManager.getPodStatus`; consumed by the
 * pure planner (`computePodActions`) and the status generator.
 *
 * Times are epoch milliseconds (0 = not set). Lists are newest first.
 */
import type { Container, Pod } from '../../shared/api/core-v1.ts';
import type { NamespaceMode } from '../cri/services.ts';

export type RuntimeContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface RuntimeContainerStatus {
  /** CRI container id. */
  id: string;
  name: string;
  podSandboxId: string;
  state: RuntimeContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** CRI reason: 'Completed', 'Error', 'OOMKilled', ... */
  reason: string;
  message: string;
  /** The image the container was created from (as the agent asked for it). */
  image: string;
  /** The runtime's image id (`sha256:...`). */
  imageRef: string;
  /** Hash of the container spec it was created from (annotation `io.kubernetes.container.hash`). */
  hash: string;
  /** Restart count recorded at creation (annotation `io.kubernetes.container.restartCount`). */
  restartCount: number;
  /** Attempt number in the CRI metadata. */
  attempt: number;
}

export interface RuntimeSandboxStatus {
  id: string;
  ready: boolean;
  attempt: number;
  createdAt: number;
  ip: string;
  networkMode: NamespaceMode;
}

/** kubecontainer.PodStatus. */
export interface RuntimePodStatus {
  uid: string;
  name: string;
  namespace: string;
  /** IPs of the newest ready sandbox ('' entries dropped); empty for host-network pods. */
  ips: string[];
  /** Newest first. */
  sandboxes: RuntimeSandboxStatus[];
  /** Every container of the pod the runtime still has, newest first. */
  containers: RuntimeContainerStatus[];
  /** When the runtime was read (epoch ms). */
  timestamp: number;
}

export function emptyPodStatus(uid: string, name = '', namespace = '', timestamp = 0): RuntimePodStatus {
  return { uid, name, namespace, ips: [], sandboxes: [], containers: [], timestamp };
}

/** The newest status of the container called `name` (kubecontainer FindContainerStatusByName). */
export function findContainerStatus(status: RuntimePodStatus, name: string): RuntimeContainerStatus | undefined {
  return status.containers.find((c) => c.name === name);
}

/** True for native sidecars: init containers with `restartPolicy: Always`. */
export function isRestartableInitContainer(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

/** True if `name` is one of the pod's native sidecars. */
export function isSidecarName(pod: Pod, name: string): boolean {
  return (pod.spec.initContainers ?? []).some((c) => c.name === name && isRestartableInitContainer(c));
}

export function restartPolicyOf(pod: Pod): 'Always' | 'OnFailure' | 'Never' {
  return pod.spec.restartPolicy ?? 'Always';
}

/** kuberuntime shouldRestartOnFailure: restartPolicy is not Never. */
export function shouldRestartOnFailure(pod: Pod): boolean {
  return restartPolicyOf(pod) !== 'Never';
}

/**
 * kubecontainer.ShouldContainerBeRestarted: a missing, created or unknown container is (re)started; an exited
 * one per the pod's restartPolicy; nothing restarts once the pod is being deleted.
 */
export function shouldContainerBeRestarted(container: Container, pod: Pod, status: RuntimePodStatus): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const cs = findContainerStatus(status, container.name);
  if (!cs) return true;
  if (cs.state === 'running') return false;
  if (cs.state === 'unknown' || cs.state === 'created') return true;
  const policy = restartPolicyOf(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && cs.exitCode === 0) return false;
  return true;
}

/** Every container of the spec (init first, then app) with its kind. */
export function allContainers(pod: Pod): { container: Container; kind: 'init' | 'sidecar' | 'app'; index: number }[] {
  const out: { container: Container; kind: 'init' | 'sidecar' | 'app'; index: number }[] = [];
  (pod.spec.initContainers ?? []).forEach((c, index) => out.push({ container: c, kind: isRestartableInitContainer(c) ? 'sidecar' : 'init', index }));
  pod.spec.containers.forEach((c, index) => out.push({ container: c, kind: 'app', index }));
  return out;
}

/** Finds a container (init, app or ephemeral) of the spec by name. */
export function containerSpec(pod: Pod, name: string): Container | undefined {
  return pod.spec.containers.find((c) => c.name === name) ?? pod.spec.initContainers?.find((c) => c.name === name) ?? pod.spec.ephemeralContainers?.find((c) => c.name === name);
}

/** Containers still running in the runtime. */
export function runningContainers(status: RuntimePodStatus): RuntimeContainerStatus[] {
  return status.containers.filter((c) => c.state === 'running' || c.state === 'unknown');
}

/** `ns/name` for logs. */
export function podKey(pod: { metadata: { namespace?: string; name?: string } }): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}
