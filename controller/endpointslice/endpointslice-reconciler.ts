/**
 * The EndpointSlice reconciler (k8s.io/endpointslice reconciler.go + utils.go): turns the pods selected by a
 * Service into the fewest EndpointSlice writes.
 *
 * Per address type the Service supports (spec.ipFamilies; else the ClusterIP's family; a headless Service
 * without families gets both), pods are grouped by the ports they resolve to (a named targetPort resolves per
 * pod, so pods that resolve differently land in different slices). Per port group (reconcileByPortMapping):
 * 1. existing slices keep the endpoints still desired (updated in place when an attribute changed) and lose
 *    the rest; a slice left empty is deleted; a slice whose Service labels drifted is updated;
 * 2. the remaining desired endpoints fill the slices already being updated, fullest first;
 * 3. what is left goes into the unchanged slice it fits best (getSliceToFill), else into new slices of at
 *    most maxEndpointsPerSlice.
 * A Service with no endpoints keeps one empty placeholder slice. finalize() turns creates into updates of
 * slices that would otherwise be deleted, skips creates while the Service is being deleted, and stamps the
 * last-change-trigger-time annotation on every created or updated slice.
 */
import type { Node, ObjectReference, Pod, Service } from '../../shared/api/core-v1.ts';
import {
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  type AddressType,
  type Endpoint,
  type EndpointPort,
  type EndpointSlice,
} from '../../shared/api/discovery-v1.ts';
import { deepCopy, type OwnerReference } from '../../shared/api/meta.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import type { Lister } from '../../shared/cache/lister.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { rfc3339Nano } from '../framework/time-format.ts';
import type { EndpointSliceTracker } from './endpointslice-tracker.ts';
import {
  aggregateErrors,
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  findPort,
  isIPv6,
  isNamespaceTerminating,
  isServiceIPSet,
  LABEL_HEADLESS_SERVICE,
  LABEL_TOPOLOGY_ZONE,
  podIPsOf,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpointslice-util.ts';

interface EndpointMeta {
  ports: EndpointPort[];
  addressType: AddressType;
}

export interface EndpointSliceReconcilerOptions {
  clientset: Clientset;
  nodes: Lister<Node>;
  /** @default 100 */
  maxEndpointsPerSlice?: number;
  tracker: EndpointSliceTracker;
  /** The managed-by label value of the slices this reconciler owns. */
  controllerName: string;
  log?: Logger;
}

export class EndpointSliceReconciler {
  readonly controllerName: string;
  readonly #clientset: Clientset;
  readonly #nodes: Lister<Node>;
  readonly #max: number;
  readonly #tracker: EndpointSliceTracker;
  readonly #log: Logger;

  constructor(options: EndpointSliceReconcilerOptions) {
    this.#clientset = options.clientset;
    this.#nodes = options.nodes;
    this.#max = options.maxEndpointsPerSlice ?? 100;
    this.#tracker = options.tracker;
    this.controllerName = options.controllerName;
    this.#log = (options.log ?? rootLog).with({ component: 'endpointslice-reconciler' });
  }

  /** True when the slice carries this controller's managed-by label. */
  managedByController(slice: EndpointSlice): boolean {
    return slice.metadata.labels?.[LABEL_MANAGED_BY] === this.controllerName;
  }

  /**
   * Creates, updates and deletes the Service's slices so they show exactly `pods`. `existingSlices` are the
   * cached slices labelled for this Service and controller (read-only). Throws the aggregate of what failed;
   * what could be written was written.
   */
  async reconcile(service: Service, pods: readonly Pod[], existingSlices: readonly EndpointSlice[], triggerTimeMs: number | undefined): Promise<void> {
    const errs: unknown[] = [];
    const supported = addressTypesForService(service);
    const toDelete: EndpointSlice[] = [];
    const byType = new Map<AddressType, EndpointSlice[]>();
    for (const s of existingSlices) {
      if (!supported.has(s.addressType)) {
        toDelete.push(s);
        continue;
      }
      const list = byType.get(s.addressType) ?? [];
      list.push(s);
      byType.set(s.addressType, list);
    }
    for (const addressType of supported) {
      try {
        await this.#reconcileByAddressType(service, pods, byType.get(addressType) ?? [], triggerTimeMs, addressType);
      } catch (err) {
        errs.push(err);
      }
    }
    for (const s of toDelete) {
      try {
        await this.#deleteEndpointSlice(service, s);
      } catch (err) {
        errs.push(new Error(`error deleting ${s.metadata.name ?? ''} EndpointSlice for Service ${service.metadata.namespace}/${service.metadata.name}: ${(err as Error).message}`));
      }
    }
    const agg = aggregateErrors(errs);
    if (agg) throw agg;
  }

  async #deleteEndpointSlice(service: Service, slice: EndpointSlice): Promise<void> {
    try {
      await this.#clientset.endpointSlices.delete(service.metadata.namespace ?? '', slice.metadata.name ?? '');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    this.#tracker.expectDeletion(slice);
  }

  async #reconcileByAddressType(service: Service, pods: readonly Pod[], existingSlices: EndpointSlice[], triggerTimeMs: number | undefined, addressType: AddressType): Promise<void> {
    const errs: unknown[] = [];
    const slicesToCreate: EndpointSlice[] = [];
    const slicesToUpdate: EndpointSlice[] = [];
    let slicesToDelete: EndpointSlice[] = [];

    const existingByPortMap = new Map<string, EndpointSlice[]>();
    for (const s of existingSlices) {
      if (ownedBy(s, service)) {
        const k = portMapKey(s.ports ?? []);
        const list = existingByPortMap.get(k) ?? [];
        list.push(s);
        existingByPortMap.set(k, list);
      } else {
        slicesToDelete.push(s);
      }
    }

    const desiredMeta = new Map<string, EndpointMeta>();
    const desiredEndpoints = new Map<string, EndpointSet>();
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports = endpointPortsFor(service, pod, this.#log);
      const k = portMapKey(ports);
      if (!desiredEndpoints.has(k)) desiredEndpoints.set(k, new EndpointSet());
      if (!desiredMeta.has(k)) desiredMeta.set(k, { addressType, ports });
      const nodeName = pod.spec.nodeName ?? '';
      const node = this.#nodes.get(nodeName);
      if (!node && !service.spec?.publishNotReadyAddresses) {
        // A pod naming a node that does not exist: left out, and the Service retried, so the slice does not
        // keep a pod the pod GC is about to remove (upstream).
        this.#log.info('Skipping Pod for Service, Node not found', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, service: `${service.metadata.namespace}/${service.metadata.name}`, node: nodeName });
        errs.push(new Error(`skipping Pod ${pod.metadata.name ?? ''} for Service ${service.metadata.namespace}/${service.metadata.name}: Node ${nodeName} Not Found`));
        continue;
      }
      const ep = podToEndpoint(pod, node, service, addressType);
      if (ep.addresses.length > 0) desiredEndpoints.get(k)?.insert(ep);
    }

    for (const [k, desired] of desiredEndpoints) {
      const r = this.#reconcileByPortMapping(service, existingByPortMap.get(k) ?? [], desired, desiredMeta.get(k) as EndpointMeta);
      slicesToCreate.push(...r.toCreate);
      slicesToUpdate.push(...r.toUpdate);
      slicesToDelete.push(...r.toDelete);
    }
    // Port groups no longer desired go entirely.
    for (const [k, slices] of existingByPortMap) if (!desiredEndpoints.has(k)) slicesToDelete.push(...slices);

    // A Service with no endpoints keeps one empty placeholder slice.
    if (existingSlices.length === slicesToDelete.length && slicesToCreate.length < 1) {
      const placeholder = newEndpointSlice(service, { ports: [], addressType }, this.controllerName);
      const only = slicesToDelete[0];
      if (slicesToDelete.length === 1 && only && placeholderEqual(only, placeholder)) slicesToDelete = [];
      else slicesToCreate.push(placeholder);
    }

    try {
      await this.#finalize(service, slicesToCreate, slicesToUpdate, slicesToDelete, triggerTimeMs);
    } catch (err) {
      errs.push(err);
    }
    const agg = aggregateErrors(errs);
    if (agg) throw agg;
  }

  #reconcileByPortMapping(service: Service, existingSlices: EndpointSlice[], desired: EndpointSet, meta: EndpointMeta): { toCreate: EndpointSlice[]; toUpdate: EndpointSlice[]; toDelete: EndpointSlice[] } {
    const byName = new Map<string, EndpointSlice>();
    const unchanged = new Set<string>();
    const toUpdateNames = new Set<string>();
    const toDeleteNames = new Set<string>();

    // 1. Keep desired endpoints in the slices that have them; drop the rest.
    for (const existing of existingSlices) {
      const name = existing.metadata.name ?? '';
      byName.set(name, existing);
      const kept: Endpoint[] = [];
      let endpointUpdated = false;
      for (const ep of existing.endpoints ?? []) {
        const got = desired.get(ep);
        if (got) {
          kept.push(got);
          if (!endpointsEqualBeyondHash(got, ep)) endpointUpdated = true;
          desired.delete(ep);
        }
      }
      const [labels, labelsChanged] = endpointSliceLabels(existing, service, this.controllerName);
      if (endpointUpdated || (existing.endpoints ?? []).length !== kept.length) {
        if (kept.length === 0) {
          toDeleteNames.add(name);
        } else {
          const copy = deepCopy(existing);
          copy.endpoints = kept;
          copy.metadata.labels = labels;
          byName.set(name, copy);
          toUpdateNames.add(name);
        }
      } else if (labelsChanged) {
        const copy = deepCopy(existing);
        copy.endpoints = copy.endpoints ?? [];
        copy.metadata.labels = labels;
        byName.set(name, copy);
        toUpdateNames.add(name);
      } else {
        unchanged.add(name);
      }
    }

    // 2. Fill the slices being updated anyway, fullest first.
    if (desired.size > 0 && toUpdateNames.size > 0) {
      const slices = [...toUpdateNames].map((n) => byName.get(n) as EndpointSlice);
      slices.sort((a, b) => b.endpoints.length - a.endpoints.length);
      for (const s of slices) {
        while (desired.size > 0 && s.endpoints.length < this.#max) s.endpoints.push(desired.popAny() as Endpoint);
      }
    }

    // 3. The rest: into the unchanged slice that fits them best, else into new slices.
    const toCreate: EndpointSlice[] = [];
    while (desired.size > 0) {
      let fill: EndpointSlice | undefined;
      if (desired.size < this.#max && unchanged.size > 0) {
        const candidate = sliceToFill([...unchanged].map((n) => byName.get(n) as EndpointSlice), desired.size, this.#max);
        if (candidate) {
          fill = deepCopy(candidate);
          fill.endpoints = fill.endpoints ?? [];
          byName.set(fill.metadata.name ?? '', fill);
        }
      }
      if (!fill) fill = newEndpointSlice(service, meta, this.controllerName);
      while (desired.size > 0 && fill.endpoints.length < this.#max) fill.endpoints.push(desired.popAny() as Endpoint);
      if (fill.metadata.name) {
        toUpdateNames.add(fill.metadata.name);
        unchanged.delete(fill.metadata.name);
      } else {
        toCreate.push(fill);
      }
    }
    return {
      toCreate,
      toUpdate: [...toUpdateNames].map((n) => byName.get(n) as EndpointSlice),
      toDelete: [...toDeleteNames].map((n) => byName.get(n) as EndpointSlice),
    };
  }

  async #finalize(service: Service, toCreate: EndpointSlice[], toUpdate: EndpointSlice[], toDelete: EndpointSlice[], triggerTimeMs: number | undefined): Promise<void> {
    const ns = service.metadata.namespace ?? '';
    const svcName = `${ns}/${service.metadata.name ?? ''}`;
    // Creates become updates of slices that would otherwise be deleted (same address type, owned by this
    // Service: never one left over from an old Service of the same name that the GC is removing).
    for (let i = 0; i < toDelete.length;) {
      const last = toCreate[toCreate.length - 1];
      if (!last) break;
      const del = toDelete[i] as EndpointSlice;
      if (del.addressType === last.addressType && ownedBy(del, service)) {
        last.metadata.name = del.metadata.name ?? '';
        if (del.metadata.resourceVersion) last.metadata.resourceVersion = del.metadata.resourceVersion;
        toCreate.pop();
        toUpdate.push(last);
        toDelete.splice(i, 1);
      } else {
        i++;
      }
    }

    // No new slices for a Service being deleted: the garbage collector would race with them.
    if (!service.metadata.deletionTimestamp) {
      for (const slice of toCreate) {
        setTriggerTime(slice, triggerTimeMs);
        let created: EndpointSlice;
        try {
          created = await this.#clientset.endpointSlices.create(slice);
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          throw new Error(`failed to create EndpointSlice for Service ${svcName}: ${(err as Error).message}`);
        }
        this.#tracker.update(created);
      }
    }
    for (const slice of toUpdate) {
      setTriggerTime(slice, triggerTimeMs);
      let updated: EndpointSlice;
      try {
        updated = await this.#clientset.endpointSlices.update(slice);
      } catch (err) {
        throw new Error(`failed to update ${slice.metadata.name ?? ''} EndpointSlice for Service ${svcName}: ${(err as Error).message}`);
      }
      this.#tracker.update(updated);
    }
    for (const slice of toDelete) {
      try {
        await this.#deleteEndpointSlice(service, slice);
      } catch (err) {
        throw new Error(`failed to delete ${slice.metadata.name ?? ''} EndpointSlice for Service ${svcName}: ${(err as Error).message}`);
      }
    }
  }
}

// ---- pure helpers (utils.go) ----

/** The identity of an endpoint within a slice: its addresses, hostname and target pod (endpointset.go). */
export function endpointHash(ep: Endpoint): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** A set of endpoints keyed by endpointHash; popAny takes them in insertion order. */
export class EndpointSet {
  readonly #items = new Map<string, Endpoint>();
  get size(): number {
    return this.#items.size;
  }
  insert(ep: Endpoint): void {
    this.#items.set(endpointHash(ep), ep);
  }
  get(ep: Endpoint): Endpoint | undefined {
    return this.#items.get(endpointHash(ep));
  }
  delete(ep: Endpoint): void {
    this.#items.delete(endpointHash(ep));
  }
  popAny(): Endpoint | undefined {
    for (const [k, ep] of this.#items) {
      this.#items.delete(k);
      return ep;
    }
    return undefined;
  }
}

/** The group key of a set of slice ports, independent of their order (NewPortMapKey). */
export function portMapKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify(ports.map((p) => JSON.stringify([p.name ?? '', p.protocol ?? 'TCP', p.port ?? null, p.appProtocol ?? null])).sort());
}

