/**
 * The agent route of the pod anatomy, shared by the node streaming server (real nodes) and the simulated
 * nodes' AgentServer:
 *
 *   GET /anatomy/{namespace}/{pod}   → 200 application/json PodAnatomy
 *                                    → 404 text/plain `pod "p" does not exist` (this node does not run it),
 *                                      as kubelet's other per-pod endpoints say it
 *                                    → 405 for other methods, 500 text/plain when collecting failed
 *
 * Authorization is the server's: node-auth.ts maps /anatomy/... to `nodes/proxy` (kubelet's rule for paths it
 * has no subresource for), which is what the API server's node proxy requires too.
 */
import type * as http from 'node:http';
import type { PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import { log } from '../../shared/util/log.ts';

/** The pod's anatomy, or undefined when this node does not run a pod of that name. */
export type AnatomyHandler = (namespace: string, name: string) => Promise<PodAnatomy | undefined>;

const alog = log.with({ component: 'anatomy' });

/** `/anatomy/ns/name` → its parts; undefined for other paths. */
export function parseAnatomyPath(pathname: string): { namespace: string; name: string } | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts[0] !== 'anatomy') return undefined;
  if (parts.length !== 3) return { namespace: '', name: '' };
  try {
    return { namespace: decodeURIComponent(parts[1] ?? ''), name: decodeURIComponent(parts[2] ?? '') };
  } catch {
    return { namespace: '', name: '' };
  }
}

function send(res: http.ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' });
  res.end(body);
}

/** Answers the request when its path is an anatomy path; returns false (untouched) otherwise. */
export async function serveAnatomy(handler: AnatomyHandler, req: http.IncomingMessage, pathname: string, res: http.ServerResponse): Promise<boolean> {
  const target = parseAnatomyPath(pathname);
  if (!target) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, `method ${req.method ?? ''} not allowed`);
    return true;
  }
  if (!target.namespace || !target.name) {
    send(res, 404, '404 page not found');
    return true;
  }
  try {
    const doc = await handler(target.namespace, target.name);
    if (!doc) send(res, 404, `pod ${JSON.stringify(target.name)} does not exist`);
    else send(res, 200, JSON.stringify(doc), 'application/json');
  } catch (err) {
    alog.warn('Collecting the pod anatomy failed', { pod: `${target.namespace}/${target.name}`, err });
    send(res, 500, `failed to collect the anatomy of pod ${JSON.stringify(target.name)}: ${(err as Error).message}`);
  }
  return true;
}
