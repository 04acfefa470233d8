import type { KubeObject } from '../../shared/api/meta.ts';
import { LEASE_SPEC_HOLDER_IDENTITY, OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/** `kubectl get leases`: printLease in pkg/printers/internalversion/printers.go. */

export const LEASE_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Holder', 'string', LEASE_SPEC_HOLDER_IDENTITY),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
] as const;

function printLease(obj: KubeObject, now: number): PrintedRow {
  // An unset holderIdentity prints as an empty cell, not <none>.
  const holder = (obj.spec as { holderIdentity?: string | null } | undefined)?.holderIdentity ?? '';
  return { cells: [obj.metadata.name ?? '', holder, translateTimestampSince(obj.metadata.creationTimestamp, now)] };
}

export const leasePrinter: ResourcePrinter = { columns: LEASE_COLUMNS, print: printLease };
