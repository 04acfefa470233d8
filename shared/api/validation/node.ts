/**
 * Node validation (pkg/apis/core/validation ValidateNode, ValidateNodeUpdate, ValidateNodeResources).
 */
import { fieldDuplicate, fieldForbidden, fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { arr, fieldDuplicateWithDetail, idx, obj, str } from './field-errors.ts';
import { isCIDR, isValidLabelValue, nameIsDNSSubdomain } from './names.ts';
import { validateLabelName, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { quantityAt, validateResourceQuantityValue } from './resources.ts';

/** validateNodeTaints. kube builds the path from "metadata" (metadata.taints[i]) and we keep that. */
export function validateNodeTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  arr(taints).forEach((t, i) => {
    const taint = obj(t);
    const p = idx(path, i);
    const k = str(taint.key);
    const effect = str(taint.effect);
    errs.push(...validateLabelName(k, `${p}.key`));
    const ve = isValidLabelValue(str(taint.value));
    if (ve.length) errs.push(fieldInvalid(`${p}.value`, str(taint.value), ve.join(';')));
    if (effect === '') errs.push(fieldRequired(`${p}.effect`));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(fieldNotSupported(`${p}.effect`, effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
    const keys = unique.get(effect) ?? new Set<string>();
    if (keys.has(k)) {
      errs.push(fieldDuplicateWithDetail(p, taint, 'taints must be unique by key and effect pair'));
      return;
    }
    keys.add(k);
    unique.set(effect, keys);
  });
  return errs;
}

/** ValidateNodeResources: capacity and allocatable quantities must be valid, non-negative. */
export function validateNodeResources(node: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const status = obj(obj(node).status);
  for (const list of ['capacity', 'allocatable'] as const) {
    const rl = obj(status[list]);
    for (const name of Object.keys(rl).sort()) {
      // kube uses field.NewPath("status", list, name): a child, not a [key].
      const p = `status.${list}.${name}`;
      const q = quantityAt(rl[name], p, errs);
      if (q) errs.push(...validateResourceQuantityValue(name, q, p));
    }
  }
  return errs;
}

function validatePodCIDRs(spec: Record<string, unknown>): FieldError[] {
  const cidrs = arr(spec.podCIDRs).map(str);
  if (cidrs.length === 0) return [];
  const path = 'spec.podCIDRs';
  const errs: FieldError[] = [];
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(fieldInvalid(idx(path, i), c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  if (cidrs.length > 1) {
    const v6 = cidrs.filter((c) => c.includes(':')).length;
    if (cidrs.length > 2 || v6 !== 1) errs.push(fieldInvalid(path, cidrs, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(fieldDuplicate(idx(path, i), c));
      seen.add(c);
    });
  }
  return errs;
}

/** ValidateNode (create). Node names are DNS subdomains; nodes are cluster-scoped. */
export function validateNode(node: unknown): FieldError[] {
  const n = obj(node);
  const spec = obj(n.spec);
  const errs = validateObjectMeta(obj(n.metadata) as ObjectMeta, { namespaced: false, nameValidator: nameIsDNSSubdomain });
  if (arr(spec.taints).length > 0) errs.push(...validateNodeTaints(spec.taints, 'metadata.taints'));
  errs.push(...validateNodeResources(node));
  errs.push(...validatePodCIDRs(spec));
  return errs;
}

/** ValidateNodeUpdate: status and most of spec may change; podCIDRs and providerID only from unset. */
export function validateNodeUpdate(node: unknown, oldNode: unknown): FieldError[] {
  const n = obj(node);
  const o = obj(oldNode);
  const spec = obj(n.spec);
  const oldSpec = obj(o.spec);
  const errs = validateObjectMetaUpdate(obj(n.metadata) as ObjectMeta, obj(o.metadata) as ObjectMeta);
  errs.push(...validateNodeResources(node));
  const seen = new Set<string>();
  arr(obj(n.status).addresses).forEach((a, i) => {
    const addr = obj(a);
    const k = `${str(addr.type)}\u0000${str(addr.address)}`;
    if (seen.has(k)) errs.push(fieldDuplicate(`status.addresses[${i}]`, addr));
    seen.add(k);
  });
  const oldCIDRs = arr(oldSpec.podCIDRs).map(str);
  const newCIDRs = arr(spec.podCIDRs).map(str);
  if (oldCIDRs.length > 0) {
    const msg = 'node updates may not change podCIDR except from "" to valid';
    if (oldCIDRs.length !== newCIDRs.length) errs.push(fieldForbidden('spec.podCIDRs', msg));
    else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(fieldForbidden('spec.podCIDRs', msg)));
  }
  if (str(oldSpec.providerID) !== '' && str(oldSpec.providerID) !== str(spec.providerID)) {
    errs.push(fieldForbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if (arr(spec.taints).length > 0) errs.push(...validateNodeTaints(spec.taints, 'metadata.taints'));
  if (str(spec.externalID) !== str(oldSpec.externalID)) errs.push(fieldForbidden('spec.externalID', 'may not be updated'));
  return errs;
}

