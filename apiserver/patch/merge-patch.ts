/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`).
 *
 * `applyMergePatch` is the RFC algorithm as implemented by evanphx/json-patch `MergePatch`, which
 * kube-apiserver calls (k8s.io/apiserver/pkg/endpoints/handlers/patch.go `applyJSPatch`):
 * objects merge recursively, `null` deletes a member, arrays and scalars replace, a non-object patch
 * replaces the whole document. One evanphx detail differs from the RFC pseudo-code: when a value is taken
 * from the patch as is, `null` members of objects inside it are pruned, including objects inside arrays
 * (pruneDocNulls / pruneAryNulls).
 *
 * `applyMergePatchToObject` is the API-object entry point with kube's errors: the patch must be a JSON
 * object. With fieldValidation Warn (the server default) or Strict, kube first decodes the body strictly
 * into map[string]interface{} (400 `error decoding patch: json: cannot unmarshal array into Go value of
 * type map[string]interface {}`); a `null` body then fails in MergePatch with ErrBadJSONPatch
 * (400 `Invalid JSON Patch`).
 *
 * Inputs are never mutated.
 */
import { newBadRequest } from '../../shared/errors/status-error.ts';
import type { FieldValidation } from './json-patch.ts';
import { clone, goJsonTypeName, isObject, type JsonObject } from './json-value.ts';

/** RFC 7386 MergePatch(target, patch). Pure: returns a new value. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return pruneNulls(clone(patch));
  const result: JsonObject = isObject(target) ? clone(target) : {};
  mergeInto(result, patch);
  return result;
}

function mergeInto(doc: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete doc[key];
      continue;
    }
    const cur = doc[key];
    if (isObject(value) && isObject(cur)) {
      mergeInto(cur, value);
    } else {
      doc[key] = pruneNulls(clone(value));
    }
  }
}

/** evanphx pruneNulls: drop null members of objects, recursively (array elements themselves are kept). */
function pruneNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) pruneNulls(item);
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null) delete value[k];
      else pruneNulls(v);
    }
  }
  return value;
}

export interface MergePatchOptions {
  /** Request fieldValidation; only changes the 400 text for a non-object body. Default 'Warn'. */
  fieldValidation?: FieldValidation;
}

/** Applies a merge patch to an API object, with kube's 400s for patches that are not JSON objects. */
export function applyMergePatchToObject<T extends object>(obj: T, patch: unknown, options: MergePatchOptions = {}): T {
  const strict = (options.fieldValidation ?? 'Warn') !== 'Ignore';
  if (!isObject(patch)) {
    if (strict && patch !== null) {
      throw newBadRequest(`error decoding patch: json: cannot unmarshal ${goJsonTypeName(patch)} into Go value of type map[string]interface {}`);
    }
    throw newBadRequest('Invalid JSON Patch');
  }
  return applyMergePatch(obj, patch) as T;
}
