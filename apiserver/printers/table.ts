import type { KubeObject, ListMeta, ObjectMeta } from '../../shared/api/meta.ts';

/**
 * Wire types of meta.k8s.io/v1 Table (k8s.io/apimachinery/pkg/apis/meta/v1/types.go). Field order follows
 * the Go structs so the JSON reads like kube-apiserver's.
 */

export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: `string`, `integer`, `number`, `boolean`, `date`. */
  type: string;
  /** OpenAPI format; `name` marks the primary key column. */
  format: string;
  description: string;
  /** 0 = always shown; higher = shown by `kubectl get -o wide`. */
  priority: number;
}

export interface TableRowCondition {
  /** Only `Completed` is defined upstream (metav1.RowCompleted). */
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: string;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** The object for includeObject=Object, its PartialObjectMetadata by default, null for None. */
  object: KubeObject | PartialObjectMetadata | null;
}

export type TableVersion = 'v1' | 'v1beta1';

export interface Table {
  kind: 'Table';
  apiVersion: `meta.k8s.io/${TableVersion}`;
  metadata: ListMeta;
  /** null when headers are suppressed (every watch event after the first, TableOptions.noHeaders). */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
}

/** metav1.IncludeObjectPolicy. */
export type IncludeObjectPolicy = 'None' | 'Metadata' | 'Object';

/** What one printer returns for one object (pkg/printers: a TableRow without its object). */
export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/** A resource's columns and its row function (a TableHandler of pkg/printers/internalversion). */
export interface ResourcePrinter {
  columns: readonly TableColumnDefinition[];
  /** `now` is milliseconds since the epoch; printers print every column (kube-apiserver prints Wide). */
  print(obj: KubeObject, now: number): PrintedRow;
}

/** Shorthand for column definitions; format and priority default to "" and 0 as in Go. */
export function column(name: string, type: string, description: string, extra?: { format?: string; priority?: number }): TableColumnDefinition {
  return { name, type, format: extra?.format ?? '', description, priority: extra?.priority ?? 0 };
}
