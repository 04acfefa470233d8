import type { KubeObject } from '../../../shared/api/meta.ts';
import { isEverything, matches, parseLabelSelector, LabelSelectorError } from '../../../shared/api/labels.ts';
import {
  convertFieldSelector,
  fieldRequiresExactMatch,
  fieldsFor,
  isEverythingFields,
  matchesFields,
  parseFieldSelector,
  FieldSelectorError,
} from '../../../shared/api/fields.ts';
import { newBadRequest } from '../../../shared/errors/status-error.ts';
import type { SelectionPredicate } from '../../registry/generic/selection.ts';
import type { ServedResource } from '../request-context.ts';

/**
 * Compiles `labelSelector` and `fieldSelector` query values into one predicate for the store and the watch
 * cache. Bad syntax or an unsupported field is a 400 in kube-apiserver's words.
 */
export function buildPredicate(entry: ServedResource, labelSelector: string, fieldSelector: string, namespace: string): SelectionPredicate {
  const resource = entry.store.info.resource;
  let labels;
  let fields;
  try {
    labels = parseLabelSelector(labelSelector);
  } catch (e) {
    if (e instanceof LabelSelectorError) throw newBadRequest(e.message);
    throw e;
  }
  try {
    fields = convertFieldSelector(resource, parseFieldSelector(fieldSelector));
  } catch (e) {
    if (e instanceof FieldSelectorError) throw newBadRequest(e.message);
    throw e;
  }
  const noLabels = isEverything(labels);
  const noFields = isEverythingFields(fields);
  const name = fieldRequiresExactMatch(fields, 'metadata.name');
  if (noLabels && noFields) return { empty: true, matches: () => true, matchesAttrs: () => true };
  return {
    empty: false,
    // A name pins a point read only when the request is namespaced (or the resource cluster-scoped).
    singleName: name !== undefined && (namespace || !entry.store.info.namespaced) ? name : undefined,
    matches: (obj: KubeObject) =>
      (noLabels || matches(labels, obj.metadata.labels)) && (noFields || matchesFields(fields, fieldsFor(resource, obj))),
    matchesAttrs: (a) => (noLabels || matches(labels, a.labels)) && (noFields || matchesFields(fields, a.fields)),
  };
}
