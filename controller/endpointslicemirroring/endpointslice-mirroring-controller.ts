/**
 * The endpointslicemirroring controller (kube-controller-manager pkg/controller/endpointslicemirroring):
 * mirrors the Endpoints of Services without a selector (written by hand or by another controller) into
 * EndpointSlices, so that consumers reading only slices (the service proxy, cluster DNS) see them too.
 *
 * Keyed by Endpoints (`namespace/name`, the Service's name). An Endpoints object is mirrored when it has no
 * `endpointslice.kubernetes.io/skip-mirror: "true"` label and no leader-election annotation, and a Service of
 * that name exists without a selector; otherwise its mirrored slices are deleted. Its subsets are repacked,
 * then each (address type, ports) group becomes one slice of at most --mirroring-max-endpoints-per-subset
 * endpoints (the rest is skipped with a TooManyAddressesToMirror event; addresses that are not IPs give an
 * InvalidIPAddress event). A mirrored slice copies the Endpoints' labels and annotations (but the trigger-time
 * and last-applied ones), is owned by the Endpoints, and is rewritten only when its endpoints, labels or
 * annotations differ.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointAddress, EndpointPort as CoreEndpointPort, Endpoints, Service } from '../../shared/api/core-v1.ts';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, type AddressType, type Endpoint, type EndpointPort, type EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { repackSubsets } from '../../shared/api/repack-subsets.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { splitMetaNamespaceKey, unwrapTombstone } from '../../shared/cache/store.ts';
import { endpointSlicesResource, endpointsResource, servicesResource, type Clientset } from '../../shared/client/clientset.ts';
import { errorMessage } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from '../../shared/workqueue/rate-limiter.ts';
import { Controller } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { namespacedKey } from '../framework/handlers.ts';
import { endpointSlicePrefix, endpointsEqualBeyondHash, EndpointSet, portMapKey } from '../endpointslice/endpointslice-reconciler.ts';
import { EndpointSliceTracker } from '../endpointslice/endpointslice-tracker.ts';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME, isNamespaceTerminating } from '../endpointslice/endpointslice-util.ts';

/** The managed-by value of mirrored slices. */
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface EndpointSliceMirroringControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** Component `endpoint-slice-mirroring-controller`. */
  recorder: EventRecorder;
  /** --mirroring-max-endpoints-per-subset. @default 1000 */
  maxEndpointsPerSubset?: number;
  /** --mirroring-endpointslice-updates-batch-period: delay of syncs caused by slice changes. @default 0 */
  endpointUpdatesBatchPeriodMs?: number;
  /** --mirroring-concurrent-service-endpoint-syncs. @default 5 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

/** shouldMirror: no skip-mirror label, no leader-election record. */
function shouldMirror(ep: Endpoints | undefined): boolean {
  if (!ep) return false;
  return ep.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true' && ep.metadata.annotations?.[LEADER_ANNOTATION] === undefined;
}

