import { isDeepStrictEqual } from 'node:util';
import type { EndpointPort, Endpoints } from '../../shared/api/core-v1.ts';
import { repackSubsets } from '../../shared/api/repack-subsets.ts';
import { log } from '../../shared/util/log.ts';
import type { EndpointsAdapter } from './endpoints-adapter.ts';
import type { Leases } from './master-leases.ts';

/** Endpoints kube-apiserver maintains itself are not mirrored by the EndpointSliceMirroring controller. */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

/**
 * What the kubernetes Service's endpoints must look like (checkEndpointSubsetFormatWithLease): one subset;
 * its addresses exactly the leased IPs; its ports equal to ours (reconcilePorts) or containing ours.
 */
export function checkEndpointSubsetFormatWithLease(
  e: Endpoints,
  expectedIPs: readonly string[],
  ports: readonly EndpointPort[],
  reconcilePorts: boolean,
): { formatCorrect: boolean; ipsCorrect: boolean; portsCorrect: boolean } {
  const subsets = e.subsets ?? [];
  const sub = subsets[0];
  if (subsets.length !== 1 || !sub) return { formatCorrect: false, ipsCorrect: false, portsCorrect: false };
  const have = sub.ports ?? [];
  const same = (a: EndpointPort, b: EndpointPort): boolean =>
    (a.name ?? '') === (b.name ?? '') && a.port === b.port && (a.protocol ?? '') === (b.protocol ?? '') && (a.appProtocol ?? null) === (b.appProtocol ?? null);
  const portsCorrect = reconcilePorts
    ? have.length === ports.length && ports.every((p, i) => { const h = have[i]; return h !== undefined && same(p, h); })
    : ports.every((p) => have.some((h) => same(p, h)));
  const addresses = sub.addresses ?? [];
  let ipsCorrect = addresses.length === expectedIPs.length;
  if (ipsCorrect) {
    const seen = new Map(expectedIPs.map((ip) => [ip, false]));
    for (const a of addresses) {
      const already = seen.get(a.ip);
      if (already === undefined || already) {
        ipsCorrect = false;
        break;
      }
      seen.set(a.ip, true);
    }
  }
  return { formatCorrect: true, ipsCorrect, portsCorrect };
}

/**
 * pkg/controlplane/reconcilers/lease.go: the endpoints of the `kubernetes` Service are the IPs of the API
 * servers holding a lease. Each API server renews its own lease and rewrites the Endpoints (and, through the
 * adapter, the EndpointSlice) when the set differs; on shutdown it drops its lease and rewrites them without
 * itself. Calls are serialized; after stopReconciling() only removeEndpoints() writes.
 */
export class LeaseEndpointReconciler {
  readonly #adapter: EndpointsAdapter;
  readonly #leases: Leases;
  #stopped = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(adapter: EndpointsAdapter, leases: Leases) {
    this.#adapter = adapter;
    this.#leases = leases;
  }

  /** One at a time (upstream's reconcilingLock). */
  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** ReconcileEndpoints: renew ip's lease, then make the Endpoints match the leased IPs. */
  reconcileEndpoints(serviceName: string, ip: string, ports: readonly EndpointPort[], reconcilePorts: boolean): Promise<void> {
    return this.#serialized(async () => {
      if (this.#stopped) return;
      await this.#leases.updateLease(ip);
      await this.#doReconcile(serviceName, ports, reconcilePorts);
    });
  }

  /** RemoveEndpoints: drop ip's lease and rewrite the Endpoints without it (graceful shutdown). */
  removeEndpoints(serviceName: string, ip: string, ports: readonly EndpointPort[]): Promise<void> {
    return this.#serialized(async () => {
      await this.#leases.removeLease(ip);
      await this.#doReconcile(serviceName, ports, true);
    });
  }

  /** StopReconciling: no more lease renewals or rewrites, except removeEndpoints. */
  stopReconciling(): void {
    this.#stopped = true;
  }

  async #doReconcile(serviceName: string, ports: readonly EndpointPort[], reconcilePorts: boolean): Promise<void> {
    const namespace = 'default';
    const existing = await this.#adapter.get(namespace, serviceName);
    const shouldCreate = existing === null;
    const e: Endpoints = existing ? structuredClone(existing) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: serviceName, namespace } };
    const ips = await this.#leases.listLeases();
    // Our own lease was just renewed: no lease at all means storage is wrong; keep the endpoints as they are.
    // When stopping, the last API server still goes on to remove itself.
    if (!this.#stopped && ips.length === 0) {
      throw new Error('no API server IP addresses were listed in storage, refusing to erase all endpoints for the kubernetes Service');
    }
    const labels = (e.metadata.labels ??= {});
    const skipMirrorChanged = labels[LABEL_SKIP_MIRROR] !== 'true';
    labels[LABEL_SKIP_MIRROR] = 'true';
    const { formatCorrect, ipsCorrect, portsCorrect } = checkEndpointSubsetFormatWithLease(e, ips, ports, reconcilePorts);
    if (!skipMirrorChanged && formatCorrect && ipsCorrect && portsCorrect) {
      await this.#adapter.ensureEndpointSliceFromEndpoints(namespace, e);
      return;
    }
    if (!formatCorrect) e.subsets = [{ addresses: [], ports: ports.map((p) => ({ ...p })) }];
    if (!formatCorrect || !ipsCorrect) {
      const first = e.subsets?.[0] ?? {};
      first.addresses = ips.map((ip) => ({ ip }));
      e.subsets = repackSubsets([first, ...(e.subsets ?? []).slice(1)]);
    }
    const subset = e.subsets?.[0];
    if (subset && !portsCorrect) subset.ports = ports.map((p) => ({ ...p }));
    if (!e.subsets || e.subsets.length === 0) delete e.subsets;
    if (existing && isDeepStrictEqual(existing, e)) return;
    log.warn('Resetting endpoints for master service', { service: serviceName, ips: ips.join(',') });
    if (shouldCreate) await this.#adapter.create(namespace, e);
    else await this.#adapter.update(namespace, e);
  }
}
