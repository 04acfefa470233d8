import type { IncomingMessage, ServerResponse } from 'node:http';
import { documentHash, openApiDocument, openApiRoot } from '../openapi/openapi-document.ts';
import { KINDS_BY_GROUP_VERSION, type GroupVersion } from '../openapi/schemas.ts';
import { writeJSON } from './handlers/response.ts';
import type { NonResourceHandler } from '../server/server.ts';

/**
 * /openapi/v3 (the root naming one document per group-version with a content hash) and the documents
 * themselves, built once from the schema source. Hashed URLs are immutable, as kube-apiserver marks them.
 */
export function openapiHandler(): NonResourceHandler {
  const gvs = Object.keys(KINDS_BY_GROUP_VERSION) as GroupVersion[];
  let built: { root: string; docs: Map<string, { body: string; hash: string }> } | undefined;
  const build = () => {
    if (built) return built;
    const docs = new Map<string, { body: string; hash: string }>();
    const objs: Partial<Record<GroupVersion, unknown>> = {};
    for (const gv of gvs) {
      const doc = openApiDocument(gv);
      objs[gv] = doc;
      docs.set(gv === 'v1' ? '/openapi/v3/api/v1' : `/openapi/v3/apis/${gv}`, { body: JSON.stringify(doc), hash: documentHash(doc) });
    }
    built = { root: JSON.stringify(openApiRoot(objs)), docs };
    return built;
  };
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!path.startsWith('/openapi/v3')) return false;
    const b = build();
    const p = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path;
    if (p === '/openapi/v3') {
      writeJSON(res, 200, b.root);
      return true;
    }
    const doc = b.docs.get(p);
    if (!doc) return false;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('hash') === doc.hash) {
      res.setHeader('Cache-Control', 'public, immutable');
      res.setHeader('Expires', new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString());
    } else {
      res.setHeader('Cache-Control', 'no-cache, private');
    }
    res.setHeader('Etag', `"${doc.hash}"`);
    writeJSON(res, 200, doc.body);
    return true;
  };
}
