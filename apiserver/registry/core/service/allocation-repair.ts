import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Event, Service, ServiceSpec } from '../../../../shared/api/core-v1.ts';
import type { Clock, Timer } from '../../../../shared/util/clock.ts';
import { log } from '../../../../shared/util/log.ts';
import { rfc3339 } from '../../../../shared/util/time-format.ts';
import { isStorageError } from '../../../storage/errors.ts';
import type { Storage } from '../../../storage/interfaces.ts';
import type { GenericStore } from '../../generic/store.ts';
import { sameOwner, type AllocationOwner, type AllocationRecord, type RangeAllocator } from './range-allocator.ts';
import { parseIP } from './service-cidr.ts';
import type { ServiceAllocators } from './service-allocators.ts';

/** How often the repair loops run (kube-apiserver's service IP and node port repair interval). */
export const DEFAULT_REPAIR_INTERVAL_MS = 3 * 60_000;
/** How many consecutive runs must see a value leaked before it is freed (numRepairsBeforeLeakCleanup). */
export const REPAIRS_BEFORE_LEAK_CLEANUP = 3;
const SERVICES_PREFIX = '/services/specs/';

export interface ServiceAllocationRepairOptions {
  allocators: ServiceAllocators;
  storage: Storage;
  /** Where the repair's Warning events go (the events store); none: log only. */
  events?: GenericStore;
  clock: Clock;
  intervalMs?: number;
}

type Spec = ServiceSpec & { clusterIPs?: string[] };

/** One value a Service holds, as the repair sees it. */
interface Held {
  value: string;
  svc: Service;
  owner: AllocationOwner;
}

/**
 * The ClusterIP and NodePort repair loops (ipallocator/controller/repair.go, portallocator/controller/repair.go):
 * every run compares the stored allocation records with the values the Services hold, in one storage snapshot,
 * and
 * - records a value a Service holds without a record (ClusterIPNotAllocated / PortNotAllocated: "repairing"),
 * - reports values held by several Services (ClusterIPAlreadyAllocated / PortAlreadyAllocated) and values outside
 *   the configured range (ClusterIPOutOfRange / PortOutOfRange) as Warning events on the Service,
 * - frees a record no Service holds once it was seen leaked on REPAIRS_BEFORE_LEAK_CLEANUP consecutive runs (a
 *   create in flight has allocated but not stored its Service yet: the grace covers it).
 * Runs once at startup (before the API server serves) and every intervalMs (3 minutes) after.
 */
export class ServiceAllocationRepair {
  readonly #o: ServiceAllocationRepairOptions;
  readonly #leaks = { ips: new Map<string, number>(), ports: new Map<string, number>() };
  #timer: Timer | undefined;
  #stopped = false;

  constructor(options: ServiceAllocationRepairOptions) {
    this.#o = options;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const t = this.#o.clock.setTimeout(() => {
      void this.runOnce()
        .catch((e: unknown) => log.warn('Service allocation repair failed', { error: String(e) }))
        .finally(() => this.#schedule());
    }, this.#o.intervalMs ?? DEFAULT_REPAIR_INTERVAL_MS);
    t.unref?.();
    this.#timer = t;
  }

  /** One repair of both ranges. Throws on storage errors. */
  async runOnce(): Promise<void> {
    const storage = this.#o.storage;
    let revision = await storage.currentRevision();
    let services: Service[];
    let ips: AllocationRecord[];
    let ports: AllocationRecord[];
    try {
      [services, ips, ports] = await Promise.all([
        storage.list(SERVICES_PREFIX, { revision }).then((r) => r.items as Service[]),
        this.#o.allocators.ips.list(revision).then((r) => r.items),
        this.#o.allocators.nodePorts.list(revision).then((r) => r.items),
      ]);
    } catch (e) {
      if (!isStorageError(e, 'Expired') && !isStorageError(e, 'TooLargeResourceVersion')) throw e;
      revision = 0;
      [services, ips, ports] = await Promise.all([
        storage.list(SERVICES_PREFIX).then((r) => r.items as Service[]),
        this.#o.allocators.ips.list().then((r) => r.items),
        this.#o.allocators.nodePorts.list().then((r) => r.items),
      ]);
    }
    await this.#repairIPs(services, ips);
    await this.#repairPorts(services, ports);
  }

