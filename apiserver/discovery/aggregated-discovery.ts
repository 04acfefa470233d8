import { resourceRegistry, type ResourceEntry, type ResourceRegistry } from '../registry/resource-registry.ts';

/**
 * Aggregated discovery (KEP-3352): one APIGroupDiscoveryList for /api and one for /apis, built from the
 * resource registry. Types: k8s.io/api/apidiscovery/v2/types.go; contents: what
 * k8s.io/apiserver/pkg/endpoints/groupversion.go ConvertGroupVersionIntoToDiscovery makes of the
 * APIResourceList, i.e. responseKind group/version are empty unless a (sub)resource speaks another group's
 * kind, verbs sorted, resources sorted by name, freshness Current.
 *
 * The reply MUST carry the matching content type below: kubectl picks its parser by the Content-Type, and an
 * aggregated body sent as plain application/json reads as an empty APIVersions.
 */

export type AggregatedDiscoveryVersion = 'v2' | 'v2beta1';

export const AGGREGATED_DISCOVERY_V2_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_DISCOVERY_V2BETA1_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** The Content-Type header value for an aggregated document of the given version. */
export function aggregatedDiscoveryContentType(version: AggregatedDiscoveryVersion = 'v2'): string {
  return version === 'v2' ? AGGREGATED_DISCOVERY_V2_CONTENT_TYPE : AGGREGATED_DISCOVERY_V2BETA1_CONTENT_TYPE;
}

export interface DiscoveryGroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: DiscoveryGroupVersionKind;
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: DiscoveryGroupVersionKind;
  scope: 'Cluster' | 'Namespaced';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources?: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

export interface APIGroupDiscovery {
  /** `name` is omitted for the core group; Go's encoder always writes creationTimestamp (null). */
  metadata: { name?: string; creationTimestamp: null };
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: `apidiscovery.k8s.io/${AggregatedDiscoveryVersion}`;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

function byResource(a: { resource: string }, b: { resource: string }): number {
  return a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;
}

/** One resource as aggregated discovery reports it. */
export function resourceDiscoveryOf(e: ResourceEntry): APIResourceDiscovery {
  const out: APIResourceDiscovery = {
    resource: e.resource,
    responseKind: { group: '', version: '', kind: e.kind },
    scope: e.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: e.singularName,
    verbs: [...e.verbs],
  };
  if (e.shortNames.length > 0) out.shortNames = [...e.shortNames];
  if (e.categories.length > 0) out.categories = [...e.categories];
  if (e.subresources.length > 0) {
    out.subresources = e.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? '', version: s.version ?? '', kind: s.kind },
      verbs: [...s.verbs],
    }));
  }
  return out;
}

function versionDiscovery(registry: ResourceRegistry, group: string, version: string): APIVersionDiscovery {
  const resources = registry.resourcesIn(group, version).map(resourceDiscoveryOf).sort(byResource);
  // resources is omitempty: a group/version without resources has none on the wire.
  return resources.length > 0 ? { version, resources, freshness: 'Current' } : { version, freshness: 'Current' };
}

/**
 * GET /api (`root: 'api'`, the core group as one item without a name) or GET /apis (`root: 'apis'`, one
 * item per named group in /apis order, versions preferred first) as APIGroupDiscoveryList.
 */
export function aggregatedDiscovery(
  root: 'api' | 'apis',
  version: AggregatedDiscoveryVersion = 'v2',
  registry: ResourceRegistry = resourceRegistry,
): APIGroupDiscoveryList {
  const items: APIGroupDiscovery[] = [];
  if (root === 'api') {
    const versions = registry.coreVersions();
    if (versions.length > 0) {
      items.push({ metadata: { creationTimestamp: null }, versions: versions.map((v) => versionDiscovery(registry, '', v)) });
    }
  } else {
    for (const g of registry.groups()) {
      items.push({ metadata: { name: g.name, creationTimestamp: null }, versions: g.versions.map((v) => versionDiscovery(registry, g.name, v)) });
    }
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
