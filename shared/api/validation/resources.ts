/**
 * Resource names and quantities (pkg/apis/core/validation validateResourceRequirements,
 * ValidateResourceQuantityValue; pkg/apis/core/helper resource-name predicates).
 */
import { fieldForbidden, fieldInvalid, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import { compareQuantities, parseQuantityExact, QUANTITY_FORMAT_ERROR, quantityMilliValue, quantityToString, type Quantity } from '../quantity.ts';
import { key, obj } from './field-errors.ts';
import { isQualifiedName } from './names.ts';
import { IS_NEGATIVE_ERROR } from './meta.ts';

const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export const isHugePageResourceName = (name: string): boolean => name.startsWith('hugepages-');
export const isPrefixedNativeResource = (name: string): boolean => name.includes('kubernetes.io/');
export const isNativeResource = (name: string): boolean => !name.includes('/') || isPrefixedNativeResource(name);

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

export const isOvercommitAllowed = (name: string): boolean => isNativeResource(name) && !isHugePageResourceName(name);
export const isIntegerResourceName = (name: string): boolean => INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);

function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

/** validateResourceName: qualified, and unprefixed names must be standard. */
export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fieldInvalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) {
    errs.push(fieldInvalid(path, name, 'must be a standard resource type or fully qualified'));
  }
  return errs;
}

/** validateContainerResourceName. */
export function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResourceName(name)) {
      errs.push(fieldInvalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(fieldInvalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Parse a quantity field; unparseable values become a FieldError (kube rejects them while decoding). */
export function quantityAt(value: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') {
    errs.push(fieldInvalid(path, value, QUANTITY_FORMAT_ERROR));
    return undefined;
  }
  try {
    return parseQuantityExact(value);
  } catch (e) {
    errs.push(fieldInvalid(path, value, (e as Error).message));
    return undefined;
  }
}

/** ValidateResourceQuantityValue: non-negative, and whole numbers for integer resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (q.nanos < 0n) errs.push(fieldInvalid(path, quantityToString(q), IS_NEGATIVE_ERROR));
  if (isIntegerResourceName(name) && quantityMilliValue(q) % 1000 !== 0) errs.push(fieldInvalid(path, quantityToString(q), 'must be an integer'));
  return errs;
}

export type ResourceNameValidator = (name: string, path: string) => FieldError[];

/** validateResourceRequirements for a container (`path` is `...resources`). Keys are visited in sorted order. */
export function validateResourceRequirements(
  requirements: unknown,
  path: string,
  nameFn: ResourceNameValidator = validateContainerResourceName,
): FieldError[] {
  const r = obj(requirements);
  const limits = obj(r.limits);
  const requests = obj(r.requests);
  const limPath = `${path}.limits`;
  const reqPath = `${path}.requests`;
  const errs: FieldError[] = [];
  const parsedLimits = new Map<string, Quantity>();
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  for (const name of Object.keys(limits).sort()) {
    const p = key(limPath, name);
    errs.push(...nameFn(name, p));
    const q = quantityAt(limits[name], p, errs);
    if (!q) continue;
    parsedLimits.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, p));
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const name of Object.keys(requests).sort()) {
    const p = key(reqPath, name);
    errs.push(...nameFn(name, p));
    const q = quantityAt(requests[name], p, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, p));
    const lim = parsedLimits.get(name);
    if (lim) {
      const cmp = compareQuantities(q, lim);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(fieldInvalid(reqPath, quantityToString(q), `must be equal to ${name} limit of ${quantityToString(lim)}`));
      } else if (cmp > 0) {
        errs.push(fieldInvalid(reqPath, quantityToString(q), `must be less than or equal to ${name} limit of ${quantityToString(lim)}`));
      }
    } else if (!isOvercommitAllowed(name) && !(name in limits)) {
      errs.push(fieldRequired(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(fieldForbidden(path, 'HugePages require cpu or memory'));
  return errs;
}
