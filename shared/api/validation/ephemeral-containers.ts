/**
 * Ephemeral container validation, following pkg/apis/core/validation/validation.go: validateEphemeralContainers
 * (called from ValidatePodSpec for every pod) and the field allow-list it enforces. The update rules of the
 * `pods/ephemeralcontainers` subresource (ValidatePodEphemeralContainersUpdate) are in
 * ephemeral-containers-update.ts; this file does not import pod.ts, which calls it.
 */
import { fieldDuplicate, fieldForbidden, fieldInvalid, type FieldError } from '../../errors/status-error.ts';
import { normalize } from './_semantic.ts';
import { arr, fieldNotFound, idx, obj, str, type Obj } from './field-errors.ts';

/** kube's detail for every field an ephemeral container may not carry. */
export const EPHEMERAL_FORBIDDEN_DETAIL = 'cannot be set for an Ephemeral Container';

/**
 * The EphemeralContainerCommon fields outside allowedEphemeralContainerFields, in the struct's order (the order
 * kube reports them in): ports, resources, resizePolicy, restartPolicy, restartPolicyRules, probes, lifecycle.
 */
export const EPHEMERAL_DISALLOWED_FIELDS = [
  'ports',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'restartPolicyRules',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
] as const;

/**
 * validateEphemeralContainers. `validateCommon` is the validation every container kind gets
 * (validateContainerCommon: name, image, env, mounts, pull policy, security context ...), passed in by
 * ValidatePodSpec, which owns the volumes and the pod-level context it needs.
 */
export function validateEphemeralContainers(
  ephemeralContainers: unknown,
  containers: unknown,
  initContainers: unknown,
  path: string,
  validateCommon: (c: Obj, path: string) => FieldError[],
): FieldError[] {
  const list = arr(ephemeralContainers).map(obj);
  if (list.length === 0) return [];
  const errs: FieldError[] = [];
  // Targets may be regular or init containers, never another ephemeral container.
  const otherNames = new Set<string>();
  for (const c of [...arr(containers), ...arr(initContainers)]) otherNames.add(str(obj(c).name));
  const allNames = new Set(otherNames);
  list.forEach((ec, i) => {
    const p = idx(path, i);
    errs.push(...validateCommon(ec, p));
    // validateContainerOnlyForPod
    const image = str(ec.image);
    if (image !== image.trim()) errs.push(fieldInvalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));
    // Names are unique across all container kinds.
    const name = str(ec.name);
    if (allNames.has(name)) errs.push(fieldDuplicate(`${p}.name`, name));
    else allNames.add(name);
    const target = str(ec.targetContainerName);
    if (target !== '' && !otherNames.has(target)) errs.push(fieldNotFound(`${p}.targetContainerName`, target));
    errs.push(...validateEphemeralFieldAllowList(ec, p));
    // Subpaths are bind mounts that outlive the container; they imply workload use, so none at all.
    arr(ec.volumeMounts).forEach((m, j) => {
      const mount = obj(m);
      if (str(mount.subPath) !== '') errs.push(fieldForbidden(`${p}.volumeMounts[${j}].subPath`, EPHEMERAL_FORBIDDEN_DETAIL));
      if (str(mount.subPathExpr) !== '') errs.push(fieldForbidden(`${p}.volumeMounts[${j}].subPathExpr`, EPHEMERAL_FORBIDDEN_DETAIL));
    });
  });
  return errs;
}

/**
 * validateFieldAllowList over EphemeralContainerCommon: every disallowed field holding a non-zero value (Go's
 * zero: absent, null, empty list or map, a struct of zero fields such as the defaulted `resources: {}`).
 */
export function validateEphemeralFieldAllowList(ec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of EPHEMERAL_DISALLOWED_FIELDS) {
    if (normalize(ec[f], f) !== undefined) errs.push(fieldForbidden(`${path}.${f}`, EPHEMERAL_FORBIDDEN_DETAIL));
  }
  return errs;
}
