/**
 * Namespace validation (pkg/apis/core/validation ValidateNamespace, ValidateNamespaceUpdate,
 * ValidateNamespaceStatusUpdate, ValidateNamespaceFinalizeUpdate).
 */
import { fieldInvalid, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { arr, idx, obj, str } from './field-errors.ts';
import { nameIsDNSLabel } from './names.ts';
import { validateFinalizerName, validateKubeFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';

function meta(o: unknown): ObjectMeta {
  return obj(obj(o).metadata) as ObjectMeta;
}

function validateSpecFinalizers(ns: unknown, indexed: boolean): FieldError[] {
  const errs: FieldError[] = [];
  arr(obj(obj(ns).spec).finalizers).forEach((f, i) => {
    // ValidateNamespace uses the list path; the finalize subresource indexes it.
    const p = indexed ? idx('spec.finalizers', i) : 'spec.finalizers';
    errs.push(...validateFinalizerName(str(f), p), ...validateKubeFinalizerName(str(f), p));
  });
  return errs;
}

/** ValidateNamespace (create): a cluster-scoped object whose name is a DNS-1123 label. */
export function validateNamespace(ns: unknown): FieldError[] {
  return [...validateObjectMeta(meta(ns), { namespaced: false, nameValidator: nameIsDNSLabel }), ...validateSpecFinalizers(ns, false)];
}

/** ValidateNamespaceUpdate: only metadata rules apply (spec/status changes are dropped by the strategy). */
export function validateNamespaceUpdate(ns: unknown, oldNs: unknown): FieldError[] {
  return validateObjectMetaUpdate(meta(ns), meta(oldNs));
}

/** ValidateNamespaceStatusUpdate: phase Active while live, Terminating once deletionTimestamp is set. */
export function validateNamespaceStatusUpdate(ns: unknown, oldNs: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(meta(ns), meta(oldNs));
  const phase = str(obj(obj(ns).status).phase);
  if (!meta(ns).deletionTimestamp) {
    if (phase !== 'Active') errs.push(fieldInvalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(fieldInvalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}

/** ValidateNamespaceFinalizeUpdate (namespaces/{name}/finalize). */
export function validateNamespaceFinalizeUpdate(ns: unknown, oldNs: unknown): FieldError[] {
  return [...validateObjectMetaUpdate(meta(ns), meta(oldNs)), ...validateSpecFinalizers(ns, true)];
}
