import type { KubeObject, ListMeta, ObjectMeta } from '../../shared/api/meta.ts';
import { newBadRequest } from '../../shared/errors/status-error.ts';
import { groupVersionString, resourceRegistry } from '../registry/resource-registry.ts';
import { OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { APPS_PRINTERS } from './apps-printers.ts';
import { cronJobPrinter, jobPrinter } from './batch-printers.ts';
import { endpointSlicePrinter, endpointsPrinter } from './endpoints-printer.ts';
import { eventPrinter } from './event-printer.ts';
import { certificateSigningRequestPrinter, configMapPrinter, secretPrinter, serviceAccountPrinter } from './identity-printers.ts';
import { parseTimestamp } from './human-duration.ts';
import { leasePrinter } from './lease-printer.ts';
import { namespacePrinter } from './namespace-printer.ts';
import { nodePrinter } from './node-printer.ts';
import { podPrinter } from './pod-printer.ts';
import { podDisruptionBudgetPrinter } from './pod-disruption-budget-printer.ts';
import { clusterRoleBindingPrinter, roleBindingPrinter } from './role-binding-printer.ts';
import { servicePrinter } from './service-printer.ts';
import {
  column,
  type IncludeObjectPolicy,
  type PartialObjectMetadata,
  type PrintedRow,
  type ResourcePrinter,
  type Table,
  type TableRow,
  type TableVersion,
} from './table.ts';

/**
 * Server-side printing: the meta.k8s.io Table kube-apiserver answers to `Accept: ...;as=Table`.
 *
 * Upstream path: the resource's TableConvertor (pkg/printers/storage: GenerateTable with Wide: true, so every
 * column and every cell is always sent; kubectl hides priority>0 columns itself) or, for resources without
 * printers, rest.DefaultTableConvertor (Name + Created At); then endpoints/handlers/response.go asTable
 * replaces each row's object per includeObject.
 */

export type { IncludeObjectPolicy, Table, TableRow, TableColumnDefinition, TableVersion } from './table.ts';

export interface TableForOptions {
  /** Query parameter includeObject; use parseIncludeObject() to validate it. */
  includeObject: IncludeObjectPolicy;
  /** Milliseconds since the epoch; every AGE / LAST SEEN is relative to it. */
  now: number;
  /**
   * The list's metadata for a LIST. Omit for a single object (GET, watch event): the Table then carries the
   * object's resourceVersion, as ConvertToTable does for a non-list.
   */
  listMeta?: ListMeta;
  /** Omit columnDefinitions (null on the wire): TableOptions.noHeaders, and every watch event after the first. */
  noHeaders?: boolean;
  /** The negotiated Table version (`v=v1` or `v=v1beta1` in Accept); also the PartialObjectMetadata version. */
  tableVersion?: TableVersion;
  /** API group of `resource` when the plural alone is ambiguous (core vs events.k8s.io events). */
  group?: string;
}

/** rest.DefaultTableConvertor: name and creation time (RFC3339, UTC, whole seconds). */
const DEFAULT_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Created At', 'date', OBJECT_META_CREATION_TIMESTAMP),
] as const;

