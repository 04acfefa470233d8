/**
 * The console's login link carries the user's token in the URL fragment (`URL/#token=...`, printed by
 * `kubelab console login`: console/server/login-link.ts): a fragment never reaches a server. When the browser
 * has no session the server's login page (console/server/login-page.ts) reads it; when it has one, the server
 * serves the app, and the app reads it here. Either way the token goes from the address bar and history at once.
 */

/** What a location's fragment says about a login link: the token it carries (possibly ''), or undefined. */
export function loginFragmentToken(hash: string): string | undefined {
  // The same match as the login page: `#token=...`, or `token=` as a later `&`-separated parameter.
  const m = /(?:^#|&)token=([^&]*)/.exec(hash);
  if (!m) return undefined;
  const raw = m[1] ?? '';
  try {
    return decodeURIComponent(raw).trim();
  } catch {
    return raw.trim();
  }
}

/** The URL to replace a login link's entry with: the same document, no fragment. */
export function urlWithoutFragment(loc: { pathname: string; search: string }): string {
  return `${loc.pathname}${loc.search}`;
}
