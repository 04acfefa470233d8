import type { KubeObject } from '../../../../shared/api/meta.ts';
import { isStorageError } from '../../../storage/errors.ts';
import type { Storage } from '../../../storage/interfaces.ts';
import { AllocationBitmap } from './allocation-bitmap.ts';

/** Who holds an allocated value: a Service (spec.parentRef of networking.k8s.io IPAddress, plus the uid). */
export interface AllocationOwner {
  namespace: string;
  name: string;
  uid?: string;
}

/** The stored record of one allocated value, under `<prefix><value>` (create-if-absent; deleted on release). */
export interface AllocationRecord extends KubeObject {
  /** The range the value was allocated from (the flag's value then). */
  range: string;
  parentRef: { group: ''; resource: 'services'; namespace: string; name: string; uid?: string };
}

/** ErrFull: no value left. */
export class RangeFullError extends Error {
  constructor() {
    super('range is full');
    this.name = 'RangeFullError';
  }
}

/** ErrAllocated / ErrNotInRange: the message is kube's, used as a field error detail. */
export class AllocationError extends Error {
  readonly kind: 'Allocated' | 'NotInRange';
  constructor(kind: 'Allocated' | 'NotInRange', message: string) {
    super(message);
    this.name = 'AllocationError';
    this.kind = kind;
  }
}

export interface RangeAllocatorOptions {
  storage: Storage;
  /** Key prefix of the records, ending in '/': `/ranges/serviceips/`. */
  prefix: string;
  /** The range as the flag spells it (reported in errors and stored in records). */
  range: string;
  /** Allocatable values are offsets [0, max); the first `staticBand` are kept for requested values. */
  max: number;
  staticBand: number;
  /** offset -> value name (the key suffix) and back (undefined: not in this range). */
  nameOf(offset: number): string;
  offsetOf(name: string): number | undefined;
  /** ErrAllocated's text: `provided IP is already allocated`. */
  allocatedMessage: string;
  /** ErrNotInRange's text for a value. */
  notInRangeMessage(name: string): string;
  random?: () => number;
}

/**
 * One range of values (ClusterIPs of one family, or NodePorts) whose allocations are STORED, one record per
 * allocated value, created with create-if-absent: two API servers sharing the storage can never both get
 * the same value, without a hot key that every allocation rewrites (kube 1.32's RangeAllocation bitmap is
 * one object CAS-updated per allocation; a /12 bitmap is 128 KiB). A local bitmap only guides the choice of
 * candidates: refreshed from the stored records when it runs out or keeps colliding with other servers.
 */
export class RangeAllocator {
  readonly #o: RangeAllocatorOptions;
  #known: AllocationBitmap | undefined;
  /** Values being created by this process right now (kept across refreshes). */
  readonly #inFlight = new Set<number>();
  #refreshing: Promise<void> | undefined;

  constructor(options: RangeAllocatorOptions) {
    this.#o = options;
  }

  get range(): string {
    return this.#o.range;
  }

  /** ErrAllocated's text for this range. */
  get allocatedMessage(): string {
    return this.#o.allocatedMessage;
  }

  get prefix(): string {
    return this.#o.prefix;
  }

  keyOf(name: string): string {
    return `${this.#o.prefix}${name}`;
  }

  /** The offset of name in the range, or undefined. */
  offsetOf(name: string): number | undefined {
    return this.#o.offsetOf(name);
  }

  /** The spelling records use for name (IPv6 addresses have several). */
  canonical(name: string): string {
    const offset = this.#o.offsetOf(name);
    return offset === undefined ? name : this.#o.nameOf(offset);
  }

  contains(name: string): boolean {
    return this.#o.offsetOf(name) !== undefined;
  }

