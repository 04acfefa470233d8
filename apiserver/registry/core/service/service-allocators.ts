import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Service, ServicePort, ServiceSpec } from '../../../../shared/api/core-v1.ts';
import { fieldInvalid, newInternalError, newInvalid, type FieldError } from '../../../../shared/errors/status-error.ts';
import { goStringSlice, validateServiceClusterIPsRelatedFields } from '../../../../shared/api/validation/service.ts';
import type { Storage } from '../../../storage/interfaces.ts';
import { log } from '../../../../shared/util/log.ts';
import { NodePortRange } from './node-port-range.ts';
import { AllocationError, RangeAllocator, RangeFullError, type AllocationOwner } from './range-allocator.ts';
import { parseIP, ServiceCIDR, type IPFamily } from './service-cidr.ts';

/** --service-cluster-ip-range and --service-node-port-range defaults (kube-apiserver's). */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

/** Keys of the stored allocations (kube keeps its RangeAllocation bitmaps at /ranges/serviceips and /ranges/servicenodeports). */
export const SERVICE_IPS_PREFIX = '/ranges/serviceips/';
export const SERVICE_NODE_PORTS_PREFIX = '/ranges/servicenodeports/';

export interface ServiceAllocatorsOptions {
  storage: Storage;
  /** --service-cluster-ip-range (one CIDR). */
  serviceClusterIPRange?: string;
  /** --service-node-port-range. */
  serviceNodePortRange?: string;
  random?: () => number;
}

/** What a begin hook returns: commit (true) or revert (false) what it did, once the write is known. */
export type FinishFunc = (success: boolean) => Promise<void>;

type Spec = ServiceSpec & { clusterIPs?: string[] };

/**
 * The allocators of the Service registry (pkg/registry/core/service/storage alloc.go, single-stack): ClusterIPs
 * from --service-cluster-ip-range, NodePorts (and healthCheckNodePorts) from --service-node-port-range.
 * allocateCreate / allocateUpdate return a transaction committed or reverted once the write's outcome is known
 * (BeginCreate / BeginUpdate), releaseAll frees a deleted Service's values (AfterDelete).
 */
export class ServiceAllocators {
  readonly cidr: ServiceCIDR;
  readonly nodePortRange: NodePortRange;
  readonly ips: RangeAllocator;
  readonly nodePorts: RangeAllocator;

  constructor(o: ServiceAllocatorsOptions) {
    this.cidr = ServiceCIDR.parse(o.serviceClusterIPRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE);
    this.nodePortRange = NodePortRange.parse(o.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE);
    const cidr = this.cidr;
    const ports = this.nodePortRange;
    this.ips = new RangeAllocator({
      storage: o.storage,
      prefix: SERVICE_IPS_PREFIX,
      range: cidr.toString(),
      max: cidr.max,
      staticBand: cidr.staticBand,
      nameOf: (off) => cidr.ipAt(off),
      offsetOf: (name) => cidr.offsetOf(name),
      allocatedMessage: 'provided IP is already allocated',
      notInRangeMessage: (ip) => `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr.toString()}`,
      random: o.random,
    });
    this.nodePorts = new RangeAllocator({
      storage: o.storage,
      prefix: SERVICE_NODE_PORTS_PREFIX,
      range: ports.toString(),
      max: ports.size,
      staticBand: ports.staticBand,
      nameOf: (off) => String(ports.base + off),
      offsetOf: (name) => (/^\d+$/.test(name) && ports.contains(Number(name)) ? Number(name) - ports.base : undefined),
      allocatedMessage: 'provided port is already allocated',
      notInRangeMessage: () => `provided port is not in the valid range. The range of valid ports is ${ports.toString()}`,
      random: o.random,
    });
  }

  get family(): IPFamily {
    return this.cidr.family;
  }

  /** The `kubernetes` Service's ClusterIP: the first address of the range. */
  get apiServerServiceIP(): string {
    return this.cidr.indexedIP(1);
  }

