import type { KubeObject } from '../../../shared/api/meta.ts';
import { StatusError, newBadRequest, newNotFound, newStatus } from '../../../shared/errors/status-error.ts';
import { applyJsonPatch } from '../../patch/json-patch.ts';
import { applyMergePatchToObject } from '../../patch/merge-patch.ts';
import { applyStrategicMergePatch } from '../../patch/strategic-merge-patch.ts';
import { patchSchemaFor } from '../../patch/patch-meta-from-openapi.ts';
import { apply, validatePatchOptions } from '../../fieldmanager/field-manager.ts';
import { isTrue } from '../../server/request-info.ts';
import type { UpdateStrategy } from '../../registry/rest/strategy.ts';
import { decodeErrorMessage, decodeFailureMessage, findUnknownFields, pruneUnknownFields, strictDecodingMessage } from '../../openapi/schema-validator.ts';
import { apiVersionOf } from '../../registry/generic/store.ts';
import { fieldManagerParam, fieldValidationParam, parseDryRun, type RequestContext } from '../request-context.ts';
import { decodeBody, mediaType, readBody } from './body.ts';
import { userAgentManager, withAdmissionWarnings } from './crud.ts';
import { writeOne } from './output.ts';
import { addWarnings } from './response.ts';

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/**
 * PATCH of an object or its status: JSON patch, merge patch, strategic merge patch and server-side apply,
 * applied to the current object inside the store's one CAS loop (so a patch never loses a concurrent write).
 */
export async function handlePatch(ctx: RequestContext, strategy?: UpdateStrategy): Promise<void> {
  const type = mediaType(ctx.req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) {
    throw new StatusError(newStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`));
  }
  const raw = await readBody(ctx.req);
  const patch = decodeBody(raw, type === 'application/apply-patch+yaml' ? 'application/yaml' : 'application/json');
  const fieldValidation = fieldValidationParam(ctx.query);
  const info = ctx.entry.store.info;
  const apiVersion = apiVersionOf(info);
  const fieldManager = fieldManagerParam(ctx.query);
  const force = ctx.query.has('force') ? isTrue(ctx.query.get('force')) : undefined;
  validatePatchOptions(type, { fieldManager, force });
  const dryRun = parseDryRun(ctx.query);
  const name = ctx.info.name;
  const subresource = ctx.info.subresource || undefined;
  const isApply = type === 'application/apply-patch+yaml';
  let warnings: string[] = [];
  const patched = (current: KubeObject | null): KubeObject => {
    let next: KubeObject;
    switch (type) {
      case 'application/json-patch+json':
        next = applyJsonPatch(current as KubeObject, patch, { fieldValidation });
        break;
      case 'application/merge-patch+json':
        next = applyMergePatchToObject(current as KubeObject, patch, { fieldValidation });
        break;
      case 'application/strategic-merge-patch+json':
        next = applyStrategicMergePatch(current as KubeObject, patch, patchSchemaFor(apiVersion, info.kind));
        break;
      default: {
        // Server-side apply: merge the applied configuration into the live object with field ownership.
        warnings = checkPatchedFields(ctx, patch as KubeObject, fieldValidation);
        const now = new Date(ctx.now());
        return apply(current, patch, fieldManager as string, { force, now, apiVersion, kind: info.kind, subresource }).object;
      }
    }
    warnings = checkPatchedFields(ctx, next, fieldValidation);
    return next;
  };
  const admissionWarnings: string[] = [];
  const { object, created } = await withAdmissionWarnings(ctx, admissionWarnings, () =>
    ctx.entry.store.update(
      ctx.info.namespace || undefined,
      name,
      (current) => {
        if (!current && !isApply) throw newNotFound(ctx.entry.store.qualifiedResource, name);
        return patched(current);
      },
      {
        dryRun,
        fieldManager: fieldManager ?? userAgentManager(ctx),
        strategy,
        subresource,
        forceAllowCreate: isApply && !subresource ? true : undefined,
        operation: isApply ? 'Apply' : 'Update',
        user: ctx.user,
        warnings: admissionWarnings,
      },
    ),
  );
  addWarnings(ctx.res, warnings);
  writeOne(ctx, created ? 201 : 200, object);
}

/** Decoding checks on the patched object: type errors (400) and unknown fields (Strict 400 / Warn warnings). */
function checkPatchedFields(ctx: RequestContext, obj: KubeObject, mode: 'Ignore' | 'Warn' | 'Strict'): string[] {
  const info = ctx.entry.store.info;
  const apiVersion = apiVersionOf(info);
  const decodeErr = decodeErrorMessage(info.kind, obj, apiVersion);
  if (decodeErr) throw newBadRequest(decodeFailureMessage(info.kind, info.version, decodeErr));
  const unknown = findUnknownFields(info.kind, obj, apiVersion);
  if (unknown.length === 0) return [];
  if (mode === 'Strict') throw newBadRequest(strictDecodingMessage(unknown));
  // As kube decodes into typed structs: unknown fields are never stored.
  pruneUnknownFields(info.kind, obj, apiVersion);
  return mode === 'Ignore' ? [] : unknown.map((f) => `unknown field "${f}"`);
}
