import { newMethodNotAllowed, newRouteNotFound } from '../../shared/errors/status-error.ts';
import type { RequestContext } from './request-context.ts';
import { handleCreate, handleDelete, handleDeleteCollection, handleGet, handleList, handleUpdate } from './handlers/crud.ts';
import { handlePatch } from './handlers/patch.ts';
import { handleWatch } from './handlers/watch.ts';

const methodNotAllowed = () => newMethodNotAllowed('the server does not allow this method on the requested resource');

/** Routes a resource request by verb and subresource (k8s endpoints/installer.go registerResourceHandlers). */
export async function dispatchResource(ctx: RequestContext): Promise<void> {
  const { info, entry } = ctx;
  const ns = info.namespace;
  const namespaced = entry.store.info.namespaced;
  // The deprecated /api/v1/proxy/... paths (verb `proxy`): kube-apiserver stopped serving them in 1.10.
  if (info.verb === 'proxy') throw newRouteNotFound();
  // A namespaced resource's object paths need a namespace; a cluster-scoped one must not have one.
  if (info.name && namespaced && !ns) throw newRouteNotFound();
  if (!namespaced && ns && info.resource !== 'namespaces') throw newRouteNotFound();

  if (info.subresource) {
    const subStrategy =
      info.subresource === 'status'
        ? entry.statusStrategy
        : entry.updateSubresources && Object.hasOwn(entry.updateSubresources, info.subresource)
          ? entry.updateSubresources[info.subresource]
          : undefined;
    if (subStrategy) {
      switch (info.verb) {
        case 'get':
          return handleGet(ctx);
        case 'update':
          return handleUpdate(ctx, subStrategy);
        case 'patch':
          return handlePatch(ctx, subStrategy);
        default:
          throw methodNotAllowed();
      }
    }
    const sub = entry.subresources?.[info.subresource];
    if (!sub) throw newRouteNotFound();
    return sub(ctx);
  }
  if (info.parts.length > 3) throw newRouteNotFound();
  if (entry.verbs) {
    // A resource with its own verb table serves exactly those verbs (the top-level `bindings`: create only).
    const handler = entry.verbs[info.verb];
    if (!handler) throw methodNotAllowed();
    return handler(ctx);
  }
  switch (info.verb) {
    case 'get':
      return handleGet(ctx);
    case 'list':
      return handleList(ctx);
    case 'watch':
      return handleWatch(ctx);
    case 'create':
      return handleCreate(ctx);
    case 'update':
      if (!info.name) throw methodNotAllowed();
      return handleUpdate(ctx);
    case 'patch':
      if (!info.name) throw methodNotAllowed();
      return handlePatch(ctx);
    case 'delete':
      return handleDelete(ctx);
    case 'deletecollection':
      return handleDeleteCollection(ctx);
    default:
      throw methodNotAllowed();
  }
}
