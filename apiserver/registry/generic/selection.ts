import type { KubeObject } from '../../../shared/api/meta.ts';

/**
 * What a LIST/WATCH selects: label and field selectors compiled to one predicate (storage.SelectionPredicate).
 */
export interface SelectionPredicate {
  /** True when both selectors are empty (everything matches). */
  readonly empty: boolean;
  matches(obj: KubeObject): boolean;
  /** Set when the field selector pins metadata.name=X (served as a point read). */
  readonly singleName?: string;
}

export const everything: SelectionPredicate = { empty: true, matches: () => true };
