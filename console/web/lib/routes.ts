/**
 * Hash routes: every console page has an address (`#/`, `#/pods/NS/NAME`, `#/events`) so it can be linked,
 * bookmarked and reached with back/forward. Query-like state (filters) stays out of the hash on purpose: a
 * link shows the page, not one person's filter.
 */

export type Route =
  | { page: 'cluster' }
  | { page: 'pod'; namespace: string; name: string }
  | { page: 'events' }
  | { page: 'not-found'; path: string };

/** Reads a location hash (`#/pods/default/web-1`, with or without the `#`). Segments are URI-decoded. */
export function parseRoute(hash: string): Route {
  let path = hash.startsWith('#') ? hash.slice(1) : hash;
  if (path === '' || path === '/') return { page: 'cluster' };
  if (!path.startsWith('/')) path = `/${path}`;
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const parts = trimmed.slice(1).split('/');
  let segs: string[];
  try {
    segs = parts.map((p) => decodeURIComponent(p));
  } catch {
    return { page: 'not-found', path };
  }
  if (segs.length === 1 && segs[0] === 'events') return { page: 'events' };
  if (segs.length === 3 && segs[0] === 'pods' && segs[1] && segs[2]) {
    return { page: 'pod', namespace: segs[1], name: segs[2] };
  }
  return { page: 'not-found', path };
}

/** The hash of a route (the inverse of parseRoute). */
export function formatRoute(route: Route): string {
  switch (route.page) {
    case 'cluster':
      return '#/';
    case 'events':
      return '#/events';
    case 'pod':
      return `#/pods/${encodeURIComponent(route.namespace)}/${encodeURIComponent(route.name)}`;
    case 'not-found':
      return `#${route.path}`;
  }
}

export function podHref(namespace: string, name: string): string {
  return formatRoute({ page: 'pod', namespace, name });
}
