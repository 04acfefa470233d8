/**
 * Which kinds track `metadata.generation` (kube 1.32): their registry strategies set it to 1 in
 * PrepareForCreate and bump it in PrepareForUpdate when the spec changes (anything but metadata and status).
 * Every other kind leaves it alone: pods, nodes, namespaces, services, configmaps, secrets, leases, events,
 * RBAC, CSRs, controller revisions (the store neither sets nor bumps it, and an update keeps the stored value).
 *
 * The apiserver's strategies declare this with `tracksGeneration` (apiserver/registry/rest/strategy.ts); the
 * fake object tracker, which cannot see them, asks this table, and a test holds the two equal for every
 * served resource.
 */
const TRACKING: ReadonlySet<string> = new Set([
  '/replicationcontrollers',
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  'policy/poddisruptionbudgets',
  'discovery.k8s.io/endpointslices',
  'networking.k8s.io/ingresses',
  'networking.k8s.io/networkpolicies',
  'apiextensions.k8s.io/customresourcedefinitions',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'flowcontrol.apiserver.k8s.io/flowschemas',
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations',
]);

/** True when objects of the group's resource carry a generation that the server sets and bumps. */
export function tracksGeneration(group: string, resource: string): boolean {
  return TRACKING.has(`${group}/${resource}`);
}
