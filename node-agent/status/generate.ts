/**
 * The API PodStatus from the runtime's view (kubelet kubelet_pods.go generateAPIPodStatus, getPhase,
 * convertToAPIContainerStatuses; pkg/kubelet/status/generate.go for the conditions; prober_manager
 * UpdatePodStatus for ready/started). Pure.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../../shared/api/core-v1.ts';
import { podQOSClass } from '../../shared/api/defaults/pod.ts';
import {
  findContainerStatus,
  isRestartableInitContainer,
  shouldContainerBeRestarted,
  type RuntimeContainerStatus,
  type RuntimePodStatus,
} from '../container/runtime-pod.ts';
import { podSandboxChanged } from '../kuberuntime/compute-pod-actions.ts';
import { formatTime } from '../util/time.ts';
import { canonicalJson, hash53 } from '../util/canonical-json.ts';

/** Conditions the agent owns (kubetypes.PodConditionByKubelet); others are preserved as they are. */
export const KUBELET_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized', 'ContainersReady', 'PodReadyToStartContainers']);

export interface WaitingReason {
  reason: string;
  message: string;
}

export interface GenerateOptions {
  pod: Pod;
  runtime: RuntimePodStatus;
  /** The status the agent last generated for this pod (else the API status). */
  oldStatus: PodStatus | undefined;
  /** The pod is terminal (its containers will not run again). */
  podIsTerminal: boolean;
  /** Why a container could not be started the last time (reasonCache). */
  waitingReason?: (name: string) => WaitingReason | undefined;
  /** Probe results by container id. */
  readiness?: (containerId: string) => 'success' | 'failure' | undefined;
  startup?: (containerId: string) => 'success' | 'failure' | undefined;
  /** The node's IP. */
  hostIP: string;
  /** `containerd` -> container ids `containerd://<id>`. */
  runtimeName: string;
  now: number;
}

function ts(ms: number): string | undefined {
  return ms > 0 ? formatTime(ms) : undefined;
}

function convertRuntimeStatus(cs: RuntimeContainerStatus, old: ContainerStatus | undefined, runtimeName: string): { state: ContainerState; restartCount: number } {
  if (cs.state === 'running') {
    const running: ContainerState['running'] = {};
    const s = ts(cs.startedAt);
    if (s) running.startedAt = s;
    return { state: { running }, restartCount: cs.restartCount };
  }
  if (cs.state === 'created') return { state: { waiting: { reason: 'ContainerCreating' } }, restartCount: cs.restartCount };
  if (cs.state === 'exited') {
    const t: NonNullable<ContainerState['terminated']> = { exitCode: cs.exitCode, containerID: `${runtimeName}://${cs.id}` };
    if (cs.reason) t.reason = cs.reason;
    if (cs.message) t.message = cs.message;
    const s = ts(cs.startedAt);
    const f = ts(cs.finishedAt);
    if (s) t.startedAt = s;
    if (f) t.finishedAt = f;
    return { state: { terminated: t }, restartCount: cs.restartCount };
  }
  if (old?.state?.running) {
    return {
      state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } },
      restartCount: old.restartCount + 1,
    };
  }
  return { state: { waiting: {} }, restartCount: cs.restartCount };
}

