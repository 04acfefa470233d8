import type { Eviction } from '../../../shared/api/policy-v1.ts';
import type { Status } from '../../../shared/api/meta.ts';
import { newBadRequest, newMethodNotAllowed } from '../../../shared/errors/status-error.ts';
import type { StoreAdmission } from '../../registry/generic/store.ts';
import { attributesFor } from '../../admission/chain.ts';
import { parseDryRun, type RequestContext, type SubresourceHandler } from '../request-context.ts';
import { decodeObjectBody, readBody } from './body.ts';
import { writeObject } from './response.ts';

/** Eviction bodies kube accepts on pods/eviction (EvictionREST.AcceptsGroupVersion). */
const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

export type EvictFn = (namespace: string, name: string, eviction: Eviction, opts: { dryRun: boolean }) => Promise<Status>;

/**
 * POST pods/{name}/eviction: decodes the Eviction (JSON, YAML or protobuf, through the common body reader),
 * runs admission for CREATE pods/eviction, and answers the registry's Status (201) or its error.
 */
export function evictionHandler(evict: EvictFn, admission: () => StoreAdmission | undefined): SubresourceHandler {
  return async (ctx: RequestContext) => {
    if (ctx.info.verb !== 'create') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
    const body = decodeObjectBody(await readBody(ctx.req), ctx.req.headers['content-type'], 'Eviction');
    const kind = body.kind;
    const apiVersion = body.apiVersion;
    if (kind !== undefined && kind !== '' && kind !== 'Eviction') {
      throw newBadRequest(`${String(kind)} in version "${String(apiVersion ?? 'v1')}" cannot be handled as a Eviction: no kind "${String(kind)}" is registered for version "policy/v1" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`);
    }
    if (apiVersion !== undefined && apiVersion !== '' && !EVICTION_VERSIONS.includes(String(apiVersion))) {
      throw newBadRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (policy/v1)`);
    }
    const eviction = body as unknown as Eviction;
    if (typeof eviction.metadata !== 'object' || eviction.metadata === null) eviction.metadata = {};
    const dryRun = parseDryRun(ctx.query);
    const chain = admission();
    if (chain) {
      const attrs = attributesFor({ group: '', version: 'v1', resource: 'pods', kind: 'Eviction' }, 'CREATE', {
        namespace: ctx.info.namespace,
        name: ctx.info.name,
        subresource: 'eviction',
        object: eviction,
        user: ctx.user,
        dryRun,
      });
      attrs.kind = { group: 'policy', version: 'v1', kind: 'Eviction' };
      await chain.admit(attrs);
      await chain.validate(attrs);
    }
    const status = await evict(ctx.info.namespace, ctx.info.name, eviction, { dryRun });
    writeObject(ctx.res, status.code, status, 'format' in ctx.output ? ctx.output.format : undefined);
  };
}
