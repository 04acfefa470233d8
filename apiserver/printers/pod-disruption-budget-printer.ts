import type { KubeObject } from '../../shared/api/meta.ts';
import type { PodDisruptionBudget } from '../../shared/api/policy-v1.ts';
import { OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/** `kubectl get pdb`: printPodDisruptionBudget in pkg/printers/internalversion/printers.go. */

export const POD_DISRUPTION_BUDGET_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Min Available', 'string', 'The minimum number of pods that must be available.'),
  column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
  column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
] as const;

/** IntOrString.String(): the number or the string; N/A when unset. */
function intOrStringCell(v: unknown): string {
  if (v === undefined || v === null) return 'N/A';
  return String(v);
}

function printPodDisruptionBudget(obj: KubeObject, now: number): PrintedRow {
  const pdb = obj as PodDisruptionBudget;
  return {
    cells: [
      pdb.metadata.name ?? '',
      intOrStringCell(pdb.spec?.minAvailable),
      intOrStringCell(pdb.spec?.maxUnavailable),
      pdb.status?.disruptionsAllowed ?? 0,
      translateTimestampSince(pdb.metadata.creationTimestamp, now),
    ],
  };
}

export const podDisruptionBudgetPrinter: ResourcePrinter = { columns: POD_DISRUPTION_BUDGET_COLUMNS, print: printPodDisruptionBudget };
