import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '../../../shared/api/rbac-v1.ts';
import { AUTOUPDATE_ANNOTATION, RBAC_API_VERSION, RBAC_GROUP } from '../../../shared/api/rbac-v1.ts';

/**
 * The default roles and bindings (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go,
 * controller_policy.go, namespace_policy.go; the expanded lists are its testdata/*.yaml), reconciled at every
 * API server start (see bootstrap-reconciler.ts).
 *
 * kubelab differences, each because kubelab runs differently from kube-controller-manager:
 * - its controllers all run in one process as `system:kube-controller-manager` (kube-controller-manager runs
 *   each with its own ServiceAccount, --use-service-account-credentials): the system:controller:* bindings name
 *   that user as well as the controller's ServiceAccount;
 * - that process also runs the scheduler (as system:kube-controller-manager unless --scheduler-kubeconfig gives
 *   it system:kube-scheduler): the scheduler bindings name both users;
 * - its leader-election Lease is kube-system/kubelab-controller: a Role in kube-system lets both identities use it;
 * - TLS bootstrapping bindings as kubeadm creates them (node-bootstrapper and nodeclient auto-approval for
 *   system:bootstrappers, selfnodeclient for system:nodes), and system:kubelet-api-admin for the API server's
 *   kubelet client identity.
 */

const READ = ['get', 'list', 'watch'];
const READ_WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

const LEGACY = '';
const APPS = 'apps';
const AUTOSCALING = 'autoscaling';
const BATCH = 'batch';
const EXTENSIONS = 'extensions';
const POLICY = 'policy';
const NETWORKING = 'networking.k8s.io';
const AUTHENTICATION = 'authentication.k8s.io';
const AUTHORIZATION = 'authorization.k8s.io';
const CERTIFICATES = 'certificates.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const STORAGE = 'storage.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const EVENTS = 'events.k8s.io';
const NODE = 'node.k8s.io';

/** NewRule(verbs...).Groups(groups...).Resources(resources...).Names(names...). */
function rule(verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule {
  const r: PolicyRule = { apiGroups: groups, resources, verbs };
  if (names && names.length) r.resourceNames = names;
  return r;
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { nonResourceURLs, verbs };
}

const eventsRule = (): PolicyRule => rule(['create', 'update', 'patch'], [LEGACY, EVENTS], ['events']);

const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateTo?: string[] } = {}): ClusterRole {
  const labels: Record<string, string> = { ...BOOTSTRAP_LABELS, ...(extra.labels ?? {}) };
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: { name, labels, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
}

function aggregatedClusterRole(name: string, aggregateFrom: string, labels: Record<string, string> = {}): ClusterRole {
  const r = clusterRole(name, [], { labels });
  r.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${aggregateFrom}`]: 'true' } }] };
  return r;
}

const aggregateTo = (target: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${target}`]: 'true' });

const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function clusterRoleBinding(name: string, role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects,
  };
}

const KCM = 'system:kube-controller-manager';
const SCHEDULER = 'system:kube-scheduler';

// ---- cluster roles (policy.go ClusterRoles) ----