/** convertToAPIContainerStatuses for one list (app or init containers), in spec order. */
export function convertContainerStatuses(o: GenerateOptions, containers: Container[], previous: ContainerStatus[] | undefined, isInit: boolean): ContainerStatus[] {
  const { pod, runtime } = o;
  const hasInit = (pod.spec.initContainers ?? []).length > 0;
  const oldByName = new Map((previous ?? []).map((s) => [s.name, s]));
  const statuses = new Map<string, ContainerStatus>();
  for (const c of containers) {
    const old = oldByName.get(c.name);
    let st: ContainerStatus = {
      name: c.name,
      state: { waiting: { reason: hasInit && !isInit ? 'PodInitializing' : 'ContainerCreating' } },
      ready: false,
      restartCount: 0,
      image: c.image ?? '',
      imageID: '',
      started: false,
    };
    if (old) {
      if (old.state?.terminated) st = structuredClone(old);
      else {
        st.restartCount = old.restartCount;
        if (old.lastState) st.lastState = structuredClone(old.lastState);
      }
    }
    statuses.set(c.name, st);
  }
  // A container that vanished from the runtime while it was running did terminate (kubelet #104345 logic).
  for (const c of containers) {
    if (runtime.containers.some((r) => r.name === c.name)) continue;
    const old = oldByName.get(c.name);
    if (!old || old.state?.terminated || !old.state?.running) continue;
    const st = statuses.get(c.name) as ContainerStatus;
    const defaultWaiting = st.state?.waiting?.reason === (hasInit && !isInit ? 'PodInitializing' : 'ContainerCreating');
    if (!defaultWaiting || st.lastState?.terminated) continue;
    st.lastState = {
      terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running' },
    };
    if (!pod.metadata.deletionTimestamp) st.restartCount += 1;
  }
  // The newest instance gives state, the one before it lastState.
  const seen = new Map<string, number>();
  for (const cs of runtime.containers) {
    const st = statuses.get(cs.name);
    if (!st) continue;
    const n = seen.get(cs.name) ?? 0;
    if (n >= 2) continue;
    const conv = convertRuntimeStatus(cs, oldByName.get(cs.name), o.runtimeName);
    if (n === 0) {
      const next: ContainerStatus = {
        name: cs.name,
        state: conv.state,
        ready: false,
        restartCount: conv.restartCount,
        image: st.image,
        imageID: cs.imageRef,
        containerID: `${o.runtimeName}://${cs.id}`,
        started: false,
      };
      if (st.lastState) next.lastState = st.lastState;
      statuses.set(cs.name, next);
    } else {
      st.lastState = conv.state;
    }
    seen.set(cs.name, n + 1);
  }
  // Containers that failed to start, and will be started again, show why they wait.
  for (const c of containers) {
    if (isInit) {
      const r = findContainerStatus(runtime, c.name);
      if (r && r.state === 'exited' && r.exitCode === 0 && !isRestartableInitContainer(c)) continue;
    }
    if (!shouldContainerBeRestarted(c, pod, runtime) && !(isInit && isRestartableInitContainer(c) && !pod.metadata.deletionTimestamp)) continue;
    const why = o.waitingReason?.(c.name);
    if (!why) continue;
    const st = statuses.get(c.name) as ContainerStatus;
    if (st.state?.running) continue;
    if (st.state?.terminated) st.lastState = st.state;
    st.state = { waiting: { reason: why.reason, ...(why.message ? { message: why.message } : {}) } };
  }
  // ready / started (prober_manager UpdatePodStatus).
  for (const c of containers) {
    const st = statuses.get(c.name) as ContainerStatus;
    const id = st.containerID?.replace(/^[^:]+:\/\//, '') ?? '';
    const running = !!st.state?.running;
    if (isInit && !isRestartableInitContainer(c)) {
      st.ready = st.state?.terminated?.exitCode === 0;
      st.started = running;
      continue;
    }
    const started = running && (!c.startupProbe || o.startup?.(id) === 'success');
    st.started = started;
    st.ready = started && (!c.readinessProbe || o.readiness?.(id) === 'success');
  }
  return containers.map((c) => statuses.get(c.name) as ContainerStatus);
}

/**
 * status.ephemeralContainerStatuses (kubelet converts them as it does app containers: PodInitializing while
 * waiting in a pod with init containers, else ContainerCreating; the start failure's reason while it will be
 * tried again); never ready, no `started` (the prober never looks at them). Undefined when the pod has none.
 */
export function ephemeralContainerStatuses(o: GenerateOptions, previous: ContainerStatus[] | undefined): ContainerStatus[] | undefined {
  const specs = o.pod.spec.ephemeralContainers ?? [];
  if (specs.length === 0) return undefined;
  const containers: Container[] = specs.map(({ targetContainerName: _t, ...c }) => c);
  return convertContainerStatuses(o, containers, previous, false).map((st) => {
    const { started: _s, ...rest } = st;
    return { ...rest, ready: false };
  });
}

function hasAnyRegularContainerStarted(pod: Pod, statuses: ContainerStatus[]): boolean {
  const names = new Set(pod.spec.containers.map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (!!s.state?.running || !!s.state?.terminated));
}

/** kubelet getPhase. */
export function getPhase(pod: Pod, all: ContainerStatus[], podIsTerminal: boolean): PodPhase {
  const byName = new Map(all.map((s) => [s.name, s]));
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of pod.spec.initContainers ?? []) {
    if (isRestartableInitContainer(c)) continue;
    const s = byName.get(c.name);
    if (!s) {
      pendingInitialization++;
      continue;
    }
    if (s.state?.running) pendingInitialization++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) {
        if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of pod.spec.initContainers ?? []) {
    if (!isRestartableInitContainer(c)) continue;
    const s = byName.get(c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) {
      if (!s.started) pendingInitialization++;
      running++;
    } else if (s.state?.terminated) {
      // terminated sidecars do not count
    } else if (s.state?.waiting) {
      if (!s.lastState?.terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const c of pod.spec.containers) {
    const s = byName.get(c.name);
    if (!s) {
      unknown++;
      continue;
    }
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (failedInitialization > 0 && policy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !hasAnyRegularContainerStarted(pod, all)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function cond(type: string, status: 'True' | 'False', reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** GenerateContainersReadyCondition (app containers and sidecars). */
export function containersReadyCondition(pod: Pod, all: ContainerStatus[], phase: PodPhase): PodCondition {
  const byName = new Map(all.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (c: Container) => {
    const s = byName.get(c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  };
  for (const c of pod.spec.initContainers ?? []) if (isRestartableInitContainer(c)) check(c);
  for (const c of pod.spec.containers) check(c);
  if (phase === 'Succeeded' && unknown.length === 0) return cond('ContainersReady', 'False', 'PodCompleted');
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: [${unknown.join(' ')}]`);
  if (unready.length) msgs.push(`containers with unready status: [${unready.join(' ')}]`);
  if (msgs.length) return cond('ContainersReady', 'False', 'ContainersNotReady', msgs.join(', '));
  return cond('ContainersReady', 'True');
}

/** GeneratePodReadyCondition: ContainersReady plus readiness gates. */
export function podReadyCondition(pod: Pod, conditions: PodCondition[], all: ContainerStatus[], phase: PodPhase): PodCondition {
  const cr = containersReadyCondition(pod, all, phase);
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const msgs: string[] = [];
  for (const gate of pod.spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === gate.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (msgs.length) return cond('Ready', 'False', 'ReadinessGatesNotReady', msgs.join(', '));
  return cond('Ready', 'True');
}

/** GeneratePodInitializedCondition. */
export function initializedCondition(pod: Pod, all: ContainerStatus[], phase: PodPhase): PodCondition {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return cond('Initialized', 'True');
  const byName = new Map(all.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = byName.get(c.name);
    if (!s) {
      unknown.push(c.name);
      continue;
    }
    if (isRestartableInitContainer(c)) {
      if (!s.started) incomplete.push(c.name);
    } else if (!s.ready) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return cond('Initialized', 'True', 'PodCompleted');
  if (hasAnyRegularContainerStarted(pod, all)) return cond('Initialized', 'True');
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: [${unknown.join(' ')}]`);
  if (incomplete.length) msgs.push(`containers with incomplete status: [${incomplete.join(' ')}]`);
  if (msgs.length) return cond('Initialized', 'False', 'ContainersNotInitialized', msgs.join(', '));
  return cond('Initialized', 'True');
}

/**
 * Sets lastTransitionTime: kept from the old condition of the same type when its status did not change,
 * else now (status manager updateLastTransitionTime).
 */
export function withTransitionTimes(conditions: PodCondition[], old: PodCondition[] | undefined, now: number): PodCondition[] {
  const prev = new Map((old ?? []).map((c) => [c.type, c]));
  return conditions.map((c) => {
    const p = prev.get(c.type);
    if (c.lastTransitionTime && !KUBELET_CONDITIONS.has(c.type)) return c;
    const t = p && p.status === c.status && p.lastTransitionTime ? p.lastTransitionTime : formatTime(now);
    return { ...c, lastTransitionTime: t };
  });
}

/** generateAPIPodStatus. */
export function generatePodStatus(o: GenerateOptions): PodStatus {
  const { pod, runtime } = o;
  const old = o.oldStatus ?? pod.status ?? {};
  const s: PodStatus = {};
  const ips = pod.spec.hostNetwork ? (o.hostIP ? [o.hostIP] : []) : runtime.ips;
  const oldIPs = (old.podIPs ?? []).map((p) => p.ip);
  const podIPs = ips.length ? ips : oldIPs;
  s.containerStatuses = convertContainerStatuses(o, pod.spec.containers, old.containerStatuses, false);
  if ((pod.spec.initContainers ?? []).length) s.initContainerStatuses = convertContainerStatuses(o, pod.spec.initContainers ?? [], old.initContainerStatuses, true);
  const ephemeral = ephemeralContainerStatuses(o, old.ephemeralContainerStatuses);
  if (ephemeral) s.ephemeralContainerStatuses = ephemeral;
  // Ephemeral containers play no part in the phase, readiness or initialization.
  const all = [...(s.initContainerStatuses ?? []), ...s.containerStatuses];
  let phase = getPhase(pod, all, o.podIsTerminal);
  if (phase !== 'Failed' && phase !== 'Succeeded') {
    if (old.phase === 'Failed' || old.phase === 'Succeeded') phase = old.phase;
    else if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') phase = pod.status.phase;
  }
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') phase = pod.status.phase; // never leave a terminal phase
  s.phase = phase;
  if (phase === old.phase) {
    if (old.reason ?? pod.status?.reason) s.reason = old.reason ?? pod.status?.reason;
    if (old.message ?? pod.status?.message) s.message = old.message ?? pod.status?.message;
  }
  // Conditions: foreign ones kept, then ours.
  const conditions: PodCondition[] = (pod.status?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)).map((c) => ({ ...c }));
  const sandboxChange = podSandboxChanged(pod, runtime);
  conditions.push(cond('PodReadyToStartContainers', sandboxChange.changed ? 'False' : 'True'));
  conditions.push(initializedCondition(pod, all, phase));
  conditions.push(podReadyCondition(pod, conditions, all, phase));
  conditions.push(containersReadyCondition(pod, all, phase));
  conditions.push(cond('PodScheduled', 'True'));
  const oldConds = [...(old.conditions ?? [])];
  for (const c of pod.status?.conditions ?? []) if (!oldConds.some((x) => x.type === c.type)) oldConds.push(c);
  s.conditions = withTransitionTimes(conditions, oldConds, o.now);
  if (o.hostIP) {
    s.hostIP = o.hostIP;
    s.hostIPs = [{ ip: o.hostIP }];
  }
  if (podIPs.length) {
    s.podIP = podIPs[0];
    s.podIPs = podIPs.map((ip) => ({ ip }));
  }
  s.startTime = old.startTime ?? pod.status?.startTime ?? formatTime(o.now);
  s.qosClass = pod.status?.qosClass ?? old.qosClass ?? podQOSClass(pod);
  if (pod.status?.nominatedNodeName) s.nominatedNodeName = pod.status.nominatedNodeName;
  return s;
}

/**
 * A number identifying a status for "did it change" (kubelet isPodStatusByKubeletEqual, roughly): equal for
 * statuses that differ only in field order, null vs absent fields, condition order or lastProbeTime.
 */
export function statusFingerprint(s: PodStatus | undefined): number {
  if (!s) return 0;
  const norm = {
    ...s,
    conditions: [...(s.conditions ?? [])]
      .map((c) => ({ type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? '', lastTransitionTime: c.lastTransitionTime ?? '' }))
      .sort((a, b) => a.type.localeCompare(b.type)),
  };
  return hash53(canonicalJson(norm));
}