/** Go's `Time.UTC().Format(time.RFC3339)`; the zero time for an unset timestamp. */
function rfc3339(value: unknown): string {
  const ms = parseTimestamp(value);
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const defaultPrinter: ResourcePrinter = {
  columns: DEFAULT_COLUMNS,
  print: (obj: KubeObject): PrintedRow => ({ cells: [obj.metadata.name ?? '', rfc3339(obj.metadata.creationTimestamp)] }),
};

/** Printers by `<group>/<plural>`; everything else gets the default table. */
const PRINTERS = new Map<string, ResourcePrinter>([
  ['/pods', podPrinter],
  ['/nodes', nodePrinter],
  ['/namespaces', namespacePrinter],
  ['/events', eventPrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['/secrets', secretPrinter],
  ['/configmaps', configMapPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['certificates.k8s.io/certificatesigningrequests', certificateSigningRequestPrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['batch/jobs', jobPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', clusterRoleBindingPrinter],
  ...APPS_PRINTERS,
]);

/**
 * Splits `leases.coordination.k8s.io` (a qualified resource) into plural and group. A bare plural resolves
 * against the registry (core first), so `leases` finds coordination.k8s.io.
 */
function resolveResource(resource: string, group: string | undefined): { plural: string; group: string } {
  if (group !== undefined) return { plural: resource, group };
  const dot = resource.indexOf('.');
  if (dot > 0) return { plural: resource.slice(0, dot), group: resource.slice(dot + 1) };
  const entries = resourceRegistry.entries.filter((e) => e.resource === resource);
  const core = entries.find((e) => e.group === '');
  return { plural: resource, group: (core ?? entries[0])?.group ?? '' };
}

/** The printer kube-apiserver would use for a resource (the default Name/Created At one when it has none). */
export function printerFor(resource: string, group?: string): ResourcePrinter {
  const r = resolveResource(resource, group);
  return PRINTERS.get(`${r.group}/${r.plural}`) ?? defaultPrinter;
}

/**
 * Validates the includeObject query parameter like asTable does: empty means Metadata; anything but
 * None/Metadata/Object is a 400 `unrecognized includeObject value: "x"`.
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObjectPolicy {
  if (value === null || value === undefined || value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'None' || value === 'Object') return value;
  throw newBadRequest(`unrecognized includeObject value: ${JSON.stringify(value)}`);
}

/** The full object with kind/apiVersion set (objects from storage may lack them). */
function withTypeMeta(obj: KubeObject, plural: string, group: string): KubeObject {
  if (obj.kind && obj.apiVersion) return obj;
  const entry = resourceRegistry.entries.find((e) => e.resource === plural && e.group === group);
  if (!entry) return obj;
  return { ...obj, kind: obj.kind || entry.kind, apiVersion: obj.apiVersion || groupVersionString(entry) };
}

/** meta.AsPartialObjectMetadata: the whole ObjectMeta (managedFields included), kind/apiVersion of the Table's group. */
function partialObjectMetadata(obj: KubeObject, version: TableVersion): PartialObjectMetadata {
  const metadata: ObjectMeta = { ...obj.metadata };
  // metav1.Time is never omitted by Go's encoder: an unset creationTimestamp is written as null.
  if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata };
}

function listMetaOf(opts: TableForOptions, objects: readonly KubeObject[]): ListMeta {
  const meta: ListMeta = {};
  if (opts.listMeta) {
    // ListMeta fields are all omitempty; remainingItemCount is a pointer, so 0 is still sent when set.
    if (opts.listMeta.resourceVersion) meta.resourceVersion = opts.listMeta.resourceVersion;
    if (opts.listMeta.continue) meta.continue = opts.listMeta.continue;
    if (opts.listMeta.remainingItemCount !== undefined && opts.listMeta.remainingItemCount !== null) {
      meta.remainingItemCount = opts.listMeta.remainingItemCount;
    }
  } else if (objects.length === 1 && objects[0]!.metadata.resourceVersion) {
    meta.resourceVersion = objects[0]!.metadata.resourceVersion;
  }
  return meta;
}

/**
 * The Table for a list (pass opts.listMeta) or a single object (one element, no listMeta) of `resource`
 * (plural, optionally group-qualified: `leases.coordination.k8s.io`).
 */
export function tableFor(resource: string, objects: readonly KubeObject[], opts: TableForOptions): Table {
  const version = opts.tableVersion ?? 'v1';
  const r = resolveResource(resource, opts.group);
  const printer = PRINTERS.get(`${r.group}/${r.plural}`) ?? defaultPrinter;
  const rows: TableRow[] = objects.map((obj) => {
    const printed = printer.print(obj, opts.now);
    let object: TableRow['object'];
    if (opts.includeObject === 'Object') object = withTypeMeta(obj, r.plural, r.group);
    else if (opts.includeObject === 'None') object = null;
    else object = partialObjectMetadata(obj, version);
    // Go's field order: cells, conditions (omitempty), object.
    return printed.conditions ? { cells: printed.cells, conditions: printed.conditions, object } : { cells: printed.cells, object };
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMetaOf(opts, objects),
    columnDefinitions: opts.noHeaders ? null : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

/**
 * The Table of one watch event: one row, the object's resourceVersion. kube-apiserver sends column
 * definitions only with the first event of a watch (endpoints/handlers/watch.go sets NoHeaders after the first
 * transform), later events carry `columnDefinitions: null`. kubectl accepts headers on every event too.
 * Never convert ERROR events (their object is a Status) into Tables.
 */
export function watchEventTable(
  resource: string,
  object: KubeObject,
  opts: Omit<TableForOptions, 'listMeta' | 'noHeaders'> & { withHeaders: boolean },
): Table {
  const { withHeaders, ...rest } = opts;
  return tableFor(resource, [object], { ...rest, noHeaders: !withHeaders });
}

/**
 * Per-watch converter with upstream's header rule: the first call includes column definitions, every later
 * call omits them. `now` is read per event.
 */
export function watchTableConverter(
  resource: string,
  opts: Omit<TableForOptions, 'listMeta' | 'noHeaders' | 'now'> & { now: () => number },
): (object: KubeObject) => Table {
  let first = true;
  return (object) => {
    const t = watchEventTable(resource, object, { ...opts, now: opts.now(), withHeaders: first });
    first = false;
    return t;
  };
}
