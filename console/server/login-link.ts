/**
 * `kubelab console login`: a short-lived token for a ServiceAccount (TokenRequest, as `kubectl create token`),
 * printed as the console URL with the token in the fragment (`#token=...`): the browser never sends a fragment to
 * a server, and the console's login page removes it from the address bar after signing in.
 */
import { RestClient, type RestClientOptions } from '../../shared/client/rest-client.ts';

export interface LoginLinkOptions {
  /** How to reach the API server as someone allowed to create serviceaccounts/token (the admin's kubeconfig). */
  client: RestClientOptions;
  /** The console's URL, e.g. http://127.0.0.1:40123/. */
  consoleURL: string;
  /** @default 'kube-system' */
  namespace?: string;
  /** @default 'kubelab-admin' */
  serviceAccount?: string;
  /** @default 3600 */
  expirationSeconds?: number;
}

export const CONSOLE_ADMIN_NAMESPACE = 'kube-system';
export const CONSOLE_ADMIN_SERVICE_ACCOUNT = 'kubelab-admin';

/** Mints the token (TokenRequest) and returns the sign-in URL carrying it. */
export async function consoleLoginLink(opts: LoginLinkOptions): Promise<string> {
  const ns = opts.namespace ?? CONSOLE_ADMIN_NAMESPACE;
  const sa = opts.serviceAccount ?? CONSOLE_ADMIN_SERVICE_ACCOUNT;
  const client = new RestClient({ ...opts.client, userAgent: 'kubelab-console-login' });
  try {
    const tr = await client.request<{ status?: { token?: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: opts.expirationSeconds ?? 3600 } },
    });
    const token = tr.status?.token;
    if (!token) throw new Error(`the TokenRequest for ${ns}/${sa} returned no token`);
    return loginURL(opts.consoleURL, token);
  } finally {
    client.close();
  }
}

/** The console URL with `#token=<token>`. */
export function loginURL(consoleURL: string, token: string): string {
  const u = new URL(consoleURL);
  u.hash = `token=${encodeURIComponent(token)}`;
  return u.toString();
}