  /** BeginCreate: normalizes, defaults the IP family fields, allocates. Throws a StatusError. */
  async allocateCreate(svc: Service, dryRun: boolean): Promise<FinishFunc> {
    const spec = (svc.spec ??= {}) as Spec;
    normalizeClusterIPs(spec, undefined);
    this.#initIPFamilyFields(svc, undefined);
    const txn = new Transaction(dryRun);
    const owner = ownerOf(svc);
    try {
      await this.#allocClusterIPs(svc, owner, txn);
      if (needsNodePort(spec)) await this.#initNodePorts(svc, owner, txn, []);
      if (needsHealthCheck(spec)) await this.#allocHealthCheckNodePort(svc, owner, txn);
    } catch (e) {
      await txn.finish(false);
      throw e;
    }
    return (ok) => txn.finish(ok);
  }

  /** BeginUpdate: keeps values allocated before, allocates what the new type needs, releases the rest on success. */
  async allocateUpdate(svc: Service, old: Service, dryRun: boolean): Promise<FinishFunc> {
    const spec = (svc.spec ??= {}) as Spec;
    const oldSpec = (old.spec ?? {}) as Spec;
    patchAllocatedValues(spec, oldSpec);
    normalizeClusterIPs(spec, oldSpec);
    this.#initIPFamilyFields(svc, old);
    const txn = new Transaction(dryRun);
    const owner = ownerOf(old);
    try {
      // ClusterIPs: ExternalName -> anything else allocates; -> ExternalName releases.
      if (oldSpec.type === 'ExternalName' && spec.type !== 'ExternalName') {
        await this.#allocClusterIPs(svc, owner, txn);
      } else if (!isHeadless(oldSpec) && oldSpec.type !== 'ExternalName' && spec.type === 'ExternalName') {
        for (const ip of oldSpec.clusterIPs ?? (oldSpec.clusterIP ? [oldSpec.clusterIP] : [])) txn.releaseLater(this.ips, ip, owner);
      }
      // NodePorts.
      if (needsNodePort(oldSpec) && (spec.type === 'ExternalName' || spec.type === 'ClusterIP')) {
        for (const np of collectNodePorts(oldSpec)) txn.releaseLater(this.nodePorts, String(np), owner);
      }
      if (needsNodePort(spec)) await this.#updateNodePorts(svc, old, owner, txn);
      // healthCheckNodePort (LoadBalancer with externalTrafficPolicy Local).
      const needed = needsHealthCheck(oldSpec);
      const needs = needsHealthCheck(spec);
      if (!needed && needs) await this.#allocHealthCheckNodePort(svc, owner, txn);
      else if (needed && !needs && oldSpec.healthCheckNodePort) {
        if (!collectNodePorts(spec).includes(oldSpec.healthCheckNodePort)) txn.releaseLater(this.nodePorts, String(oldSpec.healthCheckNodePort), owner);
        if (spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
      } else if (needed && needs && !spec.healthCheckNodePort) {
        spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
      }
    } catch (e) {
      await txn.finish(false);
      throw e;
    }
    return (ok) => txn.finish(ok);
  }

  /** AfterDelete: frees the ClusterIPs and node ports a removed Service held. */
  async releaseAll(svc: Service): Promise<void> {
    const spec = (svc.spec ?? {}) as Spec;
    const owner = ownerOf(svc);
    const work: Promise<void>[] = [];
    if (spec.type !== 'ExternalName' && !isHeadless(spec)) {
      for (const ip of new Set([...(spec.clusterIPs ?? []), ...(spec.clusterIP ? [spec.clusterIP] : [])])) {
        if (this.ips.contains(ip)) work.push(this.ips.release(ip, owner));
      }
    }
    for (const np of new Set([...collectNodePorts(spec), ...(spec.healthCheckNodePort ? [spec.healthCheckNodePort] : [])])) {
      work.push(this.nodePorts.release(String(np), owner));
    }
    const results = await Promise.allSettled(work);
    for (const r of results) if (r.status === 'rejected') log.warn('Releasing a deleted Service\'s allocations failed (the repair loop will free them)', { service: `${svc.metadata.namespace}/${svc.metadata.name}`, error: String(r.reason) });
  }

  /** initIPFamilyFields (alloc.go), for a cluster with one IP family. */
  #initIPFamilyFields(svc: Service, old: Service | undefined): void {
    const spec = svc.spec as Spec;
    if (spec.type === 'ExternalName') return;
    const oldSpec = old?.spec as Spec | undefined;
    if (oldSpec && isMatchingPreferDualStack(spec, oldSpec)) return;
    if (!spec.ipFamilyPolicy) {
      if (oldSpec?.ipFamilyPolicy) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
      else if (spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0) spec.ipFamilyPolicy = 'RequireDualStack';
      else spec.ipFamilyPolicy = 'SingleStack';
    }
    const pre = validateServiceClusterIPsRelatedFields(svc);
    if (pre.length) throw newInvalid('Service', svc.metadata.name ?? '', pre);
    const errs: FieldError[] = [];
    if (oldSpec) {
      if (spec.ipFamilyPolicy === 'SingleStack') {
        if (sameList(oldSpec.clusterIPs, spec.clusterIPs) && (spec.clusterIPs?.length ?? 0) > 1) spec.clusterIPs = spec.clusterIPs?.slice(0, 1);
        if (sameList(oldSpec.ipFamilies, spec.ipFamilies) && (spec.ipFamilies?.length ?? 0) > 1) spec.ipFamilies = spec.ipFamilies?.slice(0, 1);
      } else {
        if ((spec.clusterIPs?.length ?? 0) < (oldSpec.clusterIPs?.length ?? 0)) errs.push(fieldInvalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, "must be 'SingleStack' to release the secondary cluster IP"));
        if ((spec.ipFamilies?.length ?? 0) < (oldSpec.ipFamilies?.length ?? 0)) errs.push(fieldInvalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, "must be 'SingleStack' to release the secondary IP family"));
      }
    }
    if (spec.ipFamilyPolicy === 'SingleStack') {
      if (spec.clusterIPs?.length === 2) errs.push(fieldInvalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
      if (spec.ipFamilies?.length === 2) errs.push(fieldInvalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
    }
    const families = [...(spec.ipFamilies ?? [])];
    (spec.clusterIPs ?? []).some((ip, i) => {
      if (ip === 'None') return true;
      const fam = parseIP(ip)?.family;
      if (fam && i >= families.length) {
        if (fam !== this.family) errs.push({ type: 'FieldValueInvalid', field: `spec.clusterIPs[${i}]`, detail: `Invalid value: ${goStringSlice(spec.clusterIPs)}: ${fam} is not configured on this cluster` });
        else families.push(fam);
      }
      return false;
    });
    if (families.length) spec.ipFamilies = families;
    if (errs.length) throw newInvalid('Service', svc.metadata.name ?? '', errs);
    if (spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0) {
      if (!spec.ipFamilies?.length) spec.ipFamilies = [this.family];
      if (spec.ipFamilies.length < 2 && spec.ipFamilyPolicy !== 'SingleStack') spec.ipFamilies = [spec.ipFamilies[0] as IPFamily, spec.ipFamilies[0] === 'IPv4' ? 'IPv6' : 'IPv4'];
      return;
    }
    if (spec.ipFamilyPolicy === 'RequireDualStack') errs.push(fieldInvalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
    (spec.ipFamilies ?? []).forEach((f, i) => {
      if (f !== this.family) errs.push(fieldInvalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
    });
    if (errs.length) throw newInvalid('Service', svc.metadata.name ?? '', errs);
    if (!spec.ipFamilies?.length) spec.ipFamilies = [this.family];
  }

  async #allocClusterIPs(svc: Service, owner: AllocationOwner, txn: Transaction): Promise<void> {
    const spec = svc.spec as Spec;
    if (spec.type === 'ExternalName') return;
    if (spec.clusterIPs?.[0] === 'None') return;
    const requested = spec.clusterIPs?.[0] ?? '';
    if (requested === '') {
      let ip: string;
      try {
        ip = await this.ips.allocateNext(owner, txn.dryRun);
      } catch (e) {
        throw newInternalError(`failed to allocate a serviceIP: ${(e as Error).message}`);
      }
      txn.allocated(this.ips, ip, owner);
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    try {
      await this.ips.allocate(requested, owner, txn.dryRun);
    } catch (e) {
      if (e instanceof AllocationError) {
        throw newInvalid('Service', svc.metadata.name ?? '', [
          { type: 'FieldValueInvalid', field: 'spec.clusterIPs', detail: `Invalid value: ${goStringSlice(spec.clusterIPs)}: failed to allocate IP ${requested}: ${e.message}` },
        ]);
      }
      throw e;
    }
    txn.allocated(this.ips, requested, owner);
  }

  /** initNodePorts: requested ports are reserved, the others allocated; ports sharing a `port` number share a nodePort. */
  async #initNodePorts(svc: Service, owner: AllocationOwner, txn: Transaction, alreadyHeld: number[]): Promise<void> {
    const spec = svc.spec as Spec;
    const ports = spec.ports ?? [];
    const byServicePort = new Map<number, number>();
    const held = new Set(alreadyHeld);
    // Requested ports first, so a random pick for another port cannot take one of them. Only ports with the
    // same port number (53/TCP and 53/UDP) may share a nodePort: another port asking for it finds it allocated.
    const reservedFor = new Map<number, number>();
    for (let i = 0; i < ports.length; i++) {
      const sp = ports[i] as ServicePort;
      const np = sp.nodePort;
      if (!np) continue;
      const by = reservedFor.get(np);
      if (by === undefined && !held.has(np)) {
        await this.#reservePort(svc, owner, txn, np, i);
        held.add(np);
        reservedFor.set(np, sp.port);
      } else if (by !== undefined && by !== sp.port) {
        throw newInvalid('Service', svc.metadata.name ?? '', [fieldInvalid(`spec.ports[${i}].nodePort`, np, this.nodePorts.allocatedMessage)]);
      }
    }
    for (let i = 0; i < ports.length; i++) {
      const sp = ports[i] as ServicePort;
      if (!sp.nodePort && !shouldAllocateNodePorts(spec)) continue;
      const known = byServicePort.get(sp.port);
      if (known === undefined) {
        const requested = sp.nodePort || ports.slice(i).find((p) => p.port === sp.port && p.nodePort)?.nodePort || 0;
        if (requested) {
          if (!held.has(requested)) await this.#reservePort(svc, owner, txn, requested, i);
          held.add(requested);
          sp.nodePort = requested;
        } else {
          sp.nodePort = await this.#nextPort(owner, txn);
          held.add(sp.nodePort);
        }
        byServicePort.set(sp.port, sp.nodePort);
      } else if (sp.nodePort !== known) {
        if (!sp.nodePort) sp.nodePort = known;
        else {
          if (!held.has(sp.nodePort)) await this.#reservePort(svc, owner, txn, sp.nodePort, i);
          held.add(sp.nodePort);
        }
      }
    }
  }

  /** updateNodePorts: new ports reserved or allocated, ports no longer used released on success. */
  async #updateNodePorts(svc: Service, old: Service, owner: AllocationOwner, txn: Transaction): Promise<void> {
    const spec = svc.spec as Spec;
    const oldPorts = collectNodePorts((old.spec ?? {}) as Spec);
    const reserved = new Set<number>();
    const ports = spec.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const np = (ports[i] as ServicePort).nodePort;
      if (np && !oldPorts.includes(np) && !reserved.has(np)) {
        await this.#reservePort(svc, owner, txn, np, i);
        reserved.add(np);
      }
    }
    for (const sp of ports) {
      if (!sp.nodePort && shouldAllocateNodePorts(spec)) sp.nodePort = await this.#nextPort(owner, txn);
    }
    const now = collectNodePorts(spec);
    for (const np of oldPorts) if (!now.includes(np) && np !== spec.healthCheckNodePort) txn.releaseLater(this.nodePorts, String(np), owner);
  }

  async #allocHealthCheckNodePort(svc: Service, owner: AllocationOwner, txn: Transaction): Promise<void> {
    const spec = svc.spec as Spec;
    if (spec.healthCheckNodePort) {
      try {
        await this.nodePorts.allocate(String(spec.healthCheckNodePort), owner, txn.dryRun);
      } catch (e) {
        throw newInternalError(`failed to allocate requested HealthCheck NodePort ${spec.healthCheckNodePort}: ${(e as Error).message}`);
      }
      txn.allocated(this.nodePorts, String(spec.healthCheckNodePort), owner);
      return;
    }
    spec.healthCheckNodePort = await this.#nextPort(owner, txn, 'failed to allocate a HealthCheck NodePort 0');
  }

  async #reservePort(svc: Service, owner: AllocationOwner, txn: Transaction, port: number, index: number): Promise<void> {
    try {
      await this.nodePorts.allocate(String(port), owner, txn.dryRun);
    } catch (e) {
      if (e instanceof AllocationError) throw newInvalid('Service', svc.metadata.name ?? '', [fieldInvalid(`spec.ports[${index}].nodePort`, port, e.message)]);
      throw e;
    }
    txn.allocated(this.nodePorts, String(port), owner);
  }

  async #nextPort(owner: AllocationOwner, txn: Transaction, what = 'failed to allocate a nodePort'): Promise<number> {
    let name: string;
    try {
      name = await this.nodePorts.allocateNext(owner, txn.dryRun);
    } catch (e) {
      if (e instanceof RangeFullError) throw newInternalError(`${what}: ${e.message}`);
      throw e;
    }
    txn.allocated(this.nodePorts, name, owner);
    return Number(name);
  }
}

