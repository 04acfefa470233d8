import type { KubeObject } from '../../../shared/api/meta.ts';
import { newBadRequest, newMethodNotAllowed, StatusError, newStatus } from '../../../shared/errors/status-error.ts';
import { isTrue } from '../../server/request-info.ts';
import type { UpdateStrategy } from '../../registry/rest/strategy.ts';
import {
  fieldManagerParam,
  intParam,
  parseDryRun,
  type RequestContext,
} from '../request-context.ts';
import { decodeBody, decodeObjectBody, isPlainObject, readBody } from './body.ts';
import { writeList, writeOne } from './output.ts';
import { addWarnings, writeObject } from './response.ts';
import { buildPredicate } from './selectors.ts';
import { checkBodyKind, checkUnknownFields } from './decode-object.ts';

/** GET on a named object (and on its status subresource). */
export async function handleGet(ctx: RequestContext): Promise<void> {
  const obj = await ctx.entry.store.get(ctx.info.namespace || undefined, ctx.info.name);
  writeOne(ctx, 200, obj);
}

/** GET on a collection. */
export async function handleList(ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const list = await ctx.entry.store.list(ctx.info.namespace || undefined, {
    predicate: buildPredicate(ctx.entry, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '', ctx.info.namespace),
    limit: intParam(q, 'limit'),
    continue: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
  });
  await writeList(ctx, list);
}

/** Reads and decodes an object body for create/update, checking its kind and unknown fields. */
export async function readObject(ctx: RequestContext, kind = ctx.entry.store.info.kind): Promise<KubeObject> {
  const body = decodeObjectBody(await readBody(ctx.req), ctx.req.headers['content-type'], kind);
  checkBodyKind(ctx, body, kind);
  const warnings = checkUnknownFields(ctx, body, kind);
  addWarnings(ctx.res, warnings);
  if (!isPlainObject(body.metadata)) body.metadata = {};
  return body as KubeObject;
}

/** POST on a collection. */
export async function handleCreate(ctx: RequestContext): Promise<void> {
  if (ctx.info.name) throw newMethodNotAllowed(`the server does not allow this method on the requested resource`);
  const obj = await readObject(ctx);
  const warnings: string[] = [];
  const created = await withAdmissionWarnings(ctx, warnings, () =>
    ctx.entry.store.create(ctx.info.namespace || undefined, obj, {
      dryRun: parseDryRun(ctx.query),
      fieldManager: fieldManagerParam(ctx.query) ?? userAgentManager(ctx),
      user: ctx.user,
      warnings,
    }),
  );
  addWarnings(ctx.res, ctx.entry.store.warningsOnCreate(created));
  writeOne(ctx, 201, created);
}

/** PUT on an object or on its status subresource. */
export async function handleUpdate(ctx: RequestContext, strategy?: UpdateStrategy): Promise<void> {
  const obj = await readObject(ctx);
  const warnings: string[] = [];
  const { object, created } = await withAdmissionWarnings(ctx, warnings, () =>
    ctx.entry.store.update(ctx.info.namespace || undefined, ctx.info.name, () => obj, {
      dryRun: parseDryRun(ctx.query),
      fieldManager: fieldManagerParam(ctx.query) ?? userAgentManager(ctx),
      strategy,
      subresource: ctx.info.subresource || undefined,
      user: ctx.user,
      warnings,
    }),
  );
  writeOne(ctx, created ? 201 : 200, object);
}

