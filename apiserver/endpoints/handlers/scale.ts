/**
 * HTTP for the `scale` subresource (deployments, replicasets, statefulsets): GET, PUT and PATCH of an
 * autoscaling/v1 Scale. The Scale logic (projection, validation, carrying replicas back) is the registry's
 * (apiserver/registry/apps/scale.ts); this file decodes bodies and applies patches to the current Scale.
 */
import type { Scale } from '../../../shared/api/autoscaling-v1.ts';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { StatusError, newBadRequest, newMethodNotAllowed, newStatus } from '../../../shared/errors/status-error.ts';
import { apply, validatePatchOptions } from '../../fieldmanager/field-manager.ts';
import { decodeErrorMessage, decodeFailureMessage, findUnknownFields, pruneUnknownFields, strictDecodingMessage } from '../../openapi/schema-validator.ts';
import { applyJsonPatch } from '../../patch/json-patch.ts';
import { applyMergePatchToObject } from '../../patch/merge-patch.ts';
import { schemaFor } from '../../patch/patch-meta.ts';
import { applyStrategicMergePatch } from '../../patch/strategic-merge-patch.ts';
import { AUTOSCALING_V1, getScale, updateScale } from '../../registry/apps/scale.ts';
import { isTrue } from '../../server/request-info.ts';
import { fieldManagerParam, fieldValidationParam, parseDryRun, type RequestContext, type SubresourceHandler } from '../request-context.ts';
import { decodeBody, decodeObjectBody, isPlainObject, mediaType, readBody } from './body.ts';
import { userAgentManager, withAdmissionWarnings } from './crud.ts';
import { includeObjectParam, writeOne } from './output.ts';
import { addWarnings, writeObject } from './response.ts';
import { tableFor } from '../../printers/table-for.ts';

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/** Type errors are 400s; unknown fields are refused (Strict), dropped with a warning (Warn) or dropped (Ignore). */
function checkScaleFields(ctx: RequestContext, body: unknown): string[] {
  const decodeErr = decodeErrorMessage('Scale', body, AUTOSCALING_V1);
  if (decodeErr) throw newBadRequest(decodeFailureMessage('Scale', 'v1', decodeErr));
  const unknown = findUnknownFields('Scale', body, AUTOSCALING_V1);
  if (unknown.length === 0) return [];
  const mode = fieldValidationParam(ctx.query);
  if (mode === 'Strict') throw new StatusError(newStatus(400, 'BadRequest', decodeFailureMessage('Scale', 'v1', strictDecodingMessage(unknown))));
  pruneUnknownFields('Scale', body, AUTOSCALING_V1);
  return mode === 'Ignore' ? [] : unknown.map((f) => `unknown field "${f}"`);
}

async function readScale(ctx: RequestContext): Promise<Scale> {
  const body = decodeObjectBody(await readBody(ctx.req), ctx.req.headers['content-type'], 'Scale');
  if (body.kind !== undefined && body.kind !== '' && body.kind !== 'Scale') {
    throw newBadRequest(`${String(body.kind)} in version "${String(body.apiVersion ?? 'v1')}" cannot be handled as a Scale: no kind "${String(body.kind)}" is registered for version "${AUTOSCALING_V1}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`);
  }
  if (body.apiVersion !== undefined && body.apiVersion !== '' && body.apiVersion !== AUTOSCALING_V1) {
    throw newBadRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${AUTOSCALING_V1})`);
  }
  addWarnings(ctx.res, checkScaleFields(ctx, body));
  if (!isPlainObject(body.metadata)) body.metadata = {};
  return body as Scale;
}

/** The patch of a PATCH request as a function of the current Scale, plus the warnings it produced. */
async function readScalePatch(ctx: RequestContext): Promise<{ change: (current: Scale) => Scale; result: { warnings: string[] } }> {
  const type = mediaType(ctx.req.headers['content-type']);
  if (!PATCH_TYPES.includes(type)) {
    throw new StatusError(newStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`));
  }
  const patch = decodeBody(await readBody(ctx.req), type === 'application/apply-patch+yaml' ? 'application/yaml' : 'application/json');
  const fieldValidation = fieldValidationParam(ctx.query);
  const fieldManager = fieldManagerParam(ctx.query);
  const force = ctx.query.has('force') ? isTrue(ctx.query.get('force')) : undefined;
  validatePatchOptions(type, { fieldManager, force });
  const out = { warnings: [] as string[] };
  const change = (current: Scale): Scale => {
    let next: Scale;
    switch (type) {
      case 'application/json-patch+json':
        next = applyJsonPatch(current, patch, { fieldValidation });
        break;
      case 'application/merge-patch+json':
        next = applyMergePatchToObject(current, patch, { fieldValidation });
        break;
      case 'application/strategic-merge-patch+json':
        next = applyStrategicMergePatch(current, patch, schemaFor(AUTOSCALING_V1, 'Scale'));
        break;
      default:
        next = apply(current, patch, fieldManager as string, { force, now: new Date(ctx.now()), apiVersion: AUTOSCALING_V1, kind: 'Scale', subresource: 'scale' }).object as Scale;
        delete next.metadata.managedFields;
    }
    out.warnings = checkScaleFields(ctx, next);
    return next;
  };
  return { change, result: out };
}

/** Writes a Scale; as a Table its own columns (NAME DESIRED AVAILABLE), not the workload's. */
function writeScale(ctx: RequestContext, code: number, scale: Scale): void {
  if (ctx.output.as === 'Table') {
    const table = tableFor('scales', [scale as KubeObject], { group: 'autoscaling', includeObject: includeObjectParam(ctx), now: ctx.now(), tableVersion: ctx.output.version });
    writeObject(ctx.res, code, table);
    return;
  }
  writeOne(ctx, code, scale as KubeObject);
}

/** The `scale` subresource handler for one workload resource. */
export function scaleHandler(): SubresourceHandler {
  return async (ctx) => {
    const store = ctx.entry.store;
    const namespace = ctx.info.namespace || undefined;
    const name = ctx.info.name;
    switch (ctx.info.verb) {
      case 'get':
        writeScale(ctx, 200, await getScale(store, namespace, name));
        return;
      case 'update':
      case 'patch': {
        let change: (current: Scale) => Scale;
        let patchWarnings: { warnings: string[] } | undefined;
        if (ctx.info.verb === 'update') {
          const requested = await readScale(ctx);
          change = () => requested;
        } else {
          const p = await readScalePatch(ctx);
          change = p.change;
          patchWarnings = p.result;
        }
        const warnings: string[] = [];
        const scale = await withAdmissionWarnings(ctx, warnings, () =>
          updateScale(store, namespace, name, change, {
            dryRun: parseDryRun(ctx.query),
            fieldManager: fieldManagerParam(ctx.query) ?? userAgentManager(ctx),
            user: ctx.user,
            warnings,
          }),
        );
        if (patchWarnings) addWarnings(ctx.res, patchWarnings.warnings);
        writeScale(ctx, 200, scale);
        return;
      }
      default:
        throw newMethodNotAllowed('the server does not allow this method on the requested resource');
    }
  };
}