/** ParseIPSloppy + String(): the canonical spelling of an IP and its family, or undefined for a non-IP. */
export function canonicalIP(raw: string): { ip: string; addressType: AddressType } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(raw);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((n) => n > 255)) return undefined;
    return { ip: parts.join('.'), addressType: 'IPv4' };
  }
  if (!isIPv6(raw)) return isIPv4(raw) ? { ip: raw, addressType: 'IPv4' } : undefined;
  const canonical = new URL(`http://[${raw}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const hi = parseInt(mapped[1] as string, 16);
    const lo = parseInt(mapped[2] as string, 16);
    return { ip: [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'), addressType: 'IPv4' };
  }
  return { ip: canonical, addressType: 'IPv6' };
}

/** addressToEndpoint: the address as a slice endpoint (only `ready` among the conditions). */
function addressToEndpoint(address: EndpointAddress, ip: string, ready: boolean): Endpoint {
  const ep: Endpoint = { addresses: [ip], conditions: { ready } };
  if (address.targetRef) ep.targetRef = { ...address.targetRef };
  if (address.nodeName !== undefined) ep.nodeName = address.nodeName;
  if (address.hostname) ep.hostname = address.hostname;
  return ep;
}

function epPortsToSlicePorts(ports: readonly CoreEndpointPort[] | undefined): EndpointPort[] {
  return (ports ?? []).map((p) => {
    const out: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
    return out;
  });
}

function withoutKeys(m: Record<string, string> | undefined, ...keys: string[]): Record<string, string> {
  const out = { ...(m ?? {}) };
  for (const k of keys) delete out[k];
  return out;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export class EndpointSliceMirroringController {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #log: Logger;
  readonly #max: number;
  readonly #batchMs: number;
  readonly #endpoints: SharedIndexInformer<Endpoints>;
  readonly #slices: SharedIndexInformer<EndpointSlice>;
  readonly #services: SharedIndexInformer<Service>;
  readonly #tracker = new EndpointSliceTracker();

  constructor(options: EndpointSliceMirroringControllerOptions) {
    const clock = options.clock ?? realClock;
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#log = (options.log ?? rootLog).with({ controller: 'endpointslicemirroring' });
    this.#max = options.maxEndpointsPerSubset ?? 1000;
    this.#batchMs = Math.max(0, options.endpointUpdatesBatchPeriodMs ?? 0);
    const f = options.informerFactory;
    this.#endpoints = f.informerFor<Endpoints>(endpointsResource);
    this.#slices = f.informerFor<EndpointSlice>(endpointSlicesResource);
    this.#services = f.informerFor<Service>(servicesResource);
    this.controller = new Controller({
      name: 'endpointslicemirroring',
      reconciler: { reconcile: (key) => this.syncEndpoints(key) },
      workers: options.workers ?? 5,
      clock,
      log: this.#log,
      // Upstream: 1 s doubling to 100 s per Endpoints, 10 qps / 100 burst overall.
      rateLimiter: new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(1000, 100_000), new BucketRateLimiter<string>(10, 100, clock)),
    });

    this.#endpoints.addEventHandler({
      onAdd: (ep) => {
        if (shouldMirror(ep)) this.controller.enqueue(namespacedKey(ep));
      },
      onUpdate: (prev, ep) => {
        if (shouldMirror(ep) || shouldMirror(prev)) this.controller.enqueue(namespacedKey(ep));
      },
      onDelete: (obj) => {
        const ep = unwrapTombstone(obj);
        if (shouldMirror(ep)) this.controller.enqueue(namespacedKey(ep));
      },
    });
    this.#services.addEventHandler({
      onAdd: (svc) => {
        if (!svc.spec?.selector) this.controller.enqueue(namespacedKey(svc));
      },
      onUpdate: (prev, svc) => {
        if (!prev.spec?.selector !== !svc.spec?.selector) this.controller.enqueue(namespacedKey(svc));
      },
      onDelete: (obj) => {
        const svc = unwrapTombstone(obj);
        if (!svc.spec?.selector) this.controller.enqueue(namespacedKey(svc));
      },
    });
    const managed = (s: EndpointSlice) => s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME;
    this.#slices.addEventHandler({
      onAdd: (s) => {
        if (managed(s) && this.#tracker.shouldSync(s)) this.#queueForSlice(s);
      },
      onUpdate: (prev, s) => {
        if ((s.metadata.labels?.[LABEL_SERVICE_NAME] ?? '') !== (prev.metadata.labels?.[LABEL_SERVICE_NAME] ?? '')) {
          this.#queueForSlice(s);
          this.#queueForSlice(prev);
          return;
        }
        if (managed(prev) !== managed(s) || (managed(s) && this.#tracker.shouldSync(s))) this.#queueForSlice(s);
      },
      onDelete: (obj) => {
        const s = unwrapTombstone(obj);
        if (managed(s) && this.#tracker.has(s) && !this.#tracker.handleDeletion(s)) this.#queueForSlice(s);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const hasSynced = [this.#endpoints, this.#slices, this.#services].map((i) => () => i.hasSynced());
    await this.controller.run(signal, { hasSynced });
  }

  #queueForSlice(s: EndpointSlice): void {
    const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!name) return;
    const key = `${s.metadata.namespace ?? ''}/${name}`;
    if (this.#batchMs > 0) this.controller.enqueueAfter(key, this.#batchMs);
    else this.controller.enqueue(key);
  }

  #mirroredSlices(namespace: string, name: string): EndpointSlice[] {
    return this.#slices.lister.namespace(namespace).list((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name && s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME);
  }

  async #deleteMirroredSlices(namespace: string, name: string): Promise<void> {
    this.#tracker.deleteService(namespace, name);
    const slices = this.#mirroredSlices(namespace, name);
    const errs: unknown[] = [];
    for (const s of slices) {
      try {
        await this.#clientset.endpointSlices.delete(namespace, s.metadata.name ?? '');
      } catch (err) {
        errs.push(err);
      }
    }
    if (errs.length > 0) throw new Error(`error(s) deleting ${errs.length}/${slices.length} EndpointSlices for ${namespace}/${name} Endpoints, including: ${errorMessage(errs[0])}`);
  }

  async syncEndpoints(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const endpoints = this.#endpoints.lister.get(key);
    if (!endpoints || !shouldMirror(endpoints)) return this.#deleteMirroredSlices(namespace, name);
    const svc = this.#services.lister.get(key);
    // No Service, or a Service with a selector (the endpointslice controller's): nothing to mirror.
    if (!svc || svc.spec?.selector) return this.#deleteMirroredSlices(namespace, name);
    const existing = this.#mirroredSlices(namespace, name);
    if (this.#tracker.staleSlices(svc, existing)) throw new Error('EndpointSlice informer cache is out of date');
    await this.#reconcile(endpoints, existing);
  }

  async #reconcile(endpoints: Endpoints, existingSlices: EndpointSlice[]): Promise<void> {
    // Desired state: per (address type, ports) key, a set of endpoints.
    const desired = new Map<string, { ports: EndpointPort[]; addressType: AddressType; set: EndpointSet }>();
    let invalid = 0;
    let skipped = 0;
    for (const subset of repackSubsets(endpoints.subsets)) {
      const ports = epPortsToSlicePorts(subset.ports);
      const keyFor = (t: AddressType) => `${t}-${portMapKey(ports)}`;
      for (const t of ['IPv4', 'IPv6'] as const) if (!desired.has(keyFor(t))) desired.set(keyFor(t), { ports, addressType: t, set: new EndpointSet() });
      const total = (subset.addresses ?? []).length + (subset.notReadyAddresses ?? []).length;
      let added = 0;
      const add = (a: EndpointAddress, ready: boolean) => {
        if (added >= this.#max) return;
        const c = canonicalIP(a.ip);
        if (!c) {
          invalid++;
          this.#log.info('Address in Endpoints is not a valid IP, it will not be mirrored to an EndpointSlice', { endpoints: namespacedKey(endpoints), ip: a.ip });
          return;
        }
        desired.get(keyFor(c.addressType))?.set.insert(addressToEndpoint(a, c.ip, ready));
        added++;
      };
      for (const a of subset.addresses ?? []) add(a, true);
      for (const a of subset.notReadyAddresses ?? []) add(a, false);
      skipped += total - added;
    }
    if (invalid > 0) this.#recorder.event(endpoints, 'Warning', 'InvalidIPAddress', `Skipped ${invalid} invalid IP addresses when mirroring to EndpointSlices`);
    if (skipped > invalid) {
      this.#recorder.event(endpoints, 'Warning', 'TooManyAddressesToMirror', `A max of ${this.#max} addresses can be mirrored to EndpointSlices per Endpoints subset. ${skipped} addresses were skipped`);
    }

    const existingByKey = new Map<string, EndpointSlice[]>();
    for (const s of existingSlices) {
      const k = `${s.addressType}-${portMapKey(s.ports ?? [])}`;
      existingByKey.set(k, [...(existingByKey.get(k) ?? []), s]);
    }
    const toCreate: EndpointSlice[] = [];
    const toUpdate: EndpointSlice[] = [];
    const toDelete: EndpointSlice[] = [];
    for (const [k, d] of desired) {
      const existing = existingByKey.get(k) ?? [];
      if (d.set.size === 0) {
        toDelete.push(...existing);
        continue;
      }
      const first = existing[0];
      if (first) {
        toDelete.push(...existing.slice(1));
        const wantAnnotations = withoutKeys(endpoints.metadata.annotations, ANNOTATION_LAST_CHANGE_TRIGGER_TIME, LAST_APPLIED_ANNOTATION);
        const haveLabels = withoutKeys(first.metadata.labels, LABEL_MANAGED_BY, LABEL_SERVICE_NAME);
        if (sliceMatches(first, d.set) && sameMap(endpoints.metadata.labels ?? {}, haveLabels) && sameMap(wantAnnotations, first.metadata.annotations ?? {})) continue;
      }
      const slice = this.#newSlice(endpoints, d.ports, d.addressType, first?.metadata.name);
      while (d.set.size > 0 && slice.endpoints.length < this.#max) slice.endpoints.push(d.set.popAny() as Endpoint);
      if (first) {
        if (first.metadata.resourceVersion) slice.metadata.resourceVersion = first.metadata.resourceVersion;
        toUpdate.push(slice);
      } else {
        toCreate.push(slice);
      }
    }
    for (const [k, slices] of existingByKey) if (!desired.has(k)) toDelete.push(...slices);

    // recycleSlices: creates become updates of slices of the same address type marked for deletion.
    for (const t of ['IPv4', 'IPv6'] as const) {
      const creates = toCreate.filter((s) => s.addressType === t);
      const deletes = toDelete.filter((s) => s.addressType === t);
      for (let i = 0; i < creates.length && i < deletes.length; i++) {
        const c = creates[i] as EndpointSlice;
        const d = deletes[i] as EndpointSlice;
        toCreate.splice(toCreate.indexOf(c), 1);
        toDelete.splice(toDelete.indexOf(d), 1);
        c.metadata.name = d.metadata.name ?? '';
        delete c.metadata.generateName;
        if (d.metadata.resourceVersion) c.metadata.resourceVersion = d.metadata.resourceVersion;
        toUpdate.push(c);
      }
    }
    await this.#finalize(endpoints, toCreate, toUpdate, toDelete);
  }

  #newSlice(endpoints: Endpoints, ports: EndpointPort[], addressType: AddressType, name: string | undefined): EndpointSlice {
    const labels: Record<string, string> = { ...(endpoints.metadata.labels ?? {}) };
    labels[LABEL_SERVICE_NAME] = endpoints.metadata.name ?? '';
    labels[LABEL_MANAGED_BY] = MIRRORING_CONTROLLER_NAME;
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        namespace: endpoints.metadata.namespace ?? '',
        labels,
        annotations: withoutKeys(endpoints.metadata.annotations, ANNOTATION_LAST_CHANGE_TRIGGER_TIME, LAST_APPLIED_ANNOTATION),
        ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: endpoints.metadata.name ?? '', uid: endpoints.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      addressType,
      endpoints: [],
      ports,
    };
    if (name) slice.metadata.name = name;
    else slice.metadata.generateName = endpointSlicePrefix(endpoints.metadata.name ?? '');
    return slice;
  }

  async #finalize(endpoints: Endpoints, toCreate: EndpointSlice[], toUpdate: EndpointSlice[], toDelete: EndpointSlice[]): Promise<void> {
    const ns = endpoints.metadata.namespace ?? '';
    const id = `${ns}/${endpoints.metadata.name ?? ''}`;
    if (!endpoints.metadata.deletionTimestamp) {
      for (const s of toCreate) {
        let created: EndpointSlice;
        try {
          created = await this.#clientset.endpointSlices.create(s);
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          throw new Error(`failed to create EndpointSlice for Endpoints ${id}: ${errorMessage(err)}`);
        }
        this.#tracker.update(created);
      }
    }
    for (const s of toUpdate) {
      let updated: EndpointSlice;
      try {
        updated = await this.#clientset.endpointSlices.update(s);
      } catch (err) {
        throw new Error(`failed to update ${s.metadata.name ?? ''} EndpointSlice for Endpoints ${id}: ${errorMessage(err)}`);
      }
      this.#tracker.update(updated);
    }
    for (const s of toDelete) {
      try {
        await this.#clientset.endpointSlices.delete(ns, s.metadata.name ?? '');
      } catch (err) {
        throw new Error(`failed to delete ${s.metadata.name ?? ''} EndpointSlice for Endpoints ${id}: ${errorMessage(err)}`);
      }
      this.#tracker.expectDeletion(s);
    }
  }
}

/** totalChanges == 0: the slice holds exactly the desired endpoints, each unchanged. */
function sliceMatches(slice: EndpointSlice, desired: EndpointSet): boolean {
  let matched = 0;
  for (const ep of slice.endpoints ?? []) {
    const got = desired.get(ep);
    if (!got || !endpointsEqualBeyondHash(got, ep)) return false;
    matched++;
  }
  return matched === desired.size;
}
