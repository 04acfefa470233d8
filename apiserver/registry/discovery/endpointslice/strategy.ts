import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Endpoint, EndpointSlice } from '../../../../shared/api/discovery-v1.ts';
import { defaultEndpointSlice } from '../../../../shared/api/defaults/endpoints.ts';
import { validateEndpointSlice, validateEndpointSliceUpdate } from '../../../../shared/api/validation/endpoint-slice.ts';
import { isDNS1123Subdomain } from '../../../../shared/api/validation/names.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** Node names a slice's endpoints carried in deprecatedTopology (getDeprecatedTopologyNodeNames). */
function deprecatedTopologyNodeNames(slice: EndpointSlice | undefined): Set<string> {
  const names = new Set<string>();
  for (const ep of slice?.endpoints ?? []) {
    const n = ep?.deprecatedTopology?.[LABEL_HOSTNAME];
    if (n) names.add(n);
  }
  return names;
}

/**
 * dropTopologyOnV1: a write through discovery.k8s.io/v1 cannot set deprecatedTopology (it is silently
 * cleared), unless an update leaves the endpoints as they were; a hostname it held for a node the old slice
 * already named moves to nodeName, so partial updates keep the node.
 */
function dropTopologyOnV1(slice: EndpointSlice, old: EndpointSlice | undefined): void {
  if (old && isDeepStrictEqual(old.endpoints, slice.endpoints)) return;
  const previous = deprecatedTopologyNodeNames(old);
  for (const ep of (slice.endpoints ?? []) as (Endpoint | null)[]) {
    if (!ep || typeof ep !== 'object') continue;
    const fromTopology = ep.deprecatedTopology?.[LABEL_HOSTNAME];
    if (ep.nodeName === undefined && fromTopology !== undefined && previous.has(fromTopology) && isDNS1123Subdomain(fromTopology).length === 0) {
      ep.nodeName = fromTopology;
    }
    delete ep.deprecatedTopology;
  }
}

/**
 * Hints for nodes (PreferSameTrafficDistribution, alpha and off in 1.32) are dropped unless the old slice
 * already carried some (dropDisabledFieldsOnCreate / OnUpdate).
 */
function dropNodeHints(slice: EndpointSlice, old: EndpointSlice | undefined): void {
  if (old?.endpoints?.some((ep) => ep?.hints?.forNodes !== undefined)) return;
  for (const ep of slice.endpoints ?? []) {
    if (ep && typeof ep === 'object' && ep.hints) delete ep.hints.forNodes;
  }
}

function prepareForCreate(obj: KubeObject): void {
  const slice = obj as EndpointSlice;
  defaultEndpointSlice(slice);
  dropNodeHints(slice, undefined);
  dropTopologyOnV1(slice, undefined);
}

/**
 * Generation moves when anything but metadata changes (the store bumps it for that: tracksGeneration) and,
 * for EndpointSlices only, when the labels change: consumers key on kubernetes.io/service-name.
 */
function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  const slice = obj as EndpointSlice;
  const oldSlice = old as EndpointSlice;
  defaultEndpointSlice(slice);
  if (!isDeepStrictEqual(slice.metadata.labels ?? {}, oldSlice.metadata.labels ?? {})) {
    slice.metadata.generation = (oldSlice.metadata.generation ?? 0) + 1;
  }
  dropNodeHints(slice, oldSlice);
  dropTopologyOnV1(slice, oldSlice);
}

/**
 * pkg/registry/discovery/endpointslice/strategy.go: generation starts at 1, ports default to name "" and
 * protocol TCP, addressType is immutable; POST creates, PUT needs no resourceVersion.
 */
export const endpointSliceStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate,
  validate: validateEndpointSlice,
  prepareForUpdate,
  validateUpdate: validateEndpointSliceUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  tracksGeneration: true,
};
