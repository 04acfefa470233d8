/**
 * KubeRuntimeManager (kubelet pkg/kubelet/kuberuntime/kuberuntime_manager.go and friends): reads a pod's
 * runtime status through CRI, executes the plan of `computePodActions` in kubelet's numbered SyncPod steps,
 * kills pods in the right order, and removes what is left.
 *
 * SyncPod steps:
 *   1. compute sandbox and container changes (computePodActions);
 *   2. kill the pod (all containers, then the sandboxes) if the sandbox changed or nothing is left to run;
 *   3. kill containers that should not run (probe failures, definition changes, unknown state);
 *   4. create the sandbox if needed (RunPodSandbox; the log dir exists already);
 *   5. start ephemeral containers (once each, never restarted; one with targetContainerName is created in
 *      its target's pid namespace: CRI pid mode TARGET with the target's runtime id);
 *   6. start init containers: the next regular one, and sidecars to (re)start, in spec order;
 *   7. (in-place resize: not supported);
 *   8. start app containers.
 * Starting a container: CrashLoopBackOff check (from the previous instance's finishedAt), EnsureImageExists,
 * CreateContainer with attempt = restart count, StartContainer, postStart hook. Every failure is remembered
 * per container (the "reason cache") and shown as the container's waiting reason.
 *
 * Killing: preStop hook, then StopContainer with what is left of the grace period (at least 2 s, kubelet's
 * minimumGracePeriodInSeconds; containerd sends SIGTERM and SIGKILLs at the deadline). App containers (and
 * regular init containers) are stopped together; sidecars wait for them and stop afterwards in reverse spec
 * order (kuberuntime_termination_order.go). Then every sandbox is stopped.
 */
import { readFile } from 'node:fs/promises';
import { ETC_HOSTS_PATH, managedHostsFileContent, mountsEtcHosts, nodeHostsFileContent } from './etc-hosts.ts';
import type { Container, Pod } from '../../shared/api/core-v1.ts';
import type { DnsConfig, PodSandboxConfig, RuntimeService } from '../cri/services.ts';
import { isNotFound, nanosToMillis } from '../cri/services.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import {
  containerSpec,
  findContainerStatus,
  isRestartableInitContainer,
  podKey,
  type RuntimeContainerState,
  type RuntimeContainerStatus,
  type RuntimePodStatus,
  type RuntimeSandboxStatus,
} from '../container/runtime-pod.ts';
import type { EventRecorder } from '../events/event-recorder.ts';
import type { PodTimelineRecorder } from '../anatomy/pod-timeline-recorder.ts';
import { podRef } from '../events/event-recorder.ts';
import { ImageError, type ImageManager } from '../images/image-manager.ts';
import type { HandlerRunner } from '../lifecycle/handler-runner.ts';
import type { MountedVolume, VolumeManager } from '../volume/volume-manager.ts';
import type { PodObjectGetter } from '../configmap-secret/object-manager.ts';
import { formatDuration } from '../util/time.ts';
import { computePodActions, type KillReason, type PodActions, type ProbeResult } from './compute-pod-actions.ts';
import {
  ContainerConfigError,
  generateContainerConfig,
  generatePodSandboxConfig,
  makeEnvironment,
  podDomain,
  podHostname,
  makeMounts,
  type EnvContext,
} from './container-config.ts';
import { KeyedBackoff } from '../../shared/util/keyed-backoff.ts';
import {
  ANNOTATION_CONTAINER_HASH,
  ANNOTATION_POD_GRACE_PERIOD,
  ANNOTATION_RESTART_COUNT,
  ANNOTATION_TERMINATION_MESSAGE_PATH,
  ANNOTATION_TERMINATION_MESSAGE_POLICY,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  hashContainer,
} from './labels.ts';

export const MINIMUM_GRACE_PERIOD_SECONDS = 2;

export interface WaitingReason {
  reason: string;
  message: string;
}

/** Why each container of each pod last failed to start (kubelet ReasonCache). */
export class ReasonCache {
  #m = new Map<string, Map<string, WaitingReason>>();
  get(uid: string, name: string): WaitingReason | undefined {
    return this.#m.get(uid)?.get(name);
  }
  set(uid: string, name: string, reason: string, message: string): void {
    let p = this.#m.get(uid);
    if (!p) {
      p = new Map();
      this.#m.set(uid, p);
    }
    p.set(name, { reason, message });
  }
  delete(uid: string, name: string): void {
    const p = this.#m.get(uid);
    p?.delete(name);
    if (p && p.size === 0) this.#m.delete(uid);
  }
  forgetPod(uid: string): void {
    this.#m.delete(uid);
  }
}

