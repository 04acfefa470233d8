/**
 * computePodActions: the pure plan of what to do to bring the runtime's view of a pod to its spec
 * (kubelet pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions + podSandboxChanged, and
 * kuberuntime_container.go computeInitContainerActions, the SidecarContainers variant that is the only one
 * since 1.29). `KubeRuntimeManager.syncPod` executes the plan in kubelet's numbered steps.
 *
 * Rules, as upstream:
 * - Sandbox changed (none, not ready, more than one ready, network mode changed, pod network without an IP):
 *   kill everything and create a new sandbox with attempt+1. A pod that must not restart (restartPolicy Never)
 *   and already ran containers gets no new sandbox: it is only killed.
 * - Init containers run strictly one at a time, in order; each must exit 0 before the next starts. A failed
 *   one is restarted (restartPolicy Always/OnFailure) or fails the pod (Never: killPod).
 * - Native sidecars (init containers with restartPolicy Always) start in order and count as done once
 *   running (or once their startupProbe succeeded); they are restarted whenever they exit, whatever the pod's
 *   restartPolicy, and killed+restarted on liveness/startup probe failure.
 * - App containers start after initialization; an exited one restarts per restartPolicy; a running one is
 *   restarted when its definition (hash) changed or its liveness/startup probe failed (killed only, when the
 *   policy forbids the restart).
 * - Nothing to keep and nothing to start: killPod (the pod is done).
 * - Ephemeral containers (spec.ephemeralContainers) start once each, in the current sandbox, even before
 *   initialization completed; one the runtime knows (running or exited) is never started again, and a new
 *   sandbox starts none of them. They neither keep a pod alive nor count toward its end.
 * CrashLoopBackOff is not decided here: like kubelet's doBackOff it is checked when a container is about to
 * be started (see `KeyedBackoff`), so the plan stays a function of spec + runtime state + probe results.
 */
import type { Container, Pod } from '../../shared/api/core-v1.ts';
import {
  findContainerStatus,
  isRestartableInitContainer,
  shouldContainerBeRestarted,
  shouldRestartOnFailure,
  type RuntimeContainerStatus,
  type RuntimePodStatus,
} from '../container/runtime-pod.ts';
import { hashContainer } from './labels.ts';

export type ProbeResult = 'success' | 'failure';
export type KillReason = 'LivenessProbe' | 'StartupProbe' | 'Unknown' | 'DefinitionChanged' | '';

export interface ContainerToKill {
  name: string;
  container: Container;
  reason: KillReason;
  message: string;
}

export interface PodActions {
  /** Stop every container and the sandbox before anything else. */
  killPod: boolean;
  createSandbox: boolean;
  /** The current sandbox ('' if none). */
  sandboxId: string;
  /** Attempt number for a new sandbox. */
  attempt: number;
  /** Indexes into spec.initContainers to start, in order: the next regular init container, and sidecars to (re)start. */
  initContainersToStart: number[];
  /** Indexes into spec.containers to start, in order. */
  containersToStart: number[];
  /** Indexes into spec.ephemeralContainers to start, in order (EphemeralContainersToStart). */
  ephemeralContainersToStart: number[];
  /** Containers to kill, by CRI container id. */
  containersToKill: Map<string, ContainerToKill>;
}

export interface ComputePodActionsOptions {
  /** Liveness result of a container id; undefined while no result exists. */
  liveness?: (containerId: string) => ProbeResult | undefined;
  /** Startup result of a container id; undefined while no result exists. */
  startup?: (containerId: string) => ProbeResult | undefined;
}

export interface SandboxChange {
  changed: boolean;
  attempt: number;
  sandboxId: string;
}

/** kuberuntime podSandboxChanged (pkg/kubelet/kuberuntime/util PodSandboxChanged). */
export function podSandboxChanged(pod: Pod, status: RuntimePodStatus): SandboxChange {
  const newest = status.sandboxes[0];
  if (!newest) return { changed: true, attempt: 0, sandboxId: '' };
  const readyCount = status.sandboxes.filter((s) => s.ready).length;
  const next = newest.attempt + 1;
  if (readyCount > 1) return { changed: true, attempt: next, sandboxId: newest.id };
  if (!newest.ready) return { changed: true, attempt: next, sandboxId: newest.id };
  const wantMode = pod.spec.hostNetwork ? 'NODE' : 'POD';
  if (newest.networkMode !== wantMode) return { changed: true, attempt: next, sandboxId: '' };
  if (!pod.spec.hostNetwork && newest.ip === '') return { changed: true, attempt: next, sandboxId: newest.id };
  return { changed: false, attempt: newest.attempt, sandboxId: newest.id };
}

