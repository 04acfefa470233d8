/** pods/binding validation (pkg/apis/core/validation ValidatePodBinding). */
import { fieldNotSupported, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import { obj, str } from './field-errors.ts';

/** target.kind must be "Node" or empty; target.name is required. */
export function validateBinding(binding: unknown): FieldError[] {
  const target = obj(obj(binding).target);
  const errs: FieldError[] = [];
  const kind = str(target.kind);
  if (kind !== '' && kind !== 'Node') errs.push(fieldNotSupported('target.kind', kind, ['Node', '<empty>']));
  if (str(target.name) === '') errs.push(fieldRequired('target.name'));
  return errs;
}
