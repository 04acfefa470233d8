import { groupVersionString, resourceRegistry, type ResourceEntry, type ResourceRegistry } from '../registry/resource-registry.ts';

/**
 * The legacy (unaggregated) discovery documents, built from the resource registry:
 *   GET /api                      APIVersions
 *   GET /apis                     APIGroupList
 *   GET /apis/<group>             APIGroup
 *   GET /api/v1, /apis/<g>/<v>    APIResourceList
 * Shapes and field order follow k8s.io/apimachinery/pkg/apis/meta/v1/types.go; contents match a real
 * kube-apiserver (resources sorted by name with subresources as `pods/log` entries, verbs sorted, no
 * apiVersion on /api and /api/v1, `"apiVersion":"v1"` on the group documents).
 */

export interface ServerAddressByClientCIDR {
  clientCIDR: string;
  serverAddress: string;
}

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: ServerAddressByClientCIDR[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroupBody {
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroupBody[];
}

export interface APIGroup extends APIGroupBody {
  kind: 'APIGroup';
  apiVersion: 'v1';
}

/** metav1.APIResource. */
export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

export interface APIResourceList {
  kind: 'APIResourceList';
  /** Absent on /api/v1 (the legacy core group), `v1` on /apis/<group>/<version>. */
  apiVersion?: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/**
 * GET /api. `serverAddress` (host:port clients should use) is reported for CIDR 0.0.0.0/0 like
 * kube-apiserver does; without it the list is empty.
 */
export function legacyAPIVersions(opts: { serverAddress?: string; registry?: ResourceRegistry } = {}): APIVersions {
  const registry = opts.registry ?? resourceRegistry;
  return {
    kind: 'APIVersions',
    versions: registry.coreVersions(),
    serverAddressByClientCIDRs: opts.serverAddress ? [{ clientCIDR: '0.0.0.0/0', serverAddress: opts.serverAddress }] : [],
  };
}

function groupBody(name: string, versions: string[]): APIGroupBody {
  const gvs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: gvs, preferredVersion: { ...gvs[0]! } };
}

/** GET /apis: every named group, versions in preference order, the first preferred. */
export function apiGroupList(registry: ResourceRegistry = resourceRegistry): APIGroupList {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().map((g) => groupBody(g.name, g.versions)) };
}

/** GET /apis/<group>; undefined when the group is not served (the caller answers 404). */
export function apiGroup(name: string, registry: ResourceRegistry = resourceRegistry): APIGroup | undefined {
  const g = registry.group(name);
  if (!g) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupBody(g.name, g.versions) };
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The APIResource entries of one resource: itself, then one `<resource>/<subresource>` entry per subresource. */
export function apiResourcesOf(e: ResourceEntry): APIResource[] {
  const main: APIResource = { name: e.resource, singularName: e.singularName, namespaced: e.namespaced, kind: e.kind, verbs: [...e.verbs] };
  if (e.shortNames.length > 0) main.shortNames = [...e.shortNames];
  if (e.categories.length > 0) main.categories = [...e.categories];
  if (e.storageVersionHash) main.storageVersionHash = e.storageVersionHash;
  const out = [main];
  for (const s of e.subresources) {
    // group/version are reported only for subresources speaking another group's kind (pods/eviction).
    out.push({
      name: `${e.resource}/${s.name}`,
      singularName: '',
      namespaced: e.namespaced,
      ...(s.group !== undefined ? { group: s.group } : {}),
      ...(s.version !== undefined ? { version: s.version } : {}),
      kind: s.kind,
      verbs: [...s.verbs],
    });
  }
  return out;
}

/** GET /api/<v> or /apis/<group>/<version>; undefined when that group/version is not served. */
export function apiResourceList(group: string, version: string, registry: ResourceRegistry = resourceRegistry): APIResourceList | undefined {
  if (!registry.servesGroupVersion(group, version)) return undefined;
  const resources = registry.resourcesIn(group, version).flatMap(apiResourcesOf).sort(byName);
  const groupVersion = groupVersionString({ group, version });
  return group === ''
    ? { kind: 'APIResourceList', groupVersion, resources }
    : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}
