import type { KubeObject } from '../../../shared/api/meta.ts';
import type { ObjectAttrs } from '../../storage/cacher/cached-object.ts';

/**
 * What a LIST/WATCH selects: label and field selectors compiled to one predicate (storage.SelectionPredicate).
 */
export interface SelectionPredicate {
  /** True when both selectors are empty (everything matches). */
  readonly empty: boolean;
  matches(obj: KubeObject): boolean;
  /** The same test on an object's selection attributes (what the watch cache keeps). */
  matchesAttrs(attrs: ObjectAttrs): boolean;
  /** Set when the field selector pins metadata.name=X (served as a point read). */
  readonly singleName?: string;
}

export const everything: SelectionPredicate = { empty: true, matches: () => true, matchesAttrs: () => true };