  /** Reserves name for owner. Throws AllocationError (not in range, already allocated). Dry run: checks only. */
  async allocate(name: string, owner: AllocationOwner, dryRun = false): Promise<void> {
    const offset = this.#o.offsetOf(name);
    if (offset === undefined) throw new AllocationError('NotInRange', this.#o.notInRangeMessage(name));
    // Records are keyed by the canonical spelling (fd00::5, not fd00:0::5).
    name = this.#o.nameOf(offset);
    if (dryRun) {
      const exists = await this.#o.storage.get(this.keyOf(name)).then(() => true, (e: unknown) => {
        if (isStorageError(e, 'KeyNotFound')) return false;
        throw e;
      });
      if (exists) throw new AllocationError('Allocated', this.#o.allocatedMessage);
      return;
    }
    this.#inFlight.add(offset);
    try {
      await this.#o.storage.create(this.keyOf(name), this.#record(name, owner));
      this.#known?.allocate(offset);
    } catch (e) {
      if (isStorageError(e, 'KeyExists')) {
        this.#known?.allocate(offset);
        throw new AllocationError('Allocated', this.#o.allocatedMessage);
      }
      throw e;
    } finally {
      this.#inFlight.delete(offset);
    }
  }

  /**
   * Reserves a random free value for owner (dynamic band first). Throws RangeFullError when none is left.
   * Dry run: names a value free right now without reserving it.
   */
  async allocateNext(owner: AllocationOwner, dryRun = false): Promise<string> {
    let refreshed = false;
    let collisions = 0;
    for (;;) {
      if (!this.#known) await this.refresh();
      const known = this.#known as AllocationBitmap;
      const offset = known.allocateNext();
      if (offset === undefined) {
        if (refreshed) throw new RangeFullError();
        await this.refresh();
        refreshed = true;
        continue;
      }
      const name = this.#o.nameOf(offset);
      if (dryRun) {
        known.release(offset);
        return name;
      }
      this.#inFlight.add(offset);
      try {
        await this.#o.storage.create(this.keyOf(name), this.#record(name, owner));
        return name;
      } catch (e) {
        if (!isStorageError(e, 'KeyExists')) {
          known.release(offset);
          throw e;
        }
        // Another API server holds it (the bit stays set). Many collisions: our view is stale.
        if (++collisions % 8 === 0) {
          await this.refresh();
          refreshed = false;
        }
      } finally {
        this.#inFlight.delete(offset);
      }
    }
  }

  /**
   * Frees name if `owner` holds it (a record owned by another Service stays: it is someone else's value).
   * Missing records are fine (released twice, or never stored).
   */
  async release(name: string, owner?: AllocationOwner): Promise<void> {
    const offset = this.#o.offsetOf(name);
    if (offset !== undefined) name = this.#o.nameOf(offset);
    try {
      await this.#o.storage.delete(this.keyOf(name), {
        validateDeletion: (cur) => {
          const ref = (cur as AllocationRecord).parentRef;
          if (owner && ref && !sameOwner(ref, owner)) throw new NotOwnerError();
        },
      });
    } catch (e) {
      if (e instanceof NotOwnerError || isStorageError(e, 'KeyNotFound')) return;
      throw e;
    } finally {
      if (offset !== undefined) this.#known?.release(offset);
    }
  }

  /** Every stored record, with its resourceVersion (repair). */
  async list(revision = 0): Promise<{ items: AllocationRecord[]; revision: number }> {
    const r = await this.#o.storage.list(this.#o.prefix, { revision });
    return { items: r.items as AllocationRecord[], revision: r.revision };
  }

  /** Re-reads the stored records into the local view. Concurrent callers share one read. */
  async refresh(): Promise<void> {
    if (!this.#refreshing) {
      this.#refreshing = (async () => {
        try {
          const { items } = await this.list();
          const known = new AllocationBitmap(this.#o.max, this.#o.staticBand, this.#o.random);
          for (const item of items) {
            const off = this.#o.offsetOf(item.metadata.name ?? '');
            if (off !== undefined) known.allocate(off);
          }
          for (const off of this.#inFlight) known.allocate(off);
          this.#known = known;
        } finally {
          this.#refreshing = undefined;
        }
      })();
    }
    return this.#refreshing;
  }

  /** A record for name owned by owner (repair writes these for values it finds unrecorded). */
  record(name: string, owner: AllocationOwner): AllocationRecord {
    return this.#record(name, owner);
  }

  #record(name: string, owner: AllocationOwner): AllocationRecord {
    return {
      apiVersion: 'v1',
      kind: 'ServiceAllocation',
      metadata: { name },
      range: this.#o.range,
      parentRef: { group: '', resource: 'services', namespace: owner.namespace, name: owner.name, ...(owner.uid ? { uid: owner.uid } : {}) },
    };
  }
}

class NotOwnerError extends Error {}

export function sameOwner(ref: AllocationRecord['parentRef'], owner: AllocationOwner): boolean {
  if (ref.namespace !== owner.namespace || ref.name !== owner.name) return false;
  return !ref.uid || !owner.uid || ref.uid === owner.uid;
}