/** Values reserved so far (released on revert) and releases deferred to commit (allocator transactions). */
class Transaction {
  readonly dryRun: boolean;
  readonly #allocated: [RangeAllocator, string, AllocationOwner][] = [];
  readonly #release: [RangeAllocator, string, AllocationOwner][] = [];
  #done = false;

  constructor(dryRun: boolean) {
    this.dryRun = dryRun;
  }

  allocated(a: RangeAllocator, name: string, owner: AllocationOwner): void {
    if (!this.dryRun) this.#allocated.push([a, name, owner]);
  }

  releaseLater(a: RangeAllocator, name: string, owner: AllocationOwner): void {
    if (!this.dryRun && a.contains(name)) this.#release.push([a, name, owner]);
  }

  async finish(success: boolean): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    const work = success ? this.#release : this.#allocated;
    const results = await Promise.allSettled(work.map(([a, name, owner]) => a.release(name, owner)));
    for (const r of results) if (r.status === 'rejected') log.warn('Releasing a Service allocation failed (the repair loop will free it)', { error: String(r.reason) });
  }
}

function ownerOf(svc: KubeObject): AllocationOwner {
  return { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', ...(svc.metadata.uid ? { uid: svc.metadata.uid } : {}) };
}

export function isHeadless(spec: Spec): boolean {
  return spec.clusterIPs?.length === 1 ? spec.clusterIPs[0] === 'None' : spec.clusterIP === 'None';
}

export function needsNodePort(spec: Spec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

/** apiservice.NeedsHealthCheck: LoadBalancer with externalTrafficPolicy Local. */
export function needsHealthCheck(spec: Spec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function shouldAllocateNodePorts(spec: Spec): boolean {
  if (spec.type === 'NodePort') return true;
  if (spec.type === 'LoadBalancer') return spec.allocateLoadBalancerNodePorts !== false;
  return false;
}

export function collectNodePorts(spec: Spec): number[] {
  const out: number[] = [];
  for (const p of spec.ports ?? []) if (p.nodePort && !out.includes(p.nodePort)) out.push(p.nodePort);
  return out;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function isMatchingPreferDualStack(spec: Spec, old: Spec): boolean {
  if (old.ipFamilyPolicy !== 'PreferDualStack' || spec.ipFamilyPolicy !== 'PreferDualStack') return false;
  return sameList(old.clusterIPs, spec.clusterIPs) && sameList(old.ipFamilies, spec.ipFamilies);
}

/** normalizeClusterIPs (storage.go): keeps clusterIP and clusterIPs in step for clients that set one of them. */
export function normalizeClusterIPs(spec: Spec, old: Spec | undefined): void {
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  if ((old.clusterIPs?.length ?? 0) > 0 && !spec.clusterIPs?.length && (old.clusterIP ?? '') === (spec.clusterIP ?? '')) spec.clusterIPs = old.clusterIPs;
  if ((old.clusterIP ?? '') !== (spec.clusterIP ?? '')) {
    if (old.clusterIP && !spec.clusterIP) {
      if (sameList(old.clusterIPs, spec.clusterIPs)) delete spec.clusterIPs;
    } else if (sameList(old.clusterIPs, spec.clusterIPs) && spec.clusterIP) {
      spec.clusterIPs = [spec.clusterIP];
    }
  }
}

/**
 * patchAllocatedValues (storage.go): a client that resubmits what it created (no clusterIP, no nodePorts) keeps
 * the values allocated for it.
 */
export function patchAllocatedValues(spec: Spec, old: Spec): void {
  if (old.type !== 'ExternalName' && spec.type !== 'ExternalName') {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
    if (!spec.clusterIPs?.length && old.clusterIPs?.length) spec.clusterIPs = old.clusterIPs;
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    const oldUsed = new Set(collectNodePorts(old));
    const used = new Set(collectNodePorts(spec).filter((p) => oldUsed.has(p)));
    const byName = new Map<string, number>();
    for (const p of old.ports ?? []) byName.set(p.name ?? '', p.nodePort ?? 0);
    for (const p of spec.ports ?? []) {
      if (!p.nodePort) {
        const v = byName.get(p.name ?? '') ?? 0;
        if (v && !used.has(v)) p.nodePort = v;
      }
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(spec) && !spec.healthCheckNodePort) spec.healthCheckNodePort = old.healthCheckNodePort;
}

/** The Service store's BeginCreate, BeginUpdate and AfterDelete hooks (storage.go), over these allocators. */
export function serviceStoreHooks(allocators: ServiceAllocators): {
  beginCreate: (obj: KubeObject, opts: { dryRun: boolean }) => Promise<FinishFunc>;
  beginUpdate: (obj: KubeObject, old: KubeObject, opts: { dryRun: boolean }) => Promise<FinishFunc>;
  afterDelete: (obj: KubeObject) => Promise<void>;
} {
  return {
    beginCreate: (obj, o) => allocators.allocateCreate(obj as Service, o.dryRun),
    beginUpdate: (obj, old, o) => allocators.allocateUpdate(obj as Service, old as Service, o.dryRun),
    afterDelete: (obj) => allocators.releaseAll(obj as Service),
  };
}

/**
 * Checks --service-cluster-ip-range and --service-node-port-range as kube-apiserver does; returns the error
 * message, or undefined when both are usable.
 */
export function validateServiceRangeFlags(clusterIPRange: string, nodePortRange: string): string | undefined {
  const cidrs = clusterIPRange.split(',').map((s) => s.trim()).filter(Boolean);
  if (cidrs.length === 0) return '--service-cluster-ip-range must not be empty';
  if (cidrs.length > 1) return '--service-cluster-ip-range: dual-stack (two CIDRs) is not supported by kubelab; give one CIDR';
  let cidr: ServiceCIDR;
  try {
    cidr = ServiceCIDR.parse(cidrs[0] as string);
  } catch (e) {
    return `--service-cluster-ip-range: ${(e as Error).message}`;
  }
  // validateMaxCIDRRange(cidr, 20): the allocator's bitmap would be too large.
  const bits = cidr.family === 'IPv4' ? 32 : 128;
  if (bits - cidr.prefixLength > 20) return `specified --service-cluster-ip-range is too large; for ${bits}-bit addresses, the mask must be >= ${bits - 20}`;
  if (cidr.max < 2) return `--service-cluster-ip-range ${cidr.toString()} has no room for Services (the first address is the kubernetes Service's)`;
  try {
    const r = NodePortRange.parse(nodePortRange);
    if (r.size === 0) return '--service-node-port-range must not be empty';
  } catch (e) {
    return `--service-node-port-range: ${(e as Error).message}`;
  }
  return undefined;
}
