import { isDeepStrictEqual } from 'node:util';
import type { EndpointAddress, Endpoints } from '../../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type AddressType, type Endpoint, type EndpointSlice } from '../../shared/api/discovery-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { isAlreadyExists, isNotFound } from '../../shared/errors/status-error.ts';
import { parseIPSloppy, isIPv4Bytes } from '../../shared/api/validation/ip.ts';
import type { GenericStore } from '../registry/generic/store.ts';

/** The field manager of the API server's own writes (its loopback client's user agent). */
export const API_SERVER_FIELD_MANAGER = 'kube-apiserver';

/**
 * The EndpointSlice kube-apiserver keeps beside an Endpoints it maintains (endpointsadapter.go
 * endpointSliceFromEndpoints): same name, label kubernetes.io/service-name=<name>, no owner, the first
 * subset's ports and its addresses as endpoints (ready ones ready, not-ready ones not), IPv4 unless every
 * address is IPv6.
 */
export function endpointSliceFromEndpoints(endpoints: Endpoints): EndpointSlice {
  const name = endpoints.metadata.name ?? '';
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: endpoints.metadata.namespace ?? 'default', labels: { [LABEL_SERVICE_NAME]: name } },
    addressType: 'IPv4',
    endpoints: [],
  };
  const subset = endpoints.subsets?.[0];
  if (!subset) return slice;
  if ((subset.ports ?? []).length > 0) {
    slice.ports = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port }));
  }
  const all = [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])];
  const type: AddressType = all.length > 0 && all.every((a) => { const ip = parseIPSloppy(a.ip); return ip !== undefined && !isIPv4Bytes(ip); }) ? 'IPv6' : 'IPv4';
  slice.addressType = type;
  const fromAddresses = (addresses: EndpointAddress[], ready: boolean): Endpoint[] =>
    addresses
      .filter((a) => {
        // getEndpointsFromAddresses keeps only addresses of the slice's family.
        const ip = parseIPSloppy(a.ip);
        return ip !== undefined && isIPv4Bytes(ip) === (type === 'IPv4');
      })
      .map((a) => ({
        addresses: [a.ip],
        conditions: { ready },
        ...(a.targetRef ? { targetRef: a.targetRef } : {}),
        ...(a.nodeName !== undefined ? { nodeName: a.nodeName } : {}),
      }));
  slice.endpoints = [...fromAddresses(subset.addresses ?? [], true), ...fromAddresses(subset.notReadyAddresses ?? [], false)];
  return slice;
}

/**
 * EndpointsAdapter (pkg/controlplane/reconcilers/endpointsadapter.go): Endpoints writes of the API server's
 * reconciler, each followed by the matching EndpointSlice. Works on the registry's stores directly (upstream
 * goes through its loopback client), so the writes pass the same strategies and admission as any client's.
 */
export class EndpointsAdapter {
  readonly #endpoints: GenericStore;
  readonly #slices: GenericStore;

  constructor(stores: { endpoints: GenericStore; endpointSlices: GenericStore }) {
    this.#endpoints = stores.endpoints;
    this.#slices = stores.endpointSlices;
  }

  /** The Endpoints, or null when absent. */
  async get(namespace: string, name: string): Promise<Endpoints | null> {
    try {
      return (await this.#endpoints.get(namespace, name)) as Endpoints;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Creates the Endpoints and its slice; one that appeared meanwhile is left for the next round. */
  async create(namespace: string, endpoints: Endpoints): Promise<void> {
    let stored: Endpoints;
    try {
      stored = (await this.#endpoints.create(namespace, endpoints, { fieldManager: API_SERVER_FIELD_MANAGER })) as Endpoints;
    } catch (e) {
      if (isAlreadyExists(e)) return;
      throw e;
    }
    await this.ensureEndpointSliceFromEndpoints(namespace, stored);
  }

  /** An update conditioned on endpoints.metadata.resourceVersion (Conflict when someone wrote in between). */
  async update(namespace: string, endpoints: Endpoints): Promise<void> {
    const name = endpoints.metadata.name ?? '';
    const { object } = await this.#endpoints.update(namespace, name, () => endpoints as KubeObject, { fieldManager: API_SERVER_FIELD_MANAGER });
    await this.ensureEndpointSliceFromEndpoints(namespace, object as Endpoints);
  }

  /** Creates, replaces (address type changed) or updates the slice when its endpoints, ports or labels differ. */
  async ensureEndpointSliceFromEndpoints(namespace: string, endpoints: Endpoints): Promise<void> {
    const want = endpointSliceFromEndpoints(endpoints);
    const name = want.metadata.name ?? '';
    let current: EndpointSlice;
    try {
      current = (await this.#slices.get(namespace, name)) as EndpointSlice;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.#createSlice(namespace, want);
      return;
    }
    if (current.addressType !== want.addressType) {
      await this.#slices.delete(namespace, name, {});
      await this.#createSlice(namespace, want);
      return;
    }
    const ports = (s: EndpointSlice) => s.ports ?? [];
    if (isDeepStrictEqual(current.endpoints ?? [], want.endpoints) && isDeepStrictEqual(ports(current), ports(want)) && isDeepStrictEqual(current.metadata.labels ?? {}, want.metadata.labels)) {
      return;
    }
    // A full replacement (upstream sends the generated object with no resourceVersion: an unconditional update).
    await this.#slices.update(namespace, name, () => want as KubeObject, { fieldManager: API_SERVER_FIELD_MANAGER });
  }

  async #createSlice(namespace: string, slice: EndpointSlice): Promise<void> {
    try {
      await this.#slices.create(namespace, slice, { fieldManager: API_SERVER_FIELD_MANAGER });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
}
