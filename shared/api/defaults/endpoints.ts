/**
 * Scheme defaults of core/v1 Endpoints (pkg/apis/core/v1/defaults.go SetDefaults_EndpointPort) and
 * discovery.k8s.io/v1 EndpointSlice (pkg/apis/discovery/v1/defaults.go SetDefaults_EndpointPort).
 */
import type { EndpointSubset, Endpoints } from '../core-v1.ts';
import type { EndpointSlice } from '../discovery-v1.ts';

/** Every subset's ports get protocol TCP when they name none. */
export function defaultEndpoints(endpoints: Endpoints): Endpoints {
  for (const subset of (endpoints.subsets ?? []) as EndpointSubset[]) {
    for (const port of subset.ports ?? []) {
      if (!port.protocol) port.protocol = 'TCP';
    }
  }
  return endpoints;
}

/**
 * A port without a name gets `""` and one without a protocol `TCP`; each endpoint's conditions is a struct that
 * always encodes (as `{}`, `json:"conditions,omitempty"` on a struct omits nothing).
 */
export function defaultEndpointSlice(slice: EndpointSlice): EndpointSlice {
  for (const port of slice.ports ?? []) {
    if (port === null || typeof port !== 'object') continue;
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
  for (const ep of slice.endpoints ?? []) {
    if (ep === null || typeof ep !== 'object') continue;
    ep.conditions ??= {};
  }
  return slice;
}
