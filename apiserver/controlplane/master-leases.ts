import { randomUUID } from 'node:crypto';
import type { Endpoints } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { Clock } from '../../shared/util/clock.ts';
import { isStorageError } from '../storage/errors.ts';
import type { Storage } from '../storage/interfaces.ts';

/**
 * The API servers' leases on their advertised addresses (pkg/controlplane/reconcilers/lease.go Leases):
 * every API server refreshes the record of its IP; an IP whose record is gone or expired is not an API server.
 */
export interface Leases {
  /** The IPs with an unexpired lease, in key order. */
  listLeases(): Promise<string[]>;
  /** Creates or renews this IP's lease for another TTL. */
  updateLease(ip: string): Promise<void>;
  /** Drops this IP's lease (graceful shutdown). */
  removeLease(ip: string): Promise<void>;
}

/** Where kube-apiserver keeps them: `/registry/masterleases/<ip>` (kubelab: `.../<ip>/<holder>`). */
export const MASTER_LEASES_PREFIX = '/masterleases/';

/**
 * The record's expiry. Upstream gives the etcd key a TTL (a lease); kubelab's Storage has no TTLs, so the
 * record carries the time it stops counting, and readers treat an expired record as absent (and delete it).
 */
export const LEASE_EXPIRES_ANNOTATION = 'kubelab.io/lease-expires-at';

export interface StorageLeasesOptions {
  storage: Storage;
  /** How long a lease counts after its last renewal (upstream's --endpoint-reconciler TTL, 15s). */
  ttlMs: number;
  clock: Clock;
  /** Default MASTER_LEASES_PREFIX. */
  prefix?: string;
  /**
   * Who holds the lease: one record per API server and IP (`<prefix><ip>/<holder>`), so that of two API
   * servers advertising one address (behind a load balancer) the one leaving removes its own record only and
   * the address stays listed. Default: a random id for this process.
   */
  holder?: string;
}

function expiresAt(obj: KubeObject): number {
  const v = obj.metadata.annotations?.[LEASE_EXPIRES_ANNOTATION];
  const t = v === undefined ? NaN : Date.parse(v);
  return Number.isNaN(t) ? 0 : t;
}

/** Which API server holds the record. */
export const LEASE_HOLDER_ANNOTATION = 'kubelab.io/lease-holder';

/** The lease of one IP: an Endpoints-shaped record, as upstream stores it, plus its expiry and holder. */
function leaseRecord(ip: string, expiry: number, holder: string): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: ip, namespace: 'default', annotations: { [LEASE_EXPIRES_ANNOTATION]: new Date(expiry).toISOString(), [LEASE_HOLDER_ANNOTATION]: holder } },
    subsets: [{ addresses: [{ ip }] }],
  };
}

/** storageLeases: the leases in the API server's own storage, shared by every API server on it. */
export class StorageLeases implements Leases {
  readonly #o: StorageLeasesOptions;
  readonly #prefix: string;
  readonly #holder: string;

  constructor(options: StorageLeasesOptions) {
    this.#o = options;
    this.#prefix = options.prefix ?? MASTER_LEASES_PREFIX;
    this.#holder = options.holder ?? randomUUID();
  }

  #key(ip: string): string {
    return `${this.#prefix}${ip}/${this.#holder}`;
  }

  async listLeases(): Promise<string[]> {
    const { items } = await this.#o.storage.list(this.#prefix);
    const now = this.#o.clock.now();
    const ips: string[] = [];
    for (const item of items) {
      const ip = (item as Endpoints).subsets?.[0]?.addresses?.[0]?.ip;
      if (expiresAt(item) > now) {
        if (ip && !ips.includes(ip)) ips.push(ip);
        continue;
      }
      // Expired: gone, as an etcd key would be. Only this exact revision is deleted, never a renewal.
      const holder = item.metadata.annotations?.[LEASE_HOLDER_ANNOTATION];
      const key = holder ? `${this.#prefix}${ip ?? ''}/${holder}` : `${this.#prefix}${item.metadata.name ?? ''}`;
      await this.#o.storage.delete(key, { preconditions: { resourceVersion: item.metadata.resourceVersion } }).catch(() => undefined);
    }
    return ips;
  }

  async updateLease(ip: string): Promise<void> {
    const record = leaseRecord(ip, this.#o.clock.now() + this.#o.ttlMs, this.#holder);
    await this.#o.storage.guaranteedUpdate(this.#key(ip), () => record, { ignoreNotFound: true });
  }

  async removeLease(ip: string): Promise<void> {
    try {
      await this.#o.storage.delete(this.#key(ip));
    } catch (e) {
      if (!isStorageError(e, 'KeyNotFound')) throw e;
    }
  }
}