function refsEqualIgnoringResourceVersion(a: ObjectReference | undefined, b: ObjectReference | undefined): boolean {
  if (!a || !b) return a === b;
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && a.uid === b.uid && a.apiVersion === b.apiVersion && a.fieldPath === b.fieldPath;
}

/** EndpointsEqualBeyondHash: node, zone, the three conditions and the target (its resourceVersion aside). */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    refsEqualIgnoringResourceVersion(a.targetRef, b.targetRef)
  );
}

/**
 * podToEndpoint: serving = the pod is Ready; terminating = it has a deletionTimestamp; ready = serving and
 * not terminating, or publishNotReadyAddresses. Zone from the node's topology.kubernetes.io/zone label;
 * hostname when the pod's subdomain is this Service.
 */
export function podToEndpoint(pod: Pod, node: Node | undefined, service: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata.deletionTimestamp);
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPsOf(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, service)) ep.hostname = pod.spec.hostname as string;
  return ep;
}

/** getEndpointPorts: the Service's ports as this pod resolves them; ports the pod lacks are left out. */
export function endpointPortsFor(service: Service, pod: Pod, log?: Logger): EndpointPort[] {
  const out: EndpointPort[] = [];
  const ports = service.spec?.ports ?? [];
  if (ports.length === 0 && service.spec?.clusterIP === 'None') return out;
  for (const sp of ports) {
    let port: number;
    try {
      port = findPort(pod, sp);
    } catch (err) {
      log?.debug('Failed to find port for service', { service: `${service.metadata.namespace}/${service.metadata.name}`, err });
      continue;
    }
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** getAddressTypesForService: from spec.ipFamilies; else the ClusterIP's family; a headless one gets both. */
export function addressTypesForService(service: Service): Set<AddressType> {
  const out = new Set<AddressType>();
  for (const f of service.spec?.ipFamilies ?? []) out.add(f === 'IPv6' ? 'IPv6' : 'IPv4');
  if (out.size > 0) return out;
  const ip = service.spec?.clusterIP ?? '';
  if (ip && ip !== 'None') return new Set([isIPv6(ip) ? 'IPv6' : 'IPv4']);
  return new Set<AddressType>(['IPv4', 'IPv6']);
}

/** ownedBy: the slice has an owner reference to this Service (by uid). */
export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === service.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

const isReservedLabel = (k: string): boolean => k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === LABEL_HEADLESS_SERVICE;

/**
 * setEndpointSliceLabels: the Service's labels (reserved keys aside) plus the headless label, the
 * service-name label and the managed-by label; and whether the non-reserved labels differ from the slice's.
 */
export function endpointSliceLabels(slice: EndpointSlice, service: Service, controllerName: string): [Record<string, string>, boolean] {
  const sliceLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice.metadata.labels ?? {})) if (!isReservedLabel(k)) sliceLabels[k] = v;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.labels ?? {})) if (!isReservedLabel(k)) out[k] = v;
  const a = Object.keys(sliceLabels);
  const changed = a.length !== Object.keys(out).length || a.some((k) => sliceLabels[k] !== out[k]);
  if (!isServiceIPSet(service)) out[LABEL_HEADLESS_SERVICE] = '';
  out[LABEL_SERVICE_NAME] = service.metadata.name ?? '';
  out[LABEL_MANAGED_BY] = controllerName;
  return [out, changed];
}