function clusterRoles(): ClusterRole[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
    clusterRole('system:basic-user', [
      rule(['create'], [AUTHORIZATION], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], [AUTHENTICATION], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    aggregatedClusterRole('admin', 'admin'),
    aggregatedClusterRole('edit', 'edit', aggregateTo('admin')),
    aggregatedClusterRole('view', 'view', aggregateTo('edit')),
    clusterRole(
      'system:aggregate-to-admin',
      [
        rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews']),
        rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']),
      ],
      { labels: aggregateTo('admin') },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        rule(READ, [LEGACY], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
        rule(['impersonate'], [LEGACY], ['serviceaccounts']),
        rule(WRITE, [LEGACY], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
        rule(['create'], [LEGACY], ['pods/eviction']),
        rule(WRITE, [LEGACY], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
        rule(['create'], [LEGACY], ['serviceaccounts/token']),
        rule(WRITE, [APPS], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
        rule(WRITE, [AUTOSCALING], ['horizontalpodautoscalers']),
        rule(WRITE, [BATCH], ['cronjobs', 'jobs']),
        rule(WRITE, [EXTENSIONS], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
        rule(WRITE, [POLICY], ['poddisruptionbudgets']),
        rule(WRITE, [NETWORKING], ['ingresses', 'networkpolicies']),
        rule(READ_WRITE, [COORDINATION], ['leases']),
      ],
      { labels: aggregateTo('edit') },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        rule(READ, [LEGACY], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
        rule(READ, [LEGACY], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
        rule(READ, [LEGACY], ['namespaces']),
        rule(READ, [DISCOVERY], ['endpointslices']),
        rule(READ, [APPS], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
        rule(READ, [AUTOSCALING], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(READ, [BATCH], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
        rule(READ, [EXTENSIONS], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
        rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(READ, [NETWORKING], ['ingresses', 'ingresses/status', 'networkpolicies']),
      ],
      { labels: aggregateTo('view') },
    ),
    clusterRole('system:heapster', [rule(READ, [LEGACY], ['events', 'namespaces', 'nodes', 'pods']), rule(READ, [EXTENSIONS], ['deployments'])]),
    clusterRole('system:node', nodeRules()),
    clusterRole('system:node-problem-detector', [rule(['get'], [LEGACY], ['nodes']), rule(['patch'], [LEGACY], ['nodes/status']), eventsRule()]),
    clusterRole('system:kubelet-api-admin', [
      rule(READ, [LEGACY], ['nodes']),
      rule(['proxy'], [LEGACY], ['nodes']),
      rule(['*'], [LEGACY], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats']),
    ]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests'])]),
    clusterRole('system:auth-delegator', [rule(['create'], [AUTHENTICATION], ['tokenreviews']), rule(['create'], [AUTHORIZATION], ['subjectaccessreviews'])]),
    clusterRole('system:kube-aggregator', [rule(READ, [LEGACY], ['endpoints', 'services'])]),
    clusterRole(KCM, [
      eventsRule(),
      rule(['create'], [COORDINATION], ['leases']),
      rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-controller-manager']),
      rule(['create'], [LEGACY], ['secrets', 'serviceaccounts']),
      rule(['delete'], [LEGACY], ['secrets']),
      rule(['get'], [LEGACY], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      rule(['update'], [LEGACY], ['secrets', 'serviceaccounts']),
      rule(['create'], [AUTHENTICATION], ['tokenreviews']),
      rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [LEGACY], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [rule(['list', 'watch'], [LEGACY], ['endpoints', 'services'])]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['create', 'delete', 'get', 'list', 'watch'], [LEGACY], ['persistentvolumes']),
      rule(['get', 'list', 'update', 'watch'], [LEGACY], ['persistentvolumeclaims']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(['watch'], [LEGACY], ['events']),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], [CERTIFICATES], ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], [CERTIFICATES], ['certificatesigningrequests/selfnodeclient'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client'])]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kubelet-serving'])]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/legacy-unknown'])]),
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      rule(['create'], [COORDINATION], ['leases']),
      rule(['get', 'update'], [COORDINATION], ['leases'], ['kube-scheduler']),
      rule(READ, [LEGACY], ['nodes']),
      rule(['delete', 'get', 'list', 'watch'], [LEGACY], ['pods']),
      rule(['create'], [LEGACY], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [LEGACY], ['pods/status']),
      rule(READ, [LEGACY], ['replicationcontrollers', 'services']),
      rule(READ, [APPS, EXTENSIONS], ['replicasets']),
      rule(READ, [APPS], ['statefulsets']),
      rule(READ, [POLICY], ['poddisruptionbudgets']),
      rule(READ, [LEGACY], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], [AUTHENTICATION], ['tokenreviews']),
      rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
      rule(READ, [STORAGE], ['csinodes']),
      rule(READ, [LEGACY], ['namespaces']),
      rule(READ, [STORAGE], ['csidrivers']),
      rule(READ, [STORAGE], ['csistoragecapacities']),
    ]),
    clusterRole('system:volume-scheduler', [
      rule(['get', 'list', 'patch', 'update', 'watch'], [LEGACY], ['persistentvolumes']),
      rule(READ, [STORAGE], ['storageclasses']),
      rule(['get', 'list', 'patch', 'update', 'watch'], [LEGACY], ['persistentvolumeclaims']),
    ]),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [LEGACY], ['endpoints', 'services']),
      rule(READ, [LEGACY], ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], [DISCOVERY], ['endpointslices']),
    ]),
    // kubeadm's CoreDNS role: what `kubelab dns` (user system:kube-dns) reads.
    clusterRole('system:coredns', [rule(['list', 'watch'], [LEGACY], ['endpoints', 'services', 'pods', 'namespaces']), rule(['list', 'watch'], [DISCOVERY], ['endpointslices'])]),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
    ...controllerRoles(),
  ];
}

/**
 * NodeRules: what the system:node ClusterRole grants (no one is bound to it; the Node authorizer evaluates these
 * rules for node identities and narrows secrets, configmaps, PVCs and service account tokens to the node's pods).
 */
export function nodeRules(): PolicyRule[] {
  return [
    rule(['create'], [AUTHENTICATION], ['tokenreviews']),
    rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews', 'subjectaccessreviews']),
    rule(READ, [LEGACY], ['services']),
    rule(['create', 'get', 'list', 'watch'], [LEGACY], ['nodes']),
    rule(['patch', 'update'], [LEGACY], ['nodes/status']),
    rule(['patch', 'update'], [LEGACY], ['nodes']),
    rule(['create', 'patch', 'update'], [LEGACY], ['events']),
    rule(READ, [LEGACY], ['pods']),
    rule(['create', 'delete'], [LEGACY], ['pods']),
    rule(['patch', 'update'], [LEGACY], ['pods/status']),
    rule(['create'], [LEGACY], ['pods/eviction']),
    rule(READ, [LEGACY], ['configmaps', 'secrets']),
    rule(['get'], [LEGACY], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [LEGACY], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests']),
    rule(['create', 'delete', 'get', 'patch', 'update'], [COORDINATION], ['leases']),
    rule(['get'], [STORAGE], ['volumeattachments']),
    rule(['create'], [LEGACY], ['serviceaccounts/token']),
    rule(['get', 'patch', 'update'], [LEGACY], ['persistentvolumeclaims/status']),
    rule(READ, [STORAGE], ['csidrivers']),
    rule(['create', 'delete', 'get', 'patch', 'update'], [STORAGE], ['csinodes']),
    rule(READ, [NODE], ['runtimeclasses']),
  ];
}

// ---- controller roles (controller_policy.go), those kubelab's controllers are ----

const CONTROLLER_PREFIX = 'system:controller:';

/** Controller name -> rules; bound to kube-system/<name> and (kubelab) to system:kube-controller-manager. */
function controllerRoleRules(): Record<string, PolicyRule[]> {
  return {
    'attachdetach-controller': [
      rule(['list', 'watch'], [LEGACY], ['persistentvolumes', 'persistentvolumeclaims']),
      rule(['get', 'list', 'watch'], [LEGACY], ['nodes']),
      rule(['patch', 'update'], [LEGACY], ['nodes/status']),
      rule(['list', 'watch'], [LEGACY], ['pods']),
      eventsRule(),
      rule(['get', 'create', 'delete', 'list', 'watch'], [STORAGE], ['volumeattachments']),
    ],
    'certificate-controller': [
      rule(['delete', 'get', 'list', 'watch'], [CERTIFICATES], ['certificatesigningrequests']),
      rule(['update'], [CERTIFICATES], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
      // kubelab's approver also approves kubelet-serving CSRs for a node's own addresses.
      rule(['approve'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      rule(['sign'], [CERTIFICATES], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']),
      rule(['create'], [AUTHORIZATION], ['subjectaccessreviews']),
      eventsRule(),
    ],
    'clusterrole-aggregation-controller': [rule(['escalate', 'get', 'list', 'patch', 'update', 'watch'], ['rbac.authorization.k8s.io'], ['clusterroles'])],
    'cronjob-controller': [
      rule(['get', 'list', 'watch', 'update'], [BATCH], ['cronjobs']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], [BATCH], ['jobs']),
      rule(['update'], [BATCH], ['cronjobs/status']),
      rule(['update'], [BATCH], ['cronjobs/finalizers']),
      rule(['list', 'delete'], [LEGACY], ['pods']),
      eventsRule(),
    ],
    'daemon-set-controller': [
      rule(['get', 'list', 'watch'], [EXTENSIONS, APPS], ['daemonsets']),
      rule(['update'], [EXTENSIONS, APPS], ['daemonsets/status']),
      rule(['update'], [EXTENSIONS, APPS], ['daemonsets/finalizers']),
      rule(['list', 'watch'], [LEGACY], ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [LEGACY], ['pods']),
      rule(['create'], [LEGACY], ['pods/binding']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], [APPS], ['controllerrevisions']),
      eventsRule(),
    ],
    'deployment-controller': [
      rule(['get', 'list', 'watch', 'update'], [EXTENSIONS, APPS], ['deployments']),
      rule(['update'], [EXTENSIONS, APPS], ['deployments/status']),
      rule(['update'], [EXTENSIONS, APPS], ['deployments/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [APPS, EXTENSIONS], ['replicasets']),
      rule(['get', 'list', 'watch', 'update'], [LEGACY], ['pods']),
      eventsRule(),
    ],
    'endpoint-controller': [
      rule(['get', 'list', 'watch'], [LEGACY], ['services', 'pods']),
      rule(['get', 'list', 'create', 'update', 'delete'], [LEGACY], ['endpoints']),
      rule(['create'], [LEGACY], ['endpoints/restricted']),
      eventsRule(),
    ],
    'endpointslice-controller': [
      rule(['get', 'list', 'watch'], [LEGACY], ['services', 'pods', 'nodes']),
      // services/finalizers: slices owned by their Service with blockOwnerDeletion=true.
      rule(['update'], [LEGACY], ['services/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete'], [DISCOVERY], ['endpointslices']),
      eventsRule(),
    ],
    'endpointslicemirroring-controller': [
      rule(['get', 'list', 'watch'], [LEGACY], ['services', 'endpoints']),
      rule(['update'], [LEGACY], ['services/finalizers']),
      rule(['update'], [LEGACY], ['endpoints/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete'], [DISCOVERY], ['endpointslices']),
      eventsRule(),
    ],
    'generic-garbage-collector': [
      // list/watch of every resource, selective gets, ownerReference patches and deletes of anything
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
      eventsRule(),
    ],
    'disruption-controller': [
      rule(['get', 'list', 'watch'], [EXTENSIONS, APPS], ['deployments']),
      rule(['get', 'list', 'watch'], [APPS, EXTENSIONS], ['replicasets']),
      rule(['get', 'list', 'watch'], [LEGACY], ['replicationcontrollers']),
      rule(['get', 'list', 'watch'], [POLICY], ['poddisruptionbudgets']),
      rule(['get', 'list', 'watch'], [APPS], ['statefulsets']),
      rule(['update'], [POLICY], ['poddisruptionbudgets/status']),
      rule(['get'], ['*'], ['*/scale']),
      rule(['patch'], [LEGACY], ['pods/status']),
      eventsRule(),
    ],
    'job-controller': [
      rule(['get', 'list', 'watch', 'update', 'patch'], [BATCH], ['jobs']),
      rule(['update', 'patch'], [BATCH], ['jobs/status']),
      rule(['update'], [BATCH], ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [LEGACY], ['pods']),
      eventsRule(),
    ],
    'namespace-controller': [
      rule(['delete', 'get', 'list', 'watch'], [LEGACY], ['namespaces']),
      rule(['update'], [LEGACY], ['namespaces/finalize', 'namespaces/status']),
      rule(['delete', 'deletecollection', 'get', 'list'], ['*'], ['*']),
    ],
    'node-controller': [
      rule(['delete', 'get', 'list', 'patch', 'update'], [LEGACY], ['nodes']),
      rule(['patch', 'update'], [LEGACY], ['nodes/status']),
      rule(['patch', 'update'], [LEGACY], ['pods/status']),
      rule(['delete', 'list'], [LEGACY], ['pods']),
      rule(['get'], [LEGACY], ['pods']),
      eventsRule(),
    ],
    'pod-garbage-collector': [
      rule(['delete', 'list', 'watch'], [LEGACY], ['pods']),
      rule(['get', 'list'], [LEGACY], ['nodes']),
      rule(['patch'], [LEGACY], ['pods/status']),
    ],
    'replicaset-controller': [
      rule(['get', 'list', 'watch', 'update'], [APPS, EXTENSIONS], ['replicasets']),
      rule(['update'], [APPS, EXTENSIONS], ['replicasets/status']),
      rule(['update'], [APPS, EXTENSIONS], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [LEGACY], ['pods']),
      eventsRule(),
    ],
    'root-ca-cert-publisher': [rule(['create', 'update'], [LEGACY], ['configmaps']), eventsRule()],
    'service-account-controller': [rule(['create'], [LEGACY], ['serviceaccounts']), eventsRule()],
    'statefulset-controller': [
      rule(['list', 'watch'], [LEGACY], ['pods']),
      rule(['get', 'list', 'watch'], [APPS], ['statefulsets']),
      rule(['update'], [APPS], ['statefulsets/status']),
      rule(['update'], [APPS], ['statefulsets/finalizers']),
      rule(['get', 'create', 'delete', 'update', 'patch'], [LEGACY], ['pods']),
      rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], [APPS], ['controllerrevisions']),
      rule(['get', 'create'], [LEGACY], ['persistentvolumeclaims']),
      rule(['update', 'delete'], [LEGACY], ['persistentvolumeclaims']),
      eventsRule(),
    ],
    'taint-eviction-controller': [rule(['patch'], [LEGACY], ['pods/status']), rule(['delete', 'get', 'list', 'watch'], [LEGACY], ['pods']), eventsRule()],
    'ttl-after-finished-controller': [rule(['get', 'list', 'watch', 'delete'], [BATCH], ['jobs']), eventsRule()],
  };
}

/** The controller's ServiceAccount name (kube: the role name without the prefix). */
const controllerServiceAccount = (name: string): string => name;

function controllerRoles(): ClusterRole[] {
  return Object.entries(controllerRoleRules()).map(([name, rules]) => clusterRole(`${CONTROLLER_PREFIX}${name}`, rules));
}

function controllerRoleBindings(): ClusterRoleBinding[] {
  return Object.keys(controllerRoleRules()).map((name) =>
    clusterRoleBinding(`${CONTROLLER_PREFIX}${name}`, `${CONTROLLER_PREFIX}${name}`, [serviceAccount('kube-system', controllerServiceAccount(name)), user(KCM)]),
  );
}

// ---- cluster role bindings (policy.go ClusterRoleBindings) ----

function clusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
    clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterRoleBinding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
    clusterRoleBinding(KCM, KCM, [user(KCM)]),
    clusterRoleBinding('system:kube-dns', 'system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
    clusterRoleBinding('system:coredns', 'system:coredns', [serviceAccount('kube-system', 'coredns'), user('system:kube-dns')]),
    clusterRoleBinding(SCHEDULER, SCHEDULER, [user(SCHEDULER), user(KCM)]),
    clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', [user(SCHEDULER), user(KCM)]),
    // Bound to no one: the Node authorizer grants node identities these rules itself.
    clusterRoleBinding('system:node', 'system:node', []),
    clusterRoleBinding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    // kubeadm's TLS bootstrap bindings.
    clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group('system:bootstrappers')]),
    clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]),
    clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group('system:nodes')]),
    // The API server's client identity towards node agents (kubeadm's apiserver-kubelet-client).
    clusterRoleBinding('kubelab:kube-apiserver-kubelet-client', 'system:kubelet-api-admin', [user('kube-apiserver-kubelet-client')]),
    ...controllerRoleBindings(),
  ];
}

