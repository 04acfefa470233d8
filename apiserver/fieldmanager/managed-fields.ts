/**
 * metadata.managedFields <-> per-manager field sets, after
 * k8s.io/apimachinery/pkg/util/managedfields/internal (managedfields.go, buildmanagerinfo.go,
 * capmanagers.go).
 *
 * A manager is identified by manager name + operation + apiVersion (Update only) + subresource, encoded
 * like BuildManagerIdentifier: `{"manager":"kubectl-label","operation":"Update","apiVersion":"v1"}`,
 * `{"manager":"kubectl","operation":"Apply"}`.
 */
import type { ManagedFieldsEntry } from '../../shared/api/meta.ts';
import { FieldSet } from './field-set.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagerInfo {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  /** RFC 3339, seconds precision. */
  time?: string;
  set: FieldSet;
  /**
   * The fieldsV1 this set was decoded from, while `set` is still exactly that (encoding reuses it instead of
   * rendering the set again); whoever replaces `set` drops it.
   */
  fieldsV1?: ManagedFieldsEntry['fieldsV1'];
}

/** Managers by identifier. */
export type Managed = Map<string, ManagerInfo>;

/** BuildManagerIdentifier. */
export function managerIdentifier(manager: string, operation: Operation, apiVersion: string, subresource?: string): string {
  const id: Record<string, string> = { manager, operation };
  if (operation === 'Update') id.apiVersion = apiVersion;
  if (subresource) id.subresource = subresource;
  return JSON.stringify(id);
}

export function identifierOf(info: ManagerInfo): string {
  return managerIdentifier(info.manager, info.operation, info.apiVersion, info.subresource);
}

/**
 * DecodeManagedFields. Throws Error for entries kube cannot decode (wrong fieldsType, bad fieldsV1).
 * Entries that share an identifier are united.
 */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined | null): Managed {
  const managed: Managed = new Map();
  for (const e of entries ?? []) {
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType ?? '')}, expected "FieldsV1"`);
    const operation: Operation = e.operation === 'Apply' ? 'Apply' : 'Update';
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error(`invalid operation ${JSON.stringify(e.operation ?? '')}`);
    const info: ManagerInfo = {
      manager: e.manager ?? '',
      operation,
      apiVersion: e.apiVersion ?? '',
      set: FieldSet.fromFieldsV1(e.fieldsV1),
      fieldsV1: e.fieldsV1,
    };
    if (e.subresource) info.subresource = e.subresource;
    if (e.time) info.time = e.time;
    const id = identifierOf(info);
    const prev = managed.get(id);
    if (prev) {
      prev.set = prev.set.union(info.set);
      delete prev.fieldsV1;
      if (info.time && (!prev.time || info.time > prev.time)) prev.time = info.time;
    } else {
      managed.set(id, info);
    }
  }
  return managed;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const t = Date.parse(time);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/**
 * EncodeObjectManagedFields: one entry per non-empty manager, sorted by operation (Apply first), time,
 * manager, apiVersion, subresource (sortEncodedManagedFields).
 */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] {
  const infos = [...managed.values()].filter((m) => !m.set.isEmpty());
  infos.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const ps = seconds(p.time);
    const qs = seconds(q.time);
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    const pr = p.subresource ?? '';
    const qr = q.subresource ?? '';
    return pr < qr ? -1 : pr > qr ? 1 : 0;
  });
  return infos.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.fieldsV1 ?? m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** kube's manager name for the merged oldest Update entries (capmanagers.go). */
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/**
 * capManagersManager: when there are more than `max` Update entries, the oldest are merged, per
 * apiVersion, into an `ancient-changes` Update entry.
 */
export function capUpdateManagers(managed: Managed, max: number): void {
  const updaters = [...managed.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => {
    const d = seconds(managed.get(a)?.time) - seconds(managed.get(b)?.time);
    if (d !== 0) return d;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i] as string;
    const info = managed.get(id);
    if (!info) continue;
    const version = info.apiVersion;
    const bucket = managerIdentifier(ANCIENT_CHANGES_MANAGER, 'Update', version);
    const first = firstByVersion.get(version);
    if (first === undefined) {
      firstByVersion.set(version, id);
      continue;
    }
    if (!managed.has(bucket)) {
      const firstInfo = managed.get(first) as ManagerInfo;
      managed.delete(first);
      const moved: ManagerInfo = { manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: version, set: firstInfo.set };
      if (firstInfo.time) moved.time = firstInfo.time;
      managed.set(bucket, moved);
    }
    const b = managed.get(bucket) as ManagerInfo;
    b.set = b.set.union(info.set);
    delete b.fieldsV1;
    if (info.time) b.time = info.time;
    else delete b.time;
    managed.delete(id);
    length--;
  }
}
