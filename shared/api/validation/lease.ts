/** coordination.k8s.io/v1 Lease validation (pkg/apis/coordination/validation/validation.go). */
import { fieldForbidden, fieldInvalid, fieldNotSupported, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { num, obj, str } from './field-errors.ts';
import { isQualifiedName, nameIsDNSSubdomain } from './names.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';

const LEASE_STRATEGIES = ['OldestEmulationVersion'];

export function validateLeaseSpec(specIn: unknown, path = 'spec'): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const dur = num(spec.leaseDurationSeconds);
  if (dur !== undefined && dur <= 0) errs.push(fieldInvalid(`${path}.leaseDurationSeconds`, dur, 'must be greater than 0'));
  const tr = num(spec.leaseTransitions);
  if (tr !== undefined && tr < 0) errs.push(fieldInvalid(`${path}.leaseTransitions`, tr, 'must be greater than or equal to 0'));
  const strategy = str(spec.strategy);
  if (spec.strategy !== undefined && spec.strategy !== null) {
    // kube appends "strategy" to a path that already ends in strategy.
    const sp = `${path}.strategy.strategy`;
    if (!strategy.includes('/')) {
      if (!LEASE_STRATEGIES.includes(strategy)) errs.push(fieldNotSupported(sp, strategy, LEASE_STRATEGIES));
    } else {
      for (const m of isQualifiedName(strategy)) errs.push(fieldInvalid(sp, strategy, m));
    }
  }
  if (str(spec.preferredHolder) !== '' && strategy === '') {
    errs.push(fieldForbidden(`${path}.preferredHolder`, 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

/** ValidateLease (create): namespaced, DNS-subdomain name, valid spec. */
export function validateLease(lease: unknown): FieldError[] {
  const l = obj(lease);
  return [...validateObjectMeta(obj(l.metadata) as ObjectMeta, { namespaced: true, nameValidator: nameIsDNSSubdomain }), ...validateLeaseSpec(l.spec)];
}

export function validateLeaseUpdate(lease: unknown, oldLease: unknown): FieldError[] {
  const l = obj(lease);
  return [...validateObjectMetaUpdate(obj(l.metadata) as ObjectMeta, obj(obj(oldLease).metadata) as ObjectMeta), ...validateLeaseSpec(l.spec)];
}