/** DeleteOptions from the body and/or the query (query wins for gracePeriodSeconds, as kube does). */
async function readDeleteOptions(ctx: RequestContext): Promise<{
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
  dryRun: boolean;
}> {
  const raw = await readBody(ctx.req);
  let body: Record<string, unknown> = {};
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    const decoded = decodeBody(raw, ctx.req.headers['content-type'] ?? 'application/json');
    if (!isPlainObject(decoded)) throw newBadRequest('DeleteOptions must be a JSON object');
    body = decoded;
  }
  let grace = typeof body.gracePeriodSeconds === 'number' ? body.gracePeriodSeconds : undefined;
  const qGrace = intParam(ctx.query, 'gracePeriodSeconds');
  if (qGrace !== undefined) grace = qGrace;
  const propagationPolicy = (ctx.query.get('propagationPolicy') ?? (typeof body.propagationPolicy === 'string' ? body.propagationPolicy : undefined)) || undefined;
  const qOrphan = ctx.query.get('orphanDependents');
  const orphanDependents = qOrphan !== null && qOrphan !== '' ? parseQueryBool(qOrphan, 'orphanDependents') : typeof body.orphanDependents === 'boolean' ? body.orphanDependents : undefined;
  // ValidateDeleteOptions.
  if (orphanDependents !== undefined && propagationPolicy) {
    throw new StatusError(newStatus(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "${propagationPolicy}": orphanDependents and deletionPropagation cannot be both set`));
  }
  if (propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(propagationPolicy)) {
    throw new StatusError(newStatus(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`));
  }
  const pre = isPlainObject(body.preconditions) ? body.preconditions : undefined;
  const dryRun = parseDryRun(ctx.query) || (Array.isArray(body.dryRun) && body.dryRun.includes('All'));
  if (Array.isArray(body.dryRun)) for (const v of body.dryRun) if (v !== 'All') throw newBadRequest(`Invalid dry run value: ${JSON.stringify(v)}: supported values: "All"`);
  return {
    gracePeriodSeconds: grace,
    preconditions: pre ? { uid: typeof pre.uid === 'string' ? pre.uid : undefined, resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined } : undefined,
    propagationPolicy,
    ...(orphanDependents !== undefined ? { orphanDependents } : {}),
    dryRun,
  };
}

/** A boolean query parameter as Go's strconv.ParseBool reads it (the query converter's error otherwise). */
function parseQueryBool(v: string, name: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw newBadRequest(`failed to decode query parameter ${JSON.stringify(name)}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** DELETE on an object. Returns the object (still present with deletionTimestamp, or its last state). */
export async function handleDelete(ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const warnings: string[] = [];
  const result = await withAdmissionWarnings(ctx, warnings, () =>
    ctx.entry.store.delete(ctx.info.namespace || undefined, ctx.info.name, { ...opts, user: ctx.user, warnings }),
  );
  // handlers/delete.go: 202 when the object stays and the client asked for cascading with orphanDependents=false.
  const code = !result.deleted && opts.orphanDependents === false ? 202 : 200;
  const body = ctx.entry.store.deleteResponse(result);
  if (body.kind === 'Status') writeObject(ctx.res, code, body, 'format' in ctx.output ? ctx.output.format : undefined);
  else writeOne(ctx, code, body as KubeObject);
}

/** DELETE on a collection (deletecollection): selectors choose what goes. */
export async function handleDeleteCollection(ctx: RequestContext): Promise<void> {
  const opts = await readDeleteOptions(ctx);
  const q = ctx.query;
  const warnings: string[] = [];
  const list = await withAdmissionWarnings(ctx, warnings, () =>
    ctx.entry.store.deleteCollection(
      ctx.info.namespace || undefined,
      { predicate: buildPredicate(ctx.entry, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '', ctx.info.namespace) },
      { ...opts, user: ctx.user, warnings },
    ),
  );
  writeObject(ctx.res, 200, list, ctx.output.as === 'object' ? ctx.output.format : 'json');
}

/**
 * Runs a store write and sends the warnings admission collected in `warnings` as Warning headers, also when
 * the write is refused (kube-apiserver writes the recorded warnings with any response).
 */
export async function withAdmissionWarnings<T>(ctx: RequestContext, warnings: string[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } finally {
    addWarnings(ctx.res, warnings);
  }
}

/** kube's default field manager when none is given: the User-Agent up to the first '/'. */
export function userAgentManager(ctx: RequestContext): string | undefined {
  const ua = ctx.req.headers['user-agent'];
  if (!ua) return undefined;
  const m = ua.split('/')[0]?.slice(0, 128);
  return m || undefined;
}

export { isTrue };
