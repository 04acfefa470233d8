import type { IncomingMessage, ServerResponse } from 'node:http';
import { aggregatedDiscovery, aggregatedDiscoveryContentType } from '../discovery/aggregated-discovery.ts';
import { apiGroup, apiGroupList, apiResourceList, legacyAPIVersions } from '../discovery/legacy-discovery.ts';
import { negotiateDiscovery } from '../discovery/negotiate-discovery.ts';
import { versionInfo } from '../discovery/version-info.ts';
import { writeJSON } from './handlers/response.ts';
import type { NonResourceHandler } from '../server/server.ts';

/**
 * /version, /api, /apis (legacy or aggregated v2/v2beta1 by Accept), /api/v1, /apis/{g}, /apis/{g}/{v}.
 * All generated from the one resource registry.
 */
export function discoveryHandler(opts: { minorVersion: number }): NonResourceHandler {
  const version = JSON.stringify(versionInfo({ minor: opts.minorVersion }));
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (p === '/version') {
      writeJSON(res, 200, version);
      return true;
    }
    if (p === '/api' || p === '/apis') {
      const root = p === '/api' ? 'api' : 'apis';
      const format = negotiateDiscovery(req.headers.accept);
      if (format !== 'legacy') {
        const v = format === 'aggregated-v2' ? 'v2' : 'v2beta1';
        res.setHeader('Vary', 'Accept');
        writeJSON(res, 200, JSON.stringify(aggregatedDiscovery(root, v)), aggregatedDiscoveryContentType(v));
        return true;
      }
      const host = req.headers.host ?? '127.0.0.1';
      writeJSON(res, 200, JSON.stringify(root === 'api' ? legacyAPIVersions({ serverAddress: host }) : apiGroupList()));
      return true;
    }
    const segs = p.split('/').filter(Boolean);
    if (segs[0] === 'api' && segs.length === 2) {
      const list = apiResourceList('', segs[1] ?? '');
      if (!list) return false;
      writeJSON(res, 200, JSON.stringify(list));
      return true;
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = apiGroup(segs[1] ?? '');
      if (!g) return false;
      writeJSON(res, 200, JSON.stringify(g));
      return true;
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const list = apiResourceList(segs[1] ?? '', segs[2] ?? '');
      if (!list) return false;
      writeJSON(res, 200, JSON.stringify(list));
      return true;
    }
    return false;
  };
}
