/**
 * EndpointSliceTracker (k8s.io/endpointslice/util/endpointslice_tracker.go): the generation of every
 * EndpointSlice this controller last wrote, per Service, so that
 * - the controller's own writes coming back through the informer do not trigger another sync (shouldSync),
 * - a sync that would read a cache older than its own last writes is refused (staleSlices) instead of
 *   undoing them or failing on a conflict.
 * A generation of DELETION_EXPECTED marks a slice this controller deleted.
 */
import type { Service } from '../../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../shared/api/discovery-v1.ts';

const DELETION_EXPECTED = -1;

function serviceKeyOf(slice: EndpointSlice): string {
  return `${slice.metadata.namespace ?? ''}/${slice.metadata.labels?.[LABEL_SERVICE_NAME] ?? ''}`;
}

const generationOf = (slice: EndpointSlice): number => slice.metadata.generation ?? 0;

export class EndpointSliceTracker {
  /** service key -> slice uid -> generation */
  readonly #generations = new Map<string, Map<string, number>>();
  /** service key -> the uid of the Service last synced under that name */
  readonly #serviceUids = new Map<string, string>();

  /** Whether a generation is tracked for this slice. */
  has(slice: EndpointSlice): boolean {
    return this.#generations.get(serviceKeyOf(slice))?.has(slice.metadata.uid ?? '') ?? false;
  }

  /** True unless this slice's generation is one this controller wrote (or older). */
  shouldSync(slice: EndpointSlice): boolean {
    const g = this.#generations.get(serviceKeyOf(slice))?.get(slice.metadata.uid ?? '');
    return g === undefined || generationOf(slice) > g;
  }

  /**
   * True when the cache lags behind this controller's writes for the Service: a slice older than written, a
   * slice that was deleted, or a written slice missing. A Service recreated under the same name (new uid)
   * drops what was tracked for the old one.
   */
  staleSlices(service: Service, slices: readonly EndpointSlice[]): boolean {
    const key = `${service.metadata.namespace ?? ''}/${service.metadata.name ?? ''}`;
    const uid = service.metadata.uid ?? '';
    const tracked = this.#serviceUids.get(key);
    if (tracked && uid && tracked !== uid) this.#generations.delete(key);
    this.#serviceUids.set(key, uid);
    const gens = this.#generations.get(key);
    if (!gens) return false;
    const provided = new Set<string>();
    for (const s of slices) {
      const sUid = s.metadata.uid ?? '';
      provided.add(sUid);
      const g = gens.get(sUid);
      if (g !== undefined && (g === DELETION_EXPECTED || g > generationOf(s))) return true;
    }
    for (const [sUid, g] of gens) if (g !== DELETION_EXPECTED && !provided.has(sUid)) return true;
    return false;
  }

  /** Records the generation of a slice this controller created or updated. */
  update(slice: EndpointSlice): void {
    this.#gensFor(slice).set(slice.metadata.uid ?? '', generationOf(slice));
  }

  /** Records that this controller deleted the slice. */
  expectDeletion(slice: EndpointSlice): void {
    this.#gensFor(slice).set(slice.metadata.uid ?? '', DELETION_EXPECTED);
  }

  /** Forgets the slice; true if its deletion was expected (or it was not tracked), false if it was a surprise. */
  handleDeletion(slice: EndpointSlice): boolean {
    const gens = this.#generations.get(serviceKeyOf(slice));
    if (!gens) return true;
    const uid = slice.metadata.uid ?? '';
    const g = gens.get(uid);
    gens.delete(uid);
    return !(g !== undefined && g !== DELETION_EXPECTED);
  }

  deleteService(namespace: string, name: string): void {
    this.#generations.delete(`${namespace}/${name}`);
    this.#serviceUids.delete(`${namespace}/${name}`);
  }

  #gensFor(slice: EndpointSlice): Map<string, number> {
    const key = serviceKeyOf(slice);
    let gens = this.#generations.get(key);
    if (!gens) {
      gens = new Map();
      this.#generations.set(key, gens);
    }
    return gens;
  }
}
