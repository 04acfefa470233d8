/**
 * Pod admission on the node (kubelet lifecycle/predicate.go GeneralPredicates, simplified): a pod bound to
 * this node is rejected when it does not fit next to the pods already admitted: pod count, cpu and memory
 * requests against allocatable, and host ports already taken (CRI does not refuse a duplicate hostPort, as
 * measured, so the agent must). A rejected pod is set Failed with the reason (OutOfpods, OutOfcpu,
 * OutOfmemory, NodePorts) and never started.
 */
import type { Container, Pod, ResourceList } from '../../shared/api/core-v1.ts';
import { parseQuantityExact, quantityMilliValue, quantityValue } from '../../shared/api/quantity.ts';
import { isRestartableInitContainer } from '../container/runtime-pod.ts';

export type AdmitResult = { admit: true } | { admit: false; reason: string; message: string };

interface Req {
  milliCpu: number;
  memory: number;
}

function req(c: Container): Req {
  const r = c.resources?.requests ?? {};
  return {
    milliCpu: r['cpu'] !== undefined ? quantityMilliValue(parseQuantityExact(r['cpu'])) : 0,
    memory: r['memory'] !== undefined ? quantityValue(parseQuantityExact(r['memory'])) : 0,
  };
}

/** The pod's effective request (resourcehelper.PodRequests): max(app + sidecars, each init + sidecars before it). */
export function podRequests(pod: Pod): Req {
  const total: Req = { milliCpu: 0, memory: 0 };
  for (const c of pod.spec.containers) {
    const r = req(c);
    total.milliCpu += r.milliCpu;
    total.memory += r.memory;
  }
  const sidecars: Req = { milliCpu: 0, memory: 0 };
  let initMax: Req = { milliCpu: 0, memory: 0 };
  for (const c of pod.spec.initContainers ?? []) {
    const r = req(c);
    if (isRestartableInitContainer(c)) {
      sidecars.milliCpu += r.milliCpu;
      sidecars.memory += r.memory;
    } else {
      initMax = { milliCpu: Math.max(initMax.milliCpu, r.milliCpu + sidecars.milliCpu), memory: Math.max(initMax.memory, r.memory + sidecars.memory) };
    }
  }
  total.milliCpu += sidecars.milliCpu;
  total.memory += sidecars.memory;
  return { milliCpu: Math.max(total.milliCpu, initMax.milliCpu), memory: Math.max(total.memory, initMax.memory) };
}

function hostPorts(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${p.protocol ?? 'TCP'}/${p.hostIP || '0.0.0.0'}/${p.hostPort}`);
  }
  return out;
}

function portsConflict(a: string, b: string): boolean {
  const [pa, ia, na] = a.split('/');
  const [pb, ib, nb] = b.split('/');
  if (pa !== pb || na !== nb) return false;
  return ia === ib || ia === '0.0.0.0' || ib === '0.0.0.0';
}

export function admitPod(pod: Pod, active: Pod[], allocatable: ResourceList): AdmitResult {
  const maxPods = allocatable['pods'] !== undefined ? quantityValue(parseQuantityExact(allocatable['pods'])) : Infinity;
  if (active.length + 1 > maxPods) {
    return { admit: false, reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${active.length}, capacity: ${maxPods}` };
  }
  const want = podRequests(pod);
  const used = active.map(podRequests).reduce((a, b) => ({ milliCpu: a.milliCpu + b.milliCpu, memory: a.memory + b.memory }), { milliCpu: 0, memory: 0 });
  const capCpu = allocatable['cpu'] !== undefined ? quantityMilliValue(parseQuantityExact(allocatable['cpu'])) : Infinity;
  const capMem = allocatable['memory'] !== undefined ? quantityValue(parseQuantityExact(allocatable['memory'])) : Infinity;
  if (want.milliCpu > 0 && used.milliCpu + want.milliCpu > capCpu) {
    return { admit: false, reason: 'OutOfcpu', message: `Node didn't have enough resource: cpu, requested: ${want.milliCpu}, used: ${used.milliCpu}, capacity: ${capCpu}` };
  }
  if (want.memory > 0 && used.memory + want.memory > capMem) {
    return { admit: false, reason: 'OutOfmemory', message: `Node didn't have enough resource: memory, requested: ${want.memory}, used: ${used.memory}, capacity: ${capMem}` };
  }
  const mine = hostPorts(pod);
  if (mine.length) {
    const taken = active.flatMap(hostPorts);
    if (mine.some((p) => taken.some((t) => portsConflict(p, t)))) {
      return { admit: false, reason: 'NodePorts', message: "node(s) didn't have free ports for the requested pod ports" };
    }
  }
  return { admit: true };
}
