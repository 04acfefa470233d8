import type { KubeObject } from '../../shared/api/meta.ts';
import { OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/** `kubectl get namespaces`: printNamespace in pkg/printers/internalversion/printers.go. */

export const NAMESPACE_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Status', 'string', 'The status of the namespace'),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
] as const;

function printNamespace(obj: KubeObject, now: number): PrintedRow {
  // status.phase as stored (`Active`, `Terminating`); the namespace strategy sets Active on create.
  const phase = (obj.status as { phase?: string } | undefined)?.phase ?? '';
  return { cells: [obj.metadata.name ?? '', phase, translateTimestampSince(obj.metadata.creationTimestamp, now)] };
}

export const namespacePrinter: ResourcePrinter = { columns: NAMESPACE_COLUMNS, print: printNamespace };
