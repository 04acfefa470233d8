/**
 * Who made a request (k8s.io/apiserver pkg/authentication/user.Info). Every authenticator produces one; the
 * authorizers, admission plugins and the review APIs read it.
 */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  /** Extra attributes (authentication.kubernetes.io/pod-name, .../credential-id, scopes, ...). */
  extra?: Record<string, string[]>;
}

/** The well-known user and group names (k8s.io/apiserver pkg/authentication/user/user.go). */
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ANONYMOUS = 'system:anonymous';
export const API_SERVER_USER = 'system:apiserver';
export const KUBE_PROXY = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAP_GROUP = 'system:bootstrappers';
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** The user of a request that presented no credential (when anonymous auth is on). */
export const anonymousUser = (): UserInfo => ({ name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] });

/**
 * What an unauthenticated loopback development server (no TLS/auth flags) treats every request as: a member
 * of system:masters, as kube-apiserver's old insecure port did.
 */
export const loopbackMasterUser = (): UserInfo => ({ name: 'system:admin', groups: [SYSTEM_PRIVILEGED_GROUP, ALL_AUTHENTICATED] });
