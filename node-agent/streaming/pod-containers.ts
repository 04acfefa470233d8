/**
 * Which runtime container a logs/exec/attach request means, from the pod as the node agent sees it (its spec
 * and the status it reports). Mirrors kubelet: kubelet_pods.go validateContainerLogStatus (logs, including
 * `previous`) and the running-container lookup of exec/attach, with kubelet's error texts.
 */
import type { ContainerStatus, Pod } from '../../shared/api/core-v1.ts';

/** An error the streaming server answers with an HTTP status and a plain-text body (as kubelet does). */
export class StreamingHttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'StreamingHttpError';
    this.statusCode = statusCode;
  }
}

/** All container names of the pod: init containers, containers, ephemeral containers (podutil.VisitContainers order). */
export function containerNames(pod: Pod): string[] {
  return [
    ...(pod.spec?.initContainers ?? []).map((c) => c.name),
    ...(pod.spec?.containers ?? []).map((c) => c.name),
    ...(pod.spec?.ephemeralContainers ?? []).map((c) => c.name),
  ];
}

/** `containerd://<id>` → `<id>` (kubecontainer.ParseContainerID); '' stays ''. */
export function runtimeContainerId(containerID: string | undefined): string {
  if (!containerID) return '';
  const i = containerID.indexOf('://');
  return i >= 0 ? containerID.slice(i + 3) : containerID;
}

function findStatus(pod: Pod, name: string): ContainerStatus | undefined {
  const st = pod.status;
  return (
    st?.containerStatuses?.find((c) => c.name === name) ??
    st?.initContainerStatuses?.find((c) => c.name === name) ??
    st?.ephemeralContainerStatuses?.find((c) => c.name === name)
  );
}

/** 404 unless the pod's spec has the container (kubelet server.go getContainerLogs/getExec). */
export function requireContainerSpec(pod: Pod, container: string): void {
  if (!containerNames(pod).includes(container)) {
    throw new StreamingHttpError(404, `container ${JSON.stringify(container)} not found in pod ${JSON.stringify(pod.metadata.name ?? '')}`);
  }
}

/**
 * The runtime id of the container instance whose log to read (kubelet validateContainerLogStatus): the previous
 * terminated instance for `previous`, else the running one, else the last terminated one. Throws 400 with
 * kubelet's message when there is none (`container "c" in pod "p" is waiting to start: ContainerCreating`, ...).
 */
export function logContainerId(pod: Pod, container: string, previous: boolean): string {
  const podName = pod.metadata.name ?? '';
  const q = (s: string) => JSON.stringify(s);
  const cs = findStatus(pod, container);
  if (!cs) throw new StreamingHttpError(400, `container ${q(container)} in pod ${q(podName)} is not available`);
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  if (previous) {
    if (!last || !last.containerID) throw new StreamingHttpError(400, `previous terminated container ${q(container)} in pod ${q(podName)} not found`);
    return runtimeContainerId(last.containerID);
  }
  if (running) {
    if (!cs.containerID) throw new StreamingHttpError(400, `container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`);
    return runtimeContainerId(cs.containerID);
  }
  if (terminated) {
    if (terminated.containerID) return runtimeContainerId(terminated.containerID);
    if (last?.containerID) return runtimeContainerId(last.containerID);
    throw new StreamingHttpError(400, `container ${q(container)} in pod ${q(podName)} is terminated`);
  }
  if (last) {
    if (!last.containerID) throw new StreamingHttpError(400, `container ${q(container)} in pod ${q(podName)} is terminated`);
    return runtimeContainerId(last.containerID);
  }
  if (waiting) {
    throw new StreamingHttpError(400, waitingMessage(container, podName, waiting.reason ?? ''));
  }
  throw new StreamingHttpError(400, `container ${q(container)} in pod ${q(podName)} is waiting to start - no logs yet`);
}

/** kubelet's text for a waiting container (ErrImagePull and ImagePullBackOff get their own wording). */
export function waitingMessage(container: string, podName: string, reason: string): string {
  const prefix = `container ${JSON.stringify(container)} in pod ${JSON.stringify(podName)} is waiting to start`;
  if (reason === 'ErrImagePull') return `${prefix}: image can't be pulled`;
  if (reason === 'ImagePullBackOff') return `${prefix}: trying and failing to pull image`;
  return `${prefix}: ${reason}`;
}

/** The runtime id of the running instance for exec/attach; 404 `container not found ("c")` otherwise. */
export function runningContainerId(pod: Pod, container: string): string {
  const cs = findStatus(pod, container);
  if (!cs || !cs.state?.running || !cs.containerID) throw new StreamingHttpError(404, `container not found (${JSON.stringify(container)})`);
  return runtimeContainerId(cs.containerID);
}
