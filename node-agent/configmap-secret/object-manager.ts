/**
 * Secrets and ConfigMaps the node's pods use, read by name (kubelet pkg/kubelet/secret, pkg/kubelet/configmap
 * and util/manager/cache_based_manager.go, the TTL "Cache" strategy).
 *
 * The agent reads each object with a GET of its name: the Node authorizer lets a node get only the objects
 * its own pods reference, so a cluster-wide list or watch would be refused. A read is cached for `ttlMs`
 * (kubelet's default TTL is one minute; kubelab's is the volume resync period, so one resync round shares
 * one read per object among the pods that use it). A missing object is a NotFound StatusError worded as
 * kubelet's managers word it: `secret "s" not found`, `configmap "c" not found`.
 */
import type { ConfigMap, Secret } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { ResourceClient } from '../../shared/client/interfaces.ts';
import { isNotFound, newNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';


export interface ObjectCacheOptions {
  /** How long a read stays fresh. @default 60000 */
  ttlMs?: number;
  clock?: Clock;
}

/** GETs by name with a TTL cache; concurrent reads of one key share one request. */
export class ObjectCache<T extends KubeObject> {
  readonly resource: string;
  #client: ResourceClient<T>;
  #ttlMs: number;
  #clock: Clock;
  #entries = new Map<string, { at: number; value: Promise<T> }>();

  /** `resource` is the singular name kubelet's errors use ('secret', 'configmap'). */
  constructor(client: ResourceClient<T>, resource: string, options: ObjectCacheOptions = {}) {
    this.#client = client;
    this.resource = resource;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#clock = options.clock ?? realClock;
  }

  async get(namespace: string, name: string): Promise<T> {
    const key = `${namespace}/${name}`;
    const now = this.#clock.now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#ttlMs) return hit.value;
    const value = this.#client.get(namespace, name).catch((err: unknown) => {
      this.#entries.delete(key);
      if (isNotFound(err)) throw newNotFound(this.resource, name);
      throw err;
    });
    this.#entries.set(key, { at: now, value });
    return value;
  }

  /** Forgets one object (e.g. when nothing references it any more) or everything. */
  invalidate(namespace?: string, name?: string): void {
    if (namespace === undefined) this.#entries.clear();
    else this.#entries.delete(`${namespace}/${name ?? ''}`);
  }
}

/** The agent's readers for pods' Secrets and ConfigMaps. */
/** A read of an object a pod references: undefined when it is missing and the reference is `optional`. */
export async function getOptional<T>(get: () => Promise<T>, optional: boolean | undefined): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (optional && isNotFound(err)) return undefined;
    throw err;
  }
}

export interface PodObjectGetter {
  getSecret(namespace: string, name: string): Promise<Secret>;
  getConfigMap(namespace: string, name: string): Promise<ConfigMap>;
}

/** A PodObjectGetter over two TTL caches. */
export class ObjectManager implements PodObjectGetter {
  readonly secrets: ObjectCache<Secret>;
  readonly configMaps: ObjectCache<ConfigMap>;

  constructor(clients: { secrets: ResourceClient; configMaps: ResourceClient }, options: ObjectCacheOptions = {}) {
    this.secrets = new ObjectCache(clients.secrets as ResourceClient<Secret>, 'secret', options);
    this.configMaps = new ObjectCache(clients.configMaps as ResourceClient<ConfigMap>, 'configmap', options);
  }

  getSecret(namespace: string, name: string): Promise<Secret> {
    return this.secrets.get(namespace, name);
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMap> {
    return this.configMaps.get(namespace, name);
  }
}
