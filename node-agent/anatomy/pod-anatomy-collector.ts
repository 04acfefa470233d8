/**
 * PodAnatomyCollector: answers the agent route GET /anatomy/{namespace}/{name} for a pod this node runs:
 * CRI facts (runtime-facts.ts) + /proc and cgroupfs (proc-fs.ts, cgroup-reader.ts) + the timeline recorder,
 * put together by buildPodAnatomy.
 *
 *   const anatomy = new PodAnatomyCollector({ nodeName, runtime, timeline, podCgroupPath: (uid) => cgroups.parentFor(uid),
 *                                             volumeHostPath: (pod, v) => ... });
 *   const doc = await anatomy.collect(pod);   // PodAnatomy
 *
 * `mode: 'simulated'` (the simulated nodes) reads nothing from the host: what CRI knows, no pids, namespaces,
 * cgroups or interfaces (a warning says so).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { Pod, Volume } from '../../shared/api/core-v1.ts';
import type { NamespaceKind, NetworkInterfaceAnatomy, PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import type { RuntimeService } from '../cri/services.ts';
import { CgroupReader } from './cgroup-reader.ts';
import { buildPodAnatomy, type InterfaceReader } from './pod-anatomy-builder.ts';
import type { PodTimelineRecorder } from './pod-timeline-recorder.ts';
import { ProcFs } from './proc-fs.ts';
import { parseIpAddrJson } from './proc-net.ts';
import { RuntimeFactsCache, gatherRuntimeFacts, listedFromRuntimeStatus } from './runtime-facts.ts';
import type { RuntimePodStatus } from '../container/runtime-pod.ts';
import { HostVolumeManager, type VolumeManager } from '../volume/volume-manager.ts';

export interface PodAnatomyCollectorOptions {
  nodeName: string;
  runtime: RuntimeService;
  timeline?: PodTimelineRecorder;
  /** @default 'host' */
  mode?: 'host' | 'simulated';
  /** @default '/proc' */
  procRoot?: string;
  /** @default '/sys/fs/cgroup' */
  cgroupRoot?: string;
  /** How long the first look at a container's cgroup waits to measure its CPU rate (CgroupReader firstSampleMs). @default 100 */
  firstCpuSampleMs?: number;
  /**
   * Interfaces of a process's network namespace. @default /proc/PID/net + its sysfs view, no process spawned
   * (`nsenterIpAddr()` asks iproute2 instead: the same facts, ~10 ms more per anatomy)
   */
  interfaces?: InterfaceReader;
  /** The pod-level cgroup path (`<prefix>/pod<uid>`). */
  podCgroupPath?: (uid: string) => string;
  /** Where a pod volume lives on the node (used when no container mount of it says). */
  volumeHostPath?: (pod: Pod, volume: Volume) => string | undefined;
  /**
   * The agent's last runtime read of the pod (its pod cache, refreshed by every PLEG relist and pod sync): used
   * instead of CRI's list calls, so a steady pod's anatomy makes no CRI call at all. Absent: list through CRI.
   */
  runtimeStatus?: (uid: string) => RuntimePodStatus | undefined;
  /** The containerID prefix. @default () => 'containerd' */
  runtimeName?: () => string;
  clock?: Clock;
}

/** `nsenter --net=/proc/PID/ns/net ip -j addr`: interfaces with addresses, MAC, MTU and flags (iproute2). */
export function nsenterIpAddr(procRoot = '/proc'): InterfaceReader {
  return (pid) =>
    new Promise<NetworkInterfaceAnatomy[] | undefined>((resolve) => {
      execFile('nsenter', [`--net=${path.join(procRoot, String(pid), 'ns', 'net')}`, 'ip', '-j', 'addr'], { timeout: 5000 }, (err, stdout) => {
        if (err) return resolve(undefined);
        try {
          resolve(parseIpAddrJson(String(stdout)));
        } catch {
          resolve(undefined);
        }
      });
    });
}

/** Where the agent's volume manager keeps a pod volume (HostVolumeManager's layout); undefined for others. */
export function volumeHostPathFor(volumes: VolumeManager): (pod: Pod, volume: Volume) => string | undefined {
  return (pod, v) => {
    if (!(volumes instanceof HostVolumeManager)) return undefined;
    const uid = pod.metadata.uid ?? '';
    if (v.emptyDir) return volumes.emptyDirPath(uid, v.name);
    if (v.hostPath) return v.hostPath.path;
    if (v.secret) return volumes.apiDataVolumePath(uid, 'secret', v.name);
    if (v.configMap) return volumes.apiDataVolumePath(uid, 'configMap', v.name);
    if (v.downwardAPI) return volumes.apiDataVolumePath(uid, 'downwardAPI', v.name);
    if (v.projected) return volumes.apiDataVolumePath(uid, 'projected', v.name);
    return undefined;
  };
}

export class PodAnatomyCollector {
  #o: PodAnatomyCollectorOptions;
  #proc: ProcFs | undefined;
  #cgroups: CgroupReader | undefined;
  #clock: Clock;
  #hostNs: Partial<Record<NamespaceKind, number>> | undefined;
  #facts = new RuntimeFactsCache();

  constructor(options: PodAnatomyCollectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    if ((options.mode ?? 'host') === 'host') {
      this.#proc = new ProcFs(options.procRoot ?? '/proc');
      this.#cgroups = new CgroupReader({ root: options.cgroupRoot ?? '/sys/fs/cgroup', clock: this.#clock, firstSampleMs: options.firstCpuSampleMs ?? 100 });
    }
  }

  /** Drops what is cached about pod `uid` (the pod is gone from the node). */
  forget(uid: string): void {
    this.#facts.forget(uid);
  }

  /** Pods with cached runtime facts. */
  uids(): string[] {
    return this.#facts.uids();
  }

  async collect(pod: Pod): Promise<PodAnatomy> {
    const uid = pod.metadata.uid ?? '';
    const status = this.#o.runtimeStatus?.(uid);
    const facts = await gatherRuntimeFacts(this.#o.runtime, uid, { cache: this.#facts, ...(status ? { listed: listedFromRuntimeStatus(status) } : {}) });
    const o = this.#o;
    const timeline = o.timeline;
    return buildPodAnatomy(pod, facts, {
      nodeName: o.nodeName,
      runtimeName: o.runtimeName?.() || 'containerd',
      now: this.#clock.now(),
      ...(this.#proc ? { proc: this.#proc, hostNamespaces: (this.#hostNs ??= await this.#proc.namespaces('self')) ?? {} } : {}),
      ...(o.interfaces ? { interfaces: o.interfaces } : {}),
      ...(this.#cgroups ? { cgroups: this.#cgroups } : {}),
      ...(o.podCgroupPath ? { podCgroupPath: o.podCgroupPath(uid) } : {}),
      ...(o.volumeHostPath ? { volumeHostPath: (v: Volume) => o.volumeHostPath?.(pod, v) } : {}),
      ...(timeline ? { timeline: (extra) => timeline.entries(uid, extra) } : {}),
    });
  }
}
