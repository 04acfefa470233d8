/**
 * What the garbage collector learns from the server's discovery documents (/api, /api/v1, /apis,
 * /apis/{group}/{version}): every served resource with its kind, scope and verbs, and which version of each
 * group is preferred. The collector monitors the preferred version of every resource it can list, watch and
 * delete (GetDeletableResources), and maps ownerReference apiVersion/kind to a resource over all versions.
 */
import type { ResourceDescriptor } from '../../shared/client/interfaces.ts';
import type { RestClient } from '../../shared/client/rest-client.ts';

export interface DiscoveredResource extends ResourceDescriptor {
  kind: string;
  verbs: string[];
  /** This version is the group's preferred one. */
  preferred: boolean;
}

/** Lists the server's resources (subresources left out). */
export type DiscoverResources = (signal?: AbortSignal) => Promise<DiscoveredResource[]>;

interface APIResourceList {
  groupVersion?: string;
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

interface APIGroupList {
  groups?: { name: string; versions?: { groupVersion: string; version: string }[]; preferredVersion?: { version: string } }[];
}

/** Discovery over HTTP. A group version that fails to answer is left out this round (partial discovery). */
export function restDiscovery(rest: RestClient): DiscoverResources {
  return async (signal) => {
    const opts = signal ? { signal } : {};
    const lists: { group: string; version: string; preferred: boolean; path: string }[] = [];
    const core = await rest.request<{ versions?: string[] }>({ path: '/api', ...opts });
    for (const v of core.versions ?? []) lists.push({ group: '', version: v, preferred: v === 'v1', path: `/api/${v}` });
    const groups = await rest.request<APIGroupList>({ path: '/apis', ...opts });
    for (const g of groups.groups ?? []) {
      for (const v of g.versions ?? []) {
        lists.push({ group: g.name, version: v.version, preferred: v.version === (g.preferredVersion?.version ?? g.versions?.[0]?.version), path: `/apis/${v.groupVersion}` });
      }
    }
    const out: DiscoveredResource[] = [];
    await Promise.all(lists.map(async (l) => {
      let list: APIResourceList;
      try {
        list = await rest.request<APIResourceList>({ path: l.path, ...opts });
      } catch {
        return;
      }
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue;
        out.push({ group: l.group, version: l.version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [], preferred: l.preferred });
      }
    }));
    return out;
  };
}

/** Resources the collector never monitors (DefaultIgnoredResources): events of both groups. */
export const IGNORED_RESOURCES: readonly { group: string; resource: string }[] = [
  { group: '', resource: 'events' },
  { group: 'events.k8s.io', resource: 'events' },
];

/** The preferred version of every resource that can be listed, watched and deleted, minus the ignored ones. */
export function deletableResources(all: DiscoveredResource[]): DiscoveredResource[] {
  return all.filter((r) =>
    r.preferred
    && ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))
    && !IGNORED_RESOURCES.some((i) => i.group === r.group && i.resource === r.resource),
  );
}