// ---- namespaced roles (namespace_policy.go) ----

function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'Role',
    metadata: { name, namespace, labels: { ...BOOTSTRAP_LABELS }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
}

function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[]): RoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'RoleBinding',
    metadata: { name, namespace, labels: { ...BOOTSTRAP_LABELS }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    subjects,
  };
}

function namespaceRoles(): Role[] {
  return [
    role('kube-system', 'extension-apiserver-authentication-reader', [rule(READ, [LEGACY], ['configmaps'], ['extension-apiserver-authentication'])]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', [rule(['watch'], [LEGACY], ['configmaps']), rule(['get', 'update'], [LEGACY], ['configmaps'], ['kube-controller-manager'])]),
    role('kube-system', 'system::leader-locking-kube-scheduler', [rule(['watch'], [LEGACY], ['configmaps']), rule(['get', 'update'], [LEGACY], ['configmaps'], ['kube-scheduler'])]),
    role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, [LEGACY], ['secrets'])]),
    role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [LEGACY], ['secrets']), eventsRule()]),
    role('kube-public', 'system:controller:bootstrap-signer', [rule(READ, [LEGACY], ['configmaps']), rule(['update'], [LEGACY], ['configmaps'], ['cluster-info']), eventsRule()]),
    // kubelab: the controller process's leader-election Lease.
    role('kube-system', 'kubelab:leader-locking-kubelab-controller', [rule(['get', 'update', 'patch'], [COORDINATION], ['leases'], ['kubelab-controller'])]),
  ];
}

function namespaceRoleBindings(): RoleBinding[] {
  return [
    roleBinding('kube-system', 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [user(KCM), user(SCHEDULER)]),
    roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', [user(KCM), serviceAccount('kube-system', 'kube-controller-manager')]),
    roleBinding('kube-system', 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [user(SCHEDULER), serviceAccount('kube-system', 'kube-scheduler')]),
    roleBinding('kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
    roleBinding('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [serviceAccount('kube-system', 'token-cleaner'), user(KCM)]),
    roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
    roleBinding('kube-system', 'kubelab:leader-locking-kubelab-controller', 'kubelab:leader-locking-kubelab-controller', [user(KCM), user(SCHEDULER)]),
  ];
}

export interface BootstrapPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
  roles: Role[];
  roleBindings: RoleBinding[];
}

/** Fresh copies of the whole default policy. */
export function bootstrapPolicy(): BootstrapPolicy {
  return { clusterRoles: clusterRoles(), clusterRoleBindings: clusterRoleBindings(), roles: namespaceRoles(), roleBindings: namespaceRoleBindings() };
}