export interface ProbeResults {
  liveness(containerId: string): ProbeResult | undefined;
  startup(containerId: string): ProbeResult | undefined;
}

export interface RuntimeManagerOptions {
  runtime: RuntimeService;
  images: ImageManager;
  volumes: VolumeManager;
  handlers: HandlerRunner;
  recorder?: EventRecorder;
  /** The pod timeline of the anatomy (node-agent/anatomy/pod-timeline-recorder.ts). */
  timeline?: PodTimelineRecorder;
  probes?: ProbeResults;
  clock?: Clock;
  log?: Logger;
  nodeName: string;
  nodeHostname: string;
  /** Node IP (for env and host-network pods). */
  nodeIP: () => string;
  memoryCapacity: number;
  allocatable: { cpu: number; memory: number };
  /** `<prefix>/pod<uid>` for a pod. */
  cgroupParent: (uid: string) => string;
  /** Secrets and ConfigMaps for env valueFrom / envFrom. */
  objects?: PodObjectGetter;
  /**
   * Asked before a pod-network sandbox is created: undefined when the pod network is ready, else the runtime
   * network error (kubelet refuses to create sandboxes while the network is not ready).
   */
  podNetworkReady?: (signal: AbortSignal) => Promise<string | undefined>;
  /**
   * Whether a new sandbox's IP belongs to the node's current pod CIDR; a sandbox that raced a CIDR change and
   * got an address of the old block is stopped at once (the next sync creates another).
   */
  podIPAllowed?: (ip: string) => boolean;
  /** The sandbox's resolver settings (DnsConfigurer.getPodDNS; may throw: the sandbox is not created). */
  podDNS?: (pod: Pod) => DnsConfig;
  /** --cluster-domain: pod domains (spec.subdomain) and setHostnameAsFQDN. */
  clusterDomain?: string;
  /**
   * The Service environment variables of a pod (service-env.ts serviceEnvVarMap); throws while the agent has
   * not read the Services yet (the container is not created: CreateContainerConfigError).
   */
  serviceEnv?: (pod: Pod) => Map<string, string>;
  /** CrashLoopBackOff start. @default 10000 */
  crashLoopBaseDelayMs?: number;
  /** @default 300000 */
  crashLoopMaxDelayMs?: number;
}

/** What one syncPod did. */
export interface SyncPodOutcome {
  actions: PodActions;
  /** Whether any runtime state was changed (the status should be re-read). */
  changed: boolean;
  /** Earliest time to try again (a back-off expiring), in ms from now. */
  requeueAfterMs?: number;
  errors: { container?: string; reason: string; message: string }[];
}

function criState(s: string): RuntimeContainerState {
  switch (s) {
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    case 'CONTAINER_CREATED':
      return 'created';
    default:
      return 'unknown';
  }
}

/** The text part of the last lines of a CRI log file (`<ts> <stream> <F|P> <text>`). */
function tailCriLog(text: string, maxLines: number, maxBytes: number): string {
  const lines = text.split('\n').filter((l) => l !== '');
  const out = lines.slice(-maxLines).map((l) => {
    const m = /^\S+ (?:stdout|stderr) [FP] (.*)$/.exec(l);
    return m ? m[1] : l;
  });
  const joined = out.join('\n');
  return joined.length > maxBytes ? joined.slice(joined.length - maxBytes) : joined;
}

export class KubeRuntimeManager {
  readonly crashBackoff: KeyedBackoff;
  readonly reasons = new ReasonCache();
  #runtime: RuntimeService;
  #images: ImageManager;
  #volumes: VolumeManager;
  #handlers: HandlerRunner;
  #recorder: EventRecorder | undefined;
  #probes: ProbeResults | undefined;
  #clock: Clock;
  #log: Logger;
  #o: RuntimeManagerOptions;
  /** Termination messages of exited containers: pod uid -> container id -> message. */
  #termMessages = new Map<string, Map<string, string>>();

