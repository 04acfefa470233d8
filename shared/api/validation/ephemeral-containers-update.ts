/**
 * ValidatePodEphemeralContainersUpdate (pkg/apis/core/validation/validation.go): what the
 * `pods/ephemeralcontainers` subresource accepts. The strategy has already reset everything but
 * spec.ephemeralContainers to the stored pod, so this checks the new pod as a whole (the new ephemeral
 * containers included, through ValidatePodSpec) and that existing ephemeral containers are neither removed
 * nor changed: they can only be added.
 */
import { fieldForbidden, type FieldError } from '../../errors/status-error.ts';
import { goStyleDiff, semanticEqual } from './_semantic.ts';
import { arr, obj, str } from './field-errors.ts';
import { validateObjectMetaUpdate } from './meta.ts';
import { MIRROR_POD_ANNOTATION, validatePodMetadataAndSpec, type PodValidationOptions } from './pod.ts';
import type { ObjectMeta } from '../meta.ts';

const SPEC_PATH = 'spec.ephemeralContainers';

export function validatePodEphemeralContainersUpdate(newPod: unknown, oldPod: unknown, opts: PodValidationOptions = {}): FieldError[] {
  const newMeta = obj(obj(newPod).metadata) as ObjectMeta;
  const oldMeta = obj(obj(oldPod).metadata) as ObjectMeta;
  const errs = validateObjectMetaUpdate(newMeta, oldMeta);
  errs.push(...validatePodMetadataAndSpec(newPod, opts));
  // Static pods cannot run ephemeral containers (kubernetes#113935): this error replaces all others.
  if (MIRROR_POD_ANNOTATION in obj(oldMeta.annotations)) return [fieldForbidden('', 'static pods do not support ephemeral containers')];
  // Patches do not keep the order, so each existing container is looked up by name.
  const byName = new Map<string, unknown>();
  for (const c of arr(obj(obj(newPod).spec).ephemeralContainers)) byName.set(str(obj(c).name), c);
  for (const old of arr(obj(obj(oldPod).spec).ephemeralContainers)) {
    const name = str(obj(old).name);
    const now = byName.get(name);
    if (now === undefined) {
      errs.push(fieldForbidden(SPEC_PATH, `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    } else if (!semanticEqual(old, now)) {
      errs.push(fieldForbidden(SPEC_PATH, `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${goStyleDiff(old, now, 'core.EphemeralContainer')}`));
    }
  }
  return errs;
}