function containerSucceeded(c: Container, status: RuntimePodStatus): boolean {
  const cs = findContainerStatus(status, c.name);
  return cs !== undefined && cs.state === 'exited' && cs.exitCode === 0;
}

function isInitContainerFailed(cs: RuntimeContainerStatus): boolean {
  if (cs.state === 'exited' && cs.exitCode !== 0) return true;
  if (cs.state === 'unknown') return true;
  return false;
}

/** Whether a container runs with a different definition than the spec. */
function containerChanged(c: Container, cs: RuntimeContainerStatus): boolean {
  return cs.hash !== '' && cs.hash !== hashContainer(c);
}

/**
 * Regular init containers only: the last one that ran tells how far initialization got
 * (findNextInitContainerToRun). Returns done=true when every init container exited 0.
 */
export function findNextInitContainerToRun(pod: Pod, status: RuntimePodStatus): { last?: RuntimeContainerStatus; next?: Container; done: boolean } {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return { done: true };
  for (const c of pod.spec.containers) {
    const cs = findContainerStatus(status, c.name);
    if (cs && cs.state === 'running') return { done: true };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i] as Container;
    const cs = findContainerStatus(status, c.name);
    if (cs && isInitContainerFailed(cs)) return { last: cs, next: c, done: false };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i] as Container;
    const cs = findContainerStatus(status, c.name);
    if (!cs) continue;
    if (cs.state === 'running') return { done: false };
    if (cs.state === 'exited') {
      if (i === inits.length - 1) return { done: true };
      return { next: inits[i + 1], done: false };
    }
  }
  return { next: inits[0], done: false };
}

/**
 * computeInitContainerActions: fills initContainersToStart / containersToKill / killPod and returns whether
 * the pod is initialized (so app containers may be looked at).
 */
function computeInitContainerActions(pod: Pod, status: RuntimePodStatus, changes: PodActions, opts: ComputePodActionsOptions): boolean {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return true;

  // A created or running app container proves initialization happened before, even if the init containers'
  // records are gone. Upstream ignores exited ones, since they may come from an earlier sandbox (node
  // reboot); we know each container's sandbox, so an app container that exited in the current sandbox counts.
  let podHasInitialized = pod.spec.containers.some((c) => {
    const cs = findContainerStatus(status, c.name);
    if (!cs) return false;
    return cs.state === 'created' || cs.state === 'running' || (cs.state === 'exited' && cs.podSandboxId === changes.sandboxId);
  });
  let isPreviouslyInitialized = podHasInitialized;
  const restartOnFailure = shouldRestartOnFailure(pod);
  const toStart: number[] = []; // collected backwards, reversed at the end

  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i] as Container;
    const sidecar = isRestartableInitContainer(c);
    const cs = findContainerStatus(status, c.name);
    if (!cs) {
      if (isPreviouslyInitialized && sidecar) toStart.push(i);
      continue;
    }
    if (isPreviouslyInitialized && !sidecar) continue;

    switch (cs.state) {
      case 'created':
        // Created but never started (the start failed): start it again.
        toStart.push(i);
        break;
      case 'running': {
        if (!sidecar) break; // a regular init container: wait for it to finish
        if (c.startupProbe) {
          const startup = opts.startup?.(cs.id);
          if (startup === undefined) break; // wait for the startup probe
          if (startup === 'failure') {
            changes.containersToKill.set(cs.id, { name: c.name, container: c, reason: 'StartupProbe', message: `Init container ${c.name} failed startup probe` });
            toStart.push(i);
            break;
          }
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!isPreviouslyInitialized) toStart.push(i + 1); // started for the first time: start the next one
        if (containerChanged(c, cs)) {
          changes.containersToKill.set(cs.id, { name: c.name, container: c, reason: 'DefinitionChanged', message: `Init container ${c.name} definition changed` });
          toStart.push(i);
          break;
        }
        if (c.livenessProbe && opts.liveness?.(cs.id) === 'failure') {
          changes.containersToKill.set(cs.id, { name: c.name, container: c, reason: 'LivenessProbe', message: `Init container ${c.name} failed liveness probe` });
          toStart.push(i);
        }
        break;
      }
      case 'exited':
        if (sidecar) {
          toStart.push(i);
        } else if (isInitContainerFailed(cs)) {
          if (!restartOnFailure) {
            changes.killPod = true;
            changes.initContainersToStart = [];
            return false;
          }
          toStart.push(i);
        } else if (i === inits.length - 1) {
          podHasInitialized = true;
        } else {
          toStart.push(i + 1);
        }
        break;
      default: // unknown
        if (!sidecar && !restartOnFailure) {
          changes.killPod = true;
          changes.initContainersToStart = [];
          return false;
        }
        changes.containersToKill.set(cs.id, { name: c.name, container: c, reason: 'Unknown', message: `Init container is in "unknown" state, try killing it before restart` });
        toStart.push(i);
    }
    if (!isPreviouslyInitialized) isPreviouslyInitialized = true;
  }
  if (!isPreviouslyInitialized) toStart.push(0);
  // De-duplicate (a sidecar may be pushed twice: once as "next", once as restart) and order as in the spec.
  changes.initContainersToStart = [...new Set(toStart.reverse())];
  return podHasInitialized;
}

