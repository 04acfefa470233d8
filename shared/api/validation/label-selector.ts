/**
 * metav1 LabelSelector validation (k8s.io/apimachinery/pkg/apis/meta/v1/validation ValidateLabelSelector and
 * ValidateLabelSelectorRequirement), shared by pod affinity terms, PodDisruptionBudgets and the workload kinds.
 */
import { fieldForbidden, fieldInvalid, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import { arr, isObj, obj, str } from './field-errors.ts';
import { validateLabelName, validateLabels } from './meta.ts';
import { isValidLabelValue } from './names.ts';

export interface LabelSelectorValidationOptions {
  /** Skip the label-value check of matchExpressions values (an update keeps a selector stored before the check). */
  allowInvalidLabelValueInSelector?: boolean;
}

/** ValidateLabelSelector: nothing to check for a nil selector. */
export function validateLabelSelector(sel: unknown, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  if (!isObj(sel)) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  arr(sel.matchExpressions).forEach((e, i) => errs.push(...validateLabelSelectorRequirement(obj(e), `${path}.matchExpressions[${i}]`, opts)));
  return errs;
}

export function validateLabelSelectorRequirement(req: Record<string, unknown>, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const values = arr(req.values);
  switch (str(req.operator)) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldRequired(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fieldForbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(fieldInvalid(`${path}.operator`, str(req.operator), 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(req.key), `${path}.key`));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(str(v))) errs.push(fieldInvalid(`${path}.values[${j}]`, str(v), m));
    });
  }
  return errs;
}
