/**
 * Parses an API path into what it addresses (k8s.io/apiserver pkg/endpoints/request/requestinfo.go):
 *   /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}
 *   /apis/{group}/{version}/namespaces/{ns}/{resource}/{name}/{subresource}
 *   /api/v1/{resource}/{name}/{subresource}          (cluster-scoped, or all namespaces for a list)
 *   /api/v1/watch/...                                 (legacy watch prefix)
 */
export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'connect';

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: Verb | string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path: pathname,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  const segs = pathname.split('/').filter((s) => s !== '');
  if (segs.length === 0) return info;
  const prefix = segs[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let rest = segs.slice(1);
  if (prefix === 'apis') {
    if (rest.length < 3) return info; // /apis, /apis/{g}, /apis/{g}/{v}: discovery
    info.apiGroup = rest[0] ?? '';
    rest = rest.slice(1);
  } else if (rest.length < 2) {
    return info; // /api, /api/v1
  }
  info.apiVersion = rest[0] ?? '';
  rest = rest.slice(1);
  info.isResourceRequest = true;
  const m = method.toUpperCase();
  let watchPath = false;
  // RequestInfoFactory's special verbs: /watch/... and the deprecated /proxy/... prefixes.
  let proxyPath = false;
  if (rest[0] === 'watch' && rest.length >= 2) {
    watchPath = true;
    rest = rest.slice(1);
  } else if (rest[0] === 'proxy' && rest.length >= 2) {
    proxyPath = true;
    rest = rest.slice(1);
  }
  // /namespaces/{ns}/{resource}... (but /namespaces/{name} and /namespaces/{name}/status address namespaces)
  if (rest[0] === 'namespaces') {
    if (rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) {
      info.namespace = rest[1] ?? '';
      rest = rest.slice(2);
    } else if (rest.length >= 2) {
      info.namespace = rest[1] ?? '';
    }
  }
  info.parts = rest.map(decodeSegment);
  info.resource = info.parts[0] ?? '';
  if (info.parts.length >= 2) info.name = info.parts[1] ?? '';
  if (info.parts.length >= 3) info.subresource = info.parts[2] ?? '';
  // For /namespaces/{name}[/{sub}] the namespace of the request is the object itself.
  if (info.resource === 'namespaces' && info.name) info.namespace = info.name;

  // A proxy subresource's query belongs to the backend (`?watch=1` there is no watch of the API).
  const wantsWatch = watchPath || (isTrue(query.get('watch')) && info.subresource !== 'proxy');
  switch (m) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? (wantsWatch ? 'watch' : 'get') : wantsWatch ? 'watch' : 'list';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      // An unknown method has no verb on a resource path (kube leaves it empty).
      info.verb = '';
  }
  if (proxyPath) info.verb = 'proxy';
  return info;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function isTrue(v: string | null | undefined): boolean {
  return v === 'true' || v === '1' || v === 'True' || v === 'TRUE';
}