export function computePodActions(pod: Pod, status: RuntimePodStatus, opts: ComputePodActionsOptions = {}): PodActions {
  const sandbox = podSandboxChanged(pod, status);
  const changes: PodActions = {
    killPod: sandbox.changed,
    createSandbox: sandbox.changed,
    sandboxId: sandbox.sandboxId,
    attempt: sandbox.attempt,
    initContainersToStart: [],
    containersToStart: [],
    ephemeralContainersToStart: [],
    containersToKill: new Map(),
  };

  if (sandbox.changed) {
    // A pod that must not be restarted and already ran containers is only killed (no new sandbox).
    if (!shouldRestartOnFailure(pod) && sandbox.attempt !== 0 && status.containers.length !== 0) {
      changes.createSandbox = false;
      return changes;
    }
    // Nothing left to run (OnFailure pod whose containers all succeeded after initialization): no sandbox.
    const toStart: number[] = [];
    pod.spec.containers.forEach((c, i) => {
      if (pod.spec.restartPolicy === 'OnFailure' && containerSucceeded(c, status)) return;
      toStart.push(i);
    });
    if (toStart.length === 0 && findNextInitContainerToRun(pod, status).done) {
      changes.createSandbox = false;
      return changes;
    }
    if (pod.metadata.deletionTimestamp) {
      changes.createSandbox = false;
      return changes;
    }
    if ((pod.spec.initContainers ?? []).length > 0) {
      changes.initContainersToStart = [0];
      return changes;
    }
    changes.containersToStart = toStart;
    return changes;
  }

  // Ephemeral containers may be started even if initialization is not yet complete; they are never restarted.
  (pod.spec.ephemeralContainers ?? []).forEach((c, idx) => {
    if (!findContainerStatus(status, c.name)) changes.ephemeralContainersToStart.push(idx);
  });

  const initialized = computeInitContainerActions(pod, status, changes, opts);
  if (changes.killPod || !initialized) return changes;

  let keepCount = 0;
  pod.spec.containers.forEach((c, idx) => {
    const cs = findContainerStatus(status, c.name);
    if (!cs || cs.state !== 'running') {
      if (shouldContainerBeRestarted(c, pod, status)) {
        changes.containersToStart.push(idx);
        if (cs && cs.state === 'unknown') {
          changes.containersToKill.set(cs.id, { name: c.name, container: c, reason: 'Unknown', message: `Container is in "unknown" state, try killing it before restart` });
        }
      }
      return;
    }
    let restart = shouldRestartOnFailure(pod);
    let reason: KillReason;
    let message: string;
    if (containerChanged(c, cs)) {
      message = `Container ${c.name} definition changed`;
      reason = 'DefinitionChanged';
      restart = true; // regardless of the restart policy
    } else if (c.livenessProbe && opts.liveness?.(cs.id) === 'failure') {
      message = `Container ${c.name} failed liveness probe`;
      reason = 'LivenessProbe';
    } else if (c.startupProbe && opts.startup?.(cs.id) === 'failure') {
      message = `Container ${c.name} failed startup probe`;
      reason = 'StartupProbe';
    } else {
      keepCount++;
      return;
    }
    if (pod.metadata.deletionTimestamp) restart = false;
    if (restart) {
      message += ', will be restarted';
      changes.containersToStart.push(idx);
    }
    changes.containersToKill.set(cs.id, { name: c.name, container: c, reason, message });
  });

  if (keepCount === 0 && changes.containersToStart.length === 0) {
    changes.killPod = true;
    // Sidecars alone must not keep a finished pod alive.
    changes.initContainersToStart = [];
  }
  return changes;
}