/** The generateName of a Service's slices: `<service>-` (the bare name if the dash would make it too long). */
export function endpointSlicePrefix(serviceName: string): string {
  return serviceName.length + 1 > 253 ? serviceName : `${serviceName}-`;
}

/** A new slice for the Service: generateName, labels, a controller owner reference, no endpoints yet. */
export function newEndpointSlice(service: Service, meta: EndpointMeta, controllerName: string): EndpointSlice {
  const owner: OwnerReference = { apiVersion: 'v1', kind: 'Service', name: service.metadata.name ?? '', uid: service.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: endpointSlicePrefix(service.metadata.name ?? ''), namespace: service.metadata.namespace ?? '', labels: {}, ownerReferences: [owner] },
    addressType: meta.addressType,
    endpoints: [],
    ports: meta.ports,
  };
  slice.metadata.labels = endpointSliceLabels(slice, service, controllerName)[0];
  return slice;
}

/** getSliceToFill: the slice that ends closest to full with n more endpoints (none if none has room). */
export function sliceToFill(slices: readonly EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (n + (s.endpoints ?? []).length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) return closest;
    }
  }
  return closest;
}

/** placeholderSliceCompare: same namespace, labels, owners, address type, and no ports or endpoints. */
function placeholderEqual(a: EndpointSlice, placeholder: EndpointSlice): boolean {
  const la = a.metadata.labels ?? {};
  const lb = placeholder.metadata.labels ?? {};
  const sameLabels = Object.keys(la).length === Object.keys(lb).length && Object.keys(la).every((k) => la[k] === lb[k]);
  const owners = (s: EndpointSlice) => JSON.stringify((s.metadata.ownerReferences ?? []).map((o) => [o.apiVersion, o.kind, o.name, o.uid, o.controller ?? null, o.blockOwnerDeletion ?? null]));
  return (
    (a.metadata.namespace ?? '') === (placeholder.metadata.namespace ?? '') &&
    sameLabels &&
    owners(a) === owners(placeholder) &&
    a.addressType === placeholder.addressType &&
    (a.endpoints ?? []).length === 0 &&
    (a.ports ?? []).length === 0
  );
}

/** addTriggerTimeAnnotation: set it to the trigger time, or clear it when there is none. */
function setTriggerTime(slice: EndpointSlice, triggerTimeMs: number | undefined): void {
  const annotations = slice.metadata.annotations ?? {};
  if (triggerTimeMs !== undefined) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTimeMs);
  else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  slice.metadata.annotations = annotations;
}
