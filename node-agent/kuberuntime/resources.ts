/**
 * Container resources as kubelet hands them to the runtime (kuberuntime_container_linux.go
 * calculateLinuxResources, cm/helpers_linux.go MilliCPUToShares/MilliCPUToQuota, qos/policy.go
 * GetContainerOOMScoreAdjust).
 */
import type { Container, Pod, PodQOSClass } from '../../shared/api/core-v1.ts';
import { parseQuantityExact, quantityMilliValue, quantityValue } from '../../shared/api/quantity.ts';
import { podQOSClass } from '../../shared/api/defaults/pod.ts';
import type { LinuxContainerResources } from '../cri/services.ts';

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const SHARES_PER_CPU = 1024;
export const MILLI_CPU_TO_CPU = 1000;
/** CFS period kubelet uses (100 ms, in µs). */
export const QUOTA_PERIOD = 100000;
/** Smallest CFS quota the kernel accepts (1 ms, in µs). */
export const MIN_QUOTA_PERIOD = 1000;

export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BEST_EFFORT_OOM_SCORE_ADJ = 1000;
export const KUBELET_OOM_SCORE_ADJ = -999;

/** MilliCPUToShares: a request of 0 gets the minimum (2). */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu === 0) return MIN_SHARES;
  const shares = Math.floor((milliCpu * SHARES_PER_CPU) / MILLI_CPU_TO_CPU);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** MilliCPUToQuota: 0 means "no limit" (no quota). */
export function milliCpuToQuota(milliCpu: number, period = QUOTA_PERIOD): number {
  if (milliCpu === 0) return 0;
  const quota = Math.floor((milliCpu * period) / MILLI_CPU_TO_CPU);
  return Math.max(MIN_QUOTA_PERIOD, quota);
}

function milli(list: Record<string, string | number> | undefined, name: string): number {
  const v = list?.[name];
  if (v === undefined) return 0;
  return quantityMilliValue(parseQuantityExact(v));
}

function value(list: Record<string, string | number> | undefined, name: string): number {
  const v = list?.[name];
  if (v === undefined) return 0;
  return quantityValue(parseQuantityExact(v));
}

/**
 * GetContainerOOMScoreAdjust: Guaranteed -997, BestEffort 1000, Burstable
 * 1000 - 1000*memoryRequest/memoryCapacity clamped to [2, 999] (3 for the 'just below Guaranteed' edge).
 */
export function containerOomScoreAdj(pod: Pod, container: Container, memoryCapacity: number, qos: PodQOSClass = podQOSClass(pod)): number {
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;
  const request = value(container.resources?.requests, 'memory');
  let adj = memoryCapacity > 0 ? 1000 - Math.floor((1000 * request) / memoryCapacity) : 1000;
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) adj = 1000 + GUARANTEED_OOM_SCORE_ADJ; // 3
  if (adj === BEST_EFFORT_OOM_SCORE_ADJ) adj = adj - 1;
  return adj;
}

/** calculateLinuxResources + the OOM score: what CreateContainer gets in `linux.resources`. */
export function containerResources(pod: Pod, container: Container, memoryCapacity: number): LinuxContainerResources {
  const req = container.resources?.requests;
  const lim = container.resources?.limits;
  // When only a limit is set, the request defaults to it (API defaulting did so already; repeat for safety).
  const cpuRequest = req?.['cpu'] !== undefined ? milli(req, 'cpu') : milli(lim, 'cpu');
  const cpuLimit = milli(lim, 'cpu');
  const memLimit = value(lim, 'memory');
  const out: LinuxContainerResources = { cpuShares: milliCpuToShares(cpuRequest) };
  if (cpuLimit > 0) {
    out.cpuPeriod = QUOTA_PERIOD;
    out.cpuQuota = milliCpuToQuota(cpuLimit);
  }
  if (memLimit > 0) out.memoryLimitInBytes = memLimit;
  out.oomScoreAdj = containerOomScoreAdj(pod, container, memoryCapacity);
  return out;
}
