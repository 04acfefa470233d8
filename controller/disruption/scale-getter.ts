/**
 * The disruption controller's generic finder (getScaleController): a pod's controller of any kind that
 * serves the scale subresource counts with its scale's spec.replicas. The kind is mapped to its resource
 * through discovery of the controller's group/version (the RESTMapper's job upstream).
 */
import type { OwnerReference } from '../../shared/api/meta.ts';
import type { RestClient } from '../../shared/client/rest-client.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';

/** A controller and the replicas it asks for; undefined when the reference does not resolve (gone, replaced). */
export type ScaleGetter = (ref: OwnerReference, namespace: string) => Promise<{ uid: string; scale: number } | undefined>;

interface APIResourceList {
  resources?: { name: string; kind: string }[];
}

interface Scale {
  metadata?: { uid?: string };
  spec?: { replicas?: number };
}

/** A ScaleGetter over HTTP; discovery answers are cached per group/version for the getter's lifetime. */
export function restScaleGetter(rest: RestClient): ScaleGetter {
  const lists = new Map<string, Promise<APIResourceList>>();
  const discover = (apiVersion: string): Promise<APIResourceList> => {
    let p = lists.get(apiVersion);
    if (!p) {
      p = rest.request<APIResourceList>({ path: apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}` });
      // A failed lookup is not remembered: the next sync asks again.
      p.catch(() => lists.delete(apiVersion));
      lists.set(apiVersion, p);
    }
    return p;
  };
  return async (ref, namespace) => {
    const apiVersion = ref.apiVersion ?? '';
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    let list: APIResourceList;
    try {
      list = await discover(apiVersion);
    } catch (err) {
      if (isNotFound(err)) throw new Error(`no matches for kind "${ref.kind}" in version "${apiVersion}"`);
      throw err;
    }
    const resources = list.resources ?? [];
    const resource = resources.find((r) => r.kind === ref.kind && !r.name.includes('/'))?.name;
    if (!resource) throw new Error(`no matches for kind "${ref.kind}" in version "${apiVersion}"`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let scale: Scale;
    try {
      scale = await rest.request<Scale>({ path: `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(ref.name)}/scale` });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Not found: the object is gone (fine), or the kind has no scale subresource (an error worth saying).
      if (!resources.some((r) => r.name === `${resource}/scale`)) throw new Error(`${group ? `${resource}.${group}` : resource} does not implement the scale subresource`);
      return undefined;
    }
    if (scale.metadata?.uid !== ref.uid) return undefined;
    return { uid: scale.metadata.uid ?? '', scale: scale.spec?.replicas ?? 0 };
  };
}