  constructor(options: RuntimeManagerOptions) {
    this.#o = options;
    this.#runtime = options.runtime;
    this.#images = options.images;
    this.#volumes = options.volumes;
    this.#handlers = options.handlers;
    this.#recorder = options.recorder;
    this.#probes = options.probes;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? rootLog;
    this.crashBackoff = new KeyedBackoff({ initialMs: options.crashLoopBaseDelayMs ?? 10_000, maxMs: options.crashLoopMaxDelayMs ?? 300_000, clock: this.#clock });
  }

  setProbeResults(p: ProbeResults): void {
    this.#probes = p;
  }

  // -------------------------------------------------------------------------------------- reading

  /** The runtime's view of one pod (kubeGenericRuntimeManager.GetPodStatus). */
  async getPodStatus(uid: string, name: string, namespace: string, signal?: AbortSignal): Promise<RuntimePodStatus> {
    const timestamp = this.#clock.now();
    const opts = signal ? { signal } : {};
    const [sandboxes, containers] = await Promise.all([
      this.#runtime.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } }, opts),
      this.#runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } }, opts),
    ]);
    sandboxes.sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
    const sbStatuses: RuntimeSandboxStatus[] = [];
    let ips: string[] = [];
    for (const [i, sb] of sandboxes.entries()) {
      try {
        const r = await this.#runtime.podSandboxStatus(sb.id, opts);
        const ready = r.status.state === 'SANDBOX_READY';
        const ip = r.status.network.ip;
        sbStatuses.push({ id: sb.id, ready, attempt: r.status.metadata.attempt, createdAt: nanosToMillis(r.status.createdAt), ip, networkMode: r.status.namespaceOptions.network ?? 'POD' });
        if (i === 0 && ready && ip) ips = [ip, ...r.status.network.additionalIps.filter((x) => x && x !== ip)];
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const cStatuses: RuntimeContainerStatus[] = [];
    await Promise.all(
      containers.map(async (c) => {
        try {
          const r = await this.#runtime.containerStatus(c.id, opts);
          const s = r.status;
          const ann = s.annotations;
          const st: RuntimeContainerStatus = {
            id: s.id,
            name: s.labels[LABEL_CONTAINER_NAME] ?? s.metadata.name,
            podSandboxId: c.podSandboxId,
            state: criState(s.state),
            createdAt: nanosToMillis(s.createdAt),
            startedAt: nanosToMillis(s.startedAt),
            finishedAt: nanosToMillis(s.finishedAt),
            exitCode: s.exitCode,
            reason: s.reason,
            message: s.message,
            image: s.image.image,
            imageRef: s.imageRef,
            hash: ann[ANNOTATION_CONTAINER_HASH] ?? '',
            restartCount: Number(ann[ANNOTATION_RESTART_COUNT] ?? s.metadata.attempt) || 0,
            attempt: s.metadata.attempt,
          };
          if (st.state === 'exited' && !st.message) st.message = await this.#terminationMessage(uid, s.id, s.mounts, s.logPath, ann, st.exitCode);
          cStatuses.push(st);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }),
    );
    cStatuses.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    const cached = this.#termMessages.get(uid);
    if (cached) for (const id of cached.keys()) if (!containers.some((c) => c.id === id)) cached.delete(id);
    const status: RuntimePodStatus = { uid, name, namespace, ips, sandboxes: sbStatuses, containers: cStatuses, timestamp };
    this.#o.timeline?.observe(status);
    return status;
  }

  /**
   * An exited container's termination message (file, else log tail). It never changes once the container
   * exited, so it is read once per container, not on every status read (each sync of a pod whose init
   * containers completed read their files again).
   */
  async #terminationMessage(uid: string, id: string, mounts: { containerPath: string; hostPath: string }[], logPath: string, ann: Record<string, string>, exitCode: number): Promise<string> {
    const known = this.#termMessages.get(uid)?.get(id);
    if (known !== undefined) return known;
    const msg = await this.#readTerminationMessage(mounts, logPath, ann, exitCode);
    let byId = this.#termMessages.get(uid);
    if (!byId) this.#termMessages.set(uid, (byId = new Map()));
    byId.set(id, msg);
    return msg;
  }

  async #readTerminationMessage(mounts: { containerPath: string; hostPath: string }[], logPath: string, ann: Record<string, string>, exitCode: number): Promise<string> {
    const path = ann[ANNOTATION_TERMINATION_MESSAGE_PATH];
    let msg = '';
    if (path) {
      const m = mounts.find((x) => x.containerPath === path);
      if (m) msg = await this.#volumes.readTerminationMessage(m.hostPath);
    }
    if (!msg && exitCode !== 0 && ann[ANNOTATION_TERMINATION_MESSAGE_POLICY] === 'FallbackToLogsOnError' && logPath) {
      try {
        const { readFile } = await import('node:fs/promises');
        msg = tailCriLog(await readFile(logPath, 'utf8'), 80, 2048);
      } catch {
        // no log
      }
    }
    return msg;
  }

  // -------------------------------------------------------------------------------------- syncing

  /** SyncPod (see the module comment). Never throws for container-level failures; they are in `errors`. */
  async syncPod(pod: Pod, status: RuntimePodStatus, ctx: { signal: AbortSignal; logDir: string; volumes: Map<string, MountedVolume> }): Promise<SyncPodOutcome> {
    const { signal } = ctx;
    const uid = pod.metadata.uid ?? '';
    // Step 1
    const actions = computePodActions(pod, status, {
      liveness: (id) => this.#probes?.liveness(id),
      startup: (id) => this.#probes?.startup(id),
    });
    const out: SyncPodOutcome = { actions, changed: false, errors: [] };
    const requeue = (ms: number) => {
      out.requeueAfterMs = out.requeueAfterMs === undefined ? ms : Math.min(out.requeueAfterMs, ms);
    };
    if (actions.createSandbox && actions.sandboxId) {
      this.#recorder?.event(podRef(pod), 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    }
    // Step 2
    if (actions.killPod) {
      if (status.containers.some((c) => c.state === 'running' || c.state === 'unknown') || status.sandboxes.some((s) => s.ready)) {
        await this.killPod(pod, status, undefined, signal);
        out.changed = true;
      }
      if (!actions.createSandbox) return out;
    } else {
      // Step 3
      for (const [id, k] of actions.containersToKill) {
        signal.throwIfAborted();
        await this.killContainer(pod, id, k.container, k.reason, k.message, undefined, status.ips[0] ?? '', signal);
        out.changed = true;
      }
    }
    // Step 4
    let sandboxId = actions.sandboxId;
    let podIPs = pod.spec.hostNetwork ? [this.#o.nodeIP()] : status.ips;
    let sandboxConfig: PodSandboxConfig;
    try {
      sandboxConfig = generatePodSandboxConfig(pod, {
        attempt: actions.attempt,
        logDirectory: ctx.logDir,
        cgroupParent: this.#o.cgroupParent(uid),
        nodeHostname: this.#o.nodeHostname,
        ...(this.#o.podDNS ? { dnsConfig: this.#o.podDNS(pod) } : {}),
        ...(this.#o.clusterDomain ? { clusterDomain: this.#o.clusterDomain } : {}),
      });
    } catch (err) {
      // kubelet createPodSandbox: "Failed to generate sandbox config for pod ...", reported as FailedCreatePodSandBox.
      const msg = `Failed to create pod sandbox: ${(err as Error).message}`;
      this.#recorder?.event(podRef(pod), 'Warning', 'FailedCreatePodSandBox', msg);
      out.errors.push({ reason: 'CreatePodSandboxError', message: msg });
      requeue(1000);
      return out;
    }
    if (actions.createSandbox && !pod.spec.hostNetwork && this.#o.podNetworkReady) {
      const err = await this.#o.podNetworkReady(signal);
      signal.throwIfAborted();
      if (err) {
        // kubelet's SyncPod: NetworkNotReadyErrorMsg, and the pod is retried.
        const msg = `network is not ready: container runtime network not ready: ${err}`;
        this.#recorder?.event(podRef(pod), 'Warning', 'NetworkNotReady', msg);
        out.errors.push({ reason: 'NetworkNotReady', message: msg });
        requeue(1000);
        return out;
      }
    }
    if (actions.createSandbox) {
      signal.throwIfAborted();
      try {
        sandboxId = await this.#runtime.runPodSandbox(sandboxConfig, { signal });
        this.#o.timeline?.record(uid, { type: 'SandboxReady' }, sandboxId);
        out.changed = true;
      } catch (err) {
        signal.throwIfAborted();
        const msg = `Failed to create pod sandbox: ${(err as Error).message}`;
        this.#recorder?.event(podRef(pod), 'Warning', 'FailedCreatePodSandBox', msg);
        out.errors.push({ reason: 'CreatePodSandboxError', message: msg });
        return out;
      }
      try {
        const st = await this.#runtime.podSandboxStatus(sandboxId, { signal });
        if (!pod.spec.hostNetwork) podIPs = st.status.network.ip ? [st.status.network.ip] : [];
      } catch (err) {
        signal.throwIfAborted();
        const msg = `Failed to get pod sandbox status: ${(err as Error).message}`;
        out.errors.push({ reason: 'CreatePodSandboxError', message: msg });
        return out;
      }
      const outside = !pod.spec.hostNetwork && this.#o.podIPAllowed ? podIPs.find((ip) => !this.#o.podIPAllowed?.(ip)) : undefined;
      if (outside) {
        const msg = `Failed to create pod sandbox: pod IP ${outside} is outside the node's pod CIDR (the CIDR changed); the sandbox is stopped and re-created`;
        this.#log.warn('Sandbox got an IP outside the pod CIDR, stopping it', { pod: podKey(pod), podIP: outside });
        await this.#runtime.stopPodSandbox(sandboxId, { signal }).catch(() => undefined);
        this.#recorder?.event(podRef(pod), 'Warning', 'FailedCreatePodSandBox', msg);
        out.errors.push({ reason: 'CreatePodSandboxError', message: msg });
        requeue(1000);
        return out;
      }
    }
    const startCtx: StartContext = { pod, status, sandboxId, sandboxConfig, podIPs, volumes: ctx.volumes, signal, out, requeue };
    // Step 5: before init containers, so a debugger can start while an init container fails.
    for (const idx of actions.ephemeralContainersToStart) {
      const c = (pod.spec.ephemeralContainers ?? [])[idx];
      if (!c) continue;
      await this.#startContainer(startCtx, c, false, c.targetContainerName ?? '');
    }
    // Step 6
    for (const idx of actions.initContainersToStart) {
      const c = (pod.spec.initContainers ?? [])[idx];
      if (!c) continue;
      const ok = await this.#startContainer(startCtx, c, true);
      if (!ok && !isRestartableInitContainer(c)) return out;
    }
    // Step 8
    for (const idx of actions.containersToStart) {
      const c = pod.spec.containers[idx];
      if (!c) continue;
      await this.#startContainer(startCtx, c, false);
    }
    if (out.changed) await this.#gcContainers(pod, status, signal);
    return out;
  }

  /**
   * kuberuntime startContainer + doBackOff. Returns true when the container was started. `target`: an
   * ephemeral container's targetContainerName (undefined for other containers).
   */
  async #startContainer(x: StartContext, c: Container, isInit: boolean, target?: string): Promise<boolean> {
    const { pod, status, signal } = x;
    const uid = pod.metadata.uid ?? '';
    const ref = podRef(pod, c.name, isInit);
    const prev = findContainerStatus(status, c.name);
    signal.throwIfAborted();
    if (prev && prev.state === 'exited') {
      const key = `${uid}/${c.name}/${hashContainer(c)}`;
      const left = this.crashBackoff.remaining(key, prev.finishedAt);
      if (left > 0) {
        const delay = this.crashBackoff.get(key);
        const msg = `back-off ${formatDuration(delay)} restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`;
        this.reasons.set(uid, c.name, 'CrashLoopBackOff', msg);
        this.#recorder?.event(ref, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`);
        x.out.errors.push({ container: c.name, reason: 'CrashLoopBackOff', message: msg });
        x.requeue(left);
        return false;
      }
      this.crashBackoff.next(key, prev.finishedAt);
    }
    if (prev) this.#o.timeline?.record(uid, { type: 'ContainerRestarted', container: c.name, message: `restart ${prev.restartCount + 1} (previous ${prev.state}${prev.state === 'exited' ? `, exit code ${prev.exitCode}` : ''})` });
    let image: string;
    try {
      image = await this.#images.ensureImageExists(pod, c, isInit, x.sandboxConfig, signal);
    } catch (err) {
      signal.throwIfAborted();
      const reason = err instanceof ImageError ? err.reason : 'ErrImagePull';
      this.reasons.set(uid, c.name, reason, (err as Error).message);
      x.out.errors.push({ container: c.name, reason, message: (err as Error).message });
      if (err instanceof ImageError && err.retryAfterMs !== undefined) {
        // Look again half-way through a fresh back-off (the pod then shows ImagePullBackOff, as kubelet's
        // slower worker retries make it show), and pull again once it expired.
        x.requeue(err.reason === 'ErrImagePull' ? Math.max(50, Math.floor(err.retryAfterMs / 2)) : err.retryAfterMs);
      }
      return false;
    }
    const restartCount = prev ? prev.restartCount + 1 : 0;
    let containerId: string;
    try {
      let pidTargetId: string | undefined;
      if (target) {
        // startSpec.getTargetID: the target's newest instance, whatever its state.
        const t = findContainerStatus(status, target);
        if (!t) throw new ContainerConfigError(`unable to find target container ${target}`);
        pidTargetId = t.id;
      }
      const env = await makeEnvironment(pod, c, this.#envContext(pod, x.podIPs), {
        ...(this.#o.objects ? { objects: this.#o.objects } : {}),
        onInvalidKeys: (message) => this.#recorder?.event(podRef(pod), 'Warning', 'InvalidEnvironmentVariableNames', message),
        ...(this.#o.serviceEnv ? { serviceEnv: this.#o.serviceEnv(pod) } : {}),
      });
      const mounts = await makeMounts(c, async (vm) => {
        const v = x.volumes.get(vm.name);
        if (!v) throw new ContainerConfigError(`cannot find volume "${vm.name}" to mount into container "${c.name}"`);
        const hostPath = vm.subPath ? await this.#volumes.subPath(v, vm.subPath) : v.hostPath;
        return { hostPath, readOnly: v.readOnly };
      });
      if (mountsEtcHosts(c, x.podIPs)) {
        // kubelet's makeHostsMount: the managed /etc/hosts (containerd's own is used only without it).
        const content = pod.spec.hostNetwork
          ? nodeHostsFileContent(await readFile(ETC_HOSTS_PATH, 'utf8').catch(() => ''), pod.spec.hostAliases)
          : managedHostsFileContent(x.podIPs, podHostname(pod, this.#o.nodeHostname), podDomain(pod, this.#o.clusterDomain ?? ''), pod.spec.hostAliases);
        const file = await this.#volumes.writeEtcHosts(pod, content);
        if (file) mounts.push({ containerPath: ETC_HOSTS_PATH, hostPath: file });
      }
      const termPath = c.terminationMessagePath ?? '/dev/termination-log';
      if (!mounts.some((m) => m.containerPath === termPath)) {
        const file = await this.#volumes.terminationMessageFile(pod, c.name, `${restartCount}-${Math.random().toString(16).slice(2, 10)}`);
        if (file) mounts.push({ containerPath: termPath, hostPath: file });
      }
      const config = generateContainerConfig(pod, c, { restartCount, image, env, mounts, memoryCapacity: this.#o.memoryCapacity, ...(pidTargetId ? { pidTargetId } : {}) });
      try {
        containerId = await this.#runtime.createContainer(x.sandboxId, config, x.sandboxConfig, { signal });
      } catch (err) {
        signal.throwIfAborted();
        const msg = (err as Error).message;
        this.reasons.set(uid, c.name, 'CreateContainerError', msg);
        this.#recorder?.event(ref, 'Warning', 'Failed', `Error: ${msg}`);
        x.out.errors.push({ container: c.name, reason: 'CreateContainerError', message: msg });
        return false;
      }
    } catch (err) {
      signal.throwIfAborted();
      const msg = (err as Error).message;
      this.reasons.set(uid, c.name, 'CreateContainerConfigError', msg);
      this.#recorder?.event(ref, 'Warning', 'Failed', `Error: ${msg}`);
      x.out.errors.push({ container: c.name, reason: 'CreateContainerConfigError', message: msg });
      return false;
    }
    x.out.changed = true;
    this.#o.timeline?.record(uid, { type: 'ContainerCreated', container: c.name }, containerId);
    this.#recorder?.event(ref, 'Normal', 'Created', `Created container: ${c.name}`);
    try {
      await this.#runtime.startContainer(containerId, { signal });
    } catch (err) {
      signal.throwIfAborted();
      const msg = (err as Error).message;
      this.reasons.set(uid, c.name, 'RunContainerError', msg);
      this.#recorder?.event(ref, 'Warning', 'Failed', `Error: ${msg}`);
      x.out.errors.push({ container: c.name, reason: 'RunContainerError', message: msg });
      return false;
    }
    this.#o.timeline?.record(uid, { type: 'ContainerStarted', container: c.name }, containerId);
    this.#recorder?.event(ref, 'Normal', 'Started', `Started container ${c.name}`);
    if (c.lifecycle?.postStart) {
      const msg = await this.#handlers.run(c.lifecycle.postStart, c, containerId, x.podIPs[0] ?? '', 0, signal);
      if (msg) {
        this.#recorder?.event(ref, 'Warning', 'FailedPostStartHook', msg);
        await this.killContainer(pod, containerId, c, '', `FailedPostStartHook`, undefined, x.podIPs[0] ?? '', signal);
        this.reasons.set(uid, c.name, 'PostStartHookError', msg);
        x.out.errors.push({ container: c.name, reason: 'PostStartHookError', message: msg });
        return false;
      }
    }
    this.reasons.delete(uid, c.name);
    return true;
  }

  #envContext(pod: Pod, podIPs: string[]): EnvContext {
    return { nodeName: this.#o.nodeName, hostIP: this.#o.nodeIP(), podIPs: pod.spec.hostNetwork ? [this.#o.nodeIP()] : podIPs, allocatable: this.#o.allocatable };
  }

  // -------------------------------------------------------------------------------------- killing

  /** The grace period a container gets (kuberuntime setTerminationGracePeriod). */
  gracePeriodFor(pod: Pod, c: Container | undefined, reason: KillReason | string): number {
    let g = MINIMUM_GRACE_PERIOD_SECONDS;
    if (pod.metadata.deletionGracePeriodSeconds !== undefined) g = pod.metadata.deletionGracePeriodSeconds;
    else if (pod.spec.terminationGracePeriodSeconds !== undefined) g = pod.spec.terminationGracePeriodSeconds;
    if (reason === 'LivenessProbe' && c?.livenessProbe?.terminationGracePeriodSeconds !== undefined) g = c.livenessProbe.terminationGracePeriodSeconds;
    if (reason === 'StartupProbe' && c?.startupProbe?.terminationGracePeriodSeconds !== undefined) g = c.startupProbe.terminationGracePeriodSeconds;
    return g;
  }

  /**
   * killContainer: Killing event, preStop hook (within the grace period), StopContainer with what is left
   * (>= 2 s). `gracePeriodOverride` replaces the computed period (pod termination passes its own).
   */
  async killContainer(
    pod: Pod,
    containerId: string,
    c: Container | undefined,
    reason: KillReason | string,
    message: string,
    gracePeriodOverride: number | undefined,
    podIP: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const name = c?.name ?? containerId;
    let grace = this.gracePeriodFor(pod, c, reason);
    this.#recorder?.event(podRef(pod, c?.name, c ? !pod.spec.containers.includes(c) : false), 'Normal', 'Killing', message || `Stopping container ${name}`);
    this.#o.timeline?.record(pod.metadata.uid ?? '', { type: 'ContainerKilled', container: name, ...(message || reason ? { message: message || reason } : {}) }, containerId);
    if (gracePeriodOverride !== undefined) grace = gracePeriodOverride;
    if (c?.lifecycle?.preStop && grace > 0) {
      const started = this.#clock.now();
      const msg = await this.#handlers.run(c.lifecycle.preStop, c, containerId, podIP, grace).catch((e: unknown) => (e as Error).message);
      if (msg) this.#recorder?.event(podRef(pod, c.name), 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${msg}`);
      grace -= Math.floor((this.#clock.now() - started) / 1000);
    }
    if (grace < MINIMUM_GRACE_PERIOD_SECONDS) grace = MINIMUM_GRACE_PERIOD_SECONDS;
    this.#log.debug('Killing container with a grace period', { pod: podKey(pod), container: name, gracePeriod: grace });
    try {
      await this.#runtime.stopContainer(containerId, grace, signal ? { signal } : {});
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Kills every running container of the pod, in order, then stops its sandboxes (killPodWithSyncResult).
   * `gracePeriodSeconds` undefined: each container's own period.
   */
  async killPod(pod: Pod, status: RuntimePodStatus, gracePeriodSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
    const running = status.containers.filter((c) => c.state === 'running' || c.state === 'unknown' || c.state === 'created');
    const podIP = status.ips[0] ?? '';
    const start = this.#clock.now();
    const graceOf = (c: Container | undefined) => gracePeriodSeconds ?? this.gracePeriodFor(pod, c, '');
    const sidecarOrder = (pod.spec.initContainers ?? []).filter(isRestartableInitContainer).map((c) => c.name);
    const first = running.filter((c) => !sidecarOrder.includes(c.name));
    const errors: unknown[] = [];
    await Promise.all(
      first.map((c) =>
        this.killContainer(pod, c.id, containerSpec(pod, c.name), '', '', c.state === 'created' ? 0 : gracePeriodSeconds, podIP, signal).catch((e: unknown) => {
          errors.push(e);
        }),
      ),
    );
    for (const name of [...sidecarOrder].reverse()) {
      for (const c of running.filter((x) => x.name === name)) {
        const spec = containerSpec(pod, name);
        const total = graceOf(spec);
        const left = Math.max(0, Math.ceil(total - (this.#clock.now() - start) / 1000));
        await this.killContainer(pod, c.id, spec, '', '', left, podIP, signal).catch((e: unknown) => {
          errors.push(e);
        });
      }
    }
    for (const sb of status.sandboxes) {
      try {
        await this.#runtime.stopPodSandbox(sb.id, signal ? { signal } : {});
        this.#o.timeline?.record(pod.metadata.uid ?? '', { type: 'SandboxStopped' }, sb.id);
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length) throw new Error(`Cannot kill pod ${podKey(pod)} as ${errors.length} step(s) failed: ${errors.map((e) => (e as Error).message).join('; ')}`);
  }

  /** Kills containers of a pod known only from the runtime (orphans after an agent restart). */
  async killOrphan(status: RuntimePodStatus, gracePeriodSeconds: number, signal?: AbortSignal): Promise<void> {
    const pod: Pod = { metadata: { uid: status.uid, name: status.name, namespace: status.namespace }, spec: { containers: [], terminationGracePeriodSeconds: gracePeriodSeconds } };
    await this.killPod(pod, status, gracePeriodSeconds, signal);
  }

  /** Removes every container and sandbox of the pod (container GC for a deleted pod). */
  async removePod(status: RuntimePodStatus, signal?: AbortSignal): Promise<void> {
    for (const c of status.containers) {
      try {
        await this.#runtime.removeContainer(c.id, signal ? { signal } : {});
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const sb of status.sandboxes) {
      try {
        await this.#runtime.removePodSandbox(sb.id, signal ? { signal } : {});
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /**
   * Container GC for a live pod: keeps the two newest instances of each container (state and lastState),
   * removes older exited ones, and removes stopped sandboxes other than the newest once they hold nothing.
   */
  async #gcContainers(pod: Pod, status: RuntimePodStatus, signal: AbortSignal): Promise<void> {
    const count = new Map<string, number>();
    const kept = new Set<string>();
    for (const c of status.containers) {
      const n = count.get(c.name) ?? 0;
      count.set(c.name, n + 1);
      if (n < 2 || c.state !== 'exited') {
        kept.add(c.podSandboxId);
        continue;
      }
      try {
        await this.#runtime.removeContainer(c.id, { signal });
      } catch (err) {
        if (!isNotFound(err)) this.#log.debug('Container GC failed', { pod: podKey(pod), container: c.id, err });
      }
    }
    for (const sb of status.sandboxes.slice(1)) {
      if (sb.ready || kept.has(sb.id)) continue;
      try {
        await this.#runtime.removePodSandbox(sb.id, { signal });
      } catch (err) {
        if (!isNotFound(err)) this.#log.debug('Sandbox GC failed', { pod: podKey(pod), sandbox: sb.id, err });
      }
    }
  }

  forgetPod(uid: string): void {
    this.reasons.forgetPod(uid);
    this.#termMessages.delete(uid);
    this.crashBackoff.resetPrefix(`${uid}/`);
    this.#images.forgetPod(uid);
  }

  /** The grace period annotation of a runtime container (for orphans). */
  static gracePeriodAnnotation(annotations: Record<string, string>): number | undefined {
    const v = annotations[ANNOTATION_POD_GRACE_PERIOD];
    return v === undefined ? undefined : Number(v);
  }
}

interface StartContext {
  pod: Pod;
  status: RuntimePodStatus;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  podIPs: string[];
  volumes: Map<string, MountedVolume>;
  signal: AbortSignal;
  out: SyncPodOutcome;
  requeue: (ms: number) => void;
}