  async #repairIPs(services: Service[], records: AllocationRecord[]): Promise<void> {
    const a = this.#o.allocators;
    const held: Held[] = [];
    for (const svc of services) {
      const spec = (svc.spec ?? {}) as Spec;
      if (spec.type === 'ExternalName') continue;
      const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      for (const ip of ips) {
        if (ip === 'None' || ip === '') continue;
        const parsed = parseIP(ip);
        if (!parsed) {
          log.warn('The ClusterIP of a Service is not a valid IP; please recreate', { service: keyOf(svc), clusterIP: ip });
          continue;
        }
        if (parsed.family !== a.family) continue;
        if (!a.ips.contains(ip)) {
          await this.#event(svc, 'ClusterIPOutOfRange', 'ClusterIPAllocation', `Cluster IP [${parsed.family}]:${ip} is not within the configured Service CIDR ${a.cidr.toString()}; please recreate service`);
          continue;
        }
        held.push({ value: a.ips.canonical(ip), svc, owner: ownerOf(svc) });
      }
    }
    await this.#reconcile(a.ips, held, records, this.#leaks.ips, {
      duplicate: (h) => this.#event(h.svc, 'ClusterIPAlreadyAllocated', 'ClusterIPAllocation', `Cluster IP [${a.family}]:${h.value} was assigned to multiple services; please recreate service`),
      missing: (h) => this.#event(h.svc, 'ClusterIPNotAllocated', 'ClusterIPAllocation', `Cluster IP [${a.family}]:${h.value} is not allocated; repairing`),
    });
  }

  async #repairPorts(services: Service[], records: AllocationRecord[]): Promise<void> {
    const a = this.#o.allocators;
    const held: Held[] = [];
    for (const svc of services) {
      const spec = (svc.spec ?? {}) as Spec;
      const ports = new Set<number>();
      for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
      if (spec.healthCheckNodePort) ports.add(spec.healthCheckNodePort);
      for (const port of ports) {
        if (!a.nodePorts.contains(String(port))) {
          await this.#event(svc, 'PortOutOfRange', 'PortAllocation', `Port ${port} is not within the port range ${a.nodePortRange.toString()}; please recreate service`);
          continue;
        }
        held.push({ value: String(port), svc, owner: ownerOf(svc) });
      }
    }
    await this.#reconcile(a.nodePorts, held, records, this.#leaks.ports, {
      duplicate: (h) => this.#event(h.svc, 'PortAlreadyAllocated', 'PortAllocation', `Port ${h.value} was assigned to multiple services; please recreate service`),
      missing: (h) => this.#event(h.svc, 'PortNotAllocated', 'PortAllocation', `Port ${h.value} is not allocated; repairing`),
    });
  }

  async #reconcile(
    alloc: RangeAllocator,
    held: Held[],
    records: AllocationRecord[],
    leaks: Map<string, number>,
    report: { duplicate: (h: Held) => Promise<void>; missing: (h: Held) => Promise<void> },
  ): Promise<void> {
    const byValue = new Map<string, AllocationRecord>();
    for (const r of records) if (r.metadata.name) byValue.set(r.metadata.name, r);
    // The first holder of a value keeps it; when the record names one of the holders, that one does.
    const holders = new Map<string, Held[]>();
    for (const h of held) holders.set(h.value, [...(holders.get(h.value) ?? []), h]);
    for (const [value, hs] of holders) {
      leaks.delete(value);
      const record = byValue.get(value);
      const keeper = (record && hs.find((h) => sameOwner(record.parentRef, h.owner))) ?? (hs[0] as Held);
      for (const h of hs) if (h !== keeper) await report.duplicate(h);
      if (!record) {
        await report.missing(keeper);
        await this.#o.storage.create(alloc.keyOf(value), alloc.record(value, keeper.owner)).catch((e: unknown) => {
          if (!isStorageError(e, 'KeyExists')) throw e;
        });
      } else if (!record.parentRef || !sameOwner(record.parentRef, keeper.owner)) {
        // A record naming a Service that does not hold the value (recreated under the same name, or stale).
        await this.#o.storage
          .guaranteedUpdate(alloc.keyOf(value), (cur) => ({ ...(cur as KubeObject), parentRef: alloc.record(value, keeper.owner).parentRef }) as KubeObject, {
            preconditions: { resourceVersion: record.metadata.resourceVersion },
          })
          .catch((e: unknown) => log.debug('Re-owning an allocation record lost a race', { key: alloc.keyOf(value), error: String(e) }));
      }
    }
    const leakedNow = new Set<string>();
    for (const record of records) {
      const value = record.metadata.name ?? '';
      if (holders.has(value)) continue;
      leakedNow.add(value);
      const count = leaks.get(value) ?? REPAIRS_BEFORE_LEAK_CLEANUP - 1;
      if (!leaks.has(value)) log.info('An allocated value may have leaked: flagging for later clean up', { range: alloc.range, value });
      if (count > 0) {
        leaks.set(value, count - 1);
        continue;
      }
      log.info('An allocated value appears to have leaked: cleaning up', { range: alloc.range, value });
      leaks.delete(value);
      await this.#o.storage.delete(alloc.keyOf(value), { preconditions: { resourceVersion: record.metadata.resourceVersion } }).catch((e: unknown) => {
        if (!isStorageError(e, 'KeyNotFound') && !isStorageError(e, 'Conflict')) throw e;
      });
      await alloc.refresh().catch(() => undefined);
    }
    for (const value of [...leaks.keys()]) if (!leakedNow.has(value)) leaks.delete(value);
  }

  /** A Warning event on the Service (the repair controllers' events.k8s.io recorder, written as core/v1). */
  async #event(svc: Service, reason: string, action: string, message: string): Promise<void> {
    log.warn(message, { service: keyOf(svc), reason });
    const events = this.#o.events;
    if (!events) return;
    const now = this.#o.clock.now();
    const component = action === 'PortAllocation' ? 'portallocator-repair-controller' : 'ipallocator-repair-controller';
    const ts = rfc3339(now);
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${svc.metadata.name ?? 'service'}.${(BigInt(now) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`, namespace: svc.metadata.namespace ?? 'default' },
      involvedObject: {
        kind: 'Service',
        apiVersion: 'v1',
        namespace: svc.metadata.namespace,
        name: svc.metadata.name,
        uid: svc.metadata.uid,
        resourceVersion: svc.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type: 'Warning',
      action,
      reportingComponent: component,
      reportingInstance: '',
    };
    await events.create(ev.metadata.namespace, ev).catch((e: unknown) => log.debug('Recording a repair event failed', { error: String(e) }));
  }
}

function keyOf(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
}

function ownerOf(svc: Service): AllocationOwner {
  return { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', ...(svc.metadata.uid ? { uid: svc.metadata.uid } : {}) };
}
