import type { ResourceDefinition, Verb } from './resource-registry.ts';

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** core/v1 endpoints as kube-apiserver 1.32 reports it: short name `ep`, no categories, no subresources. */
export const ENDPOINTS_RESOURCE: ResourceDefinition = {
  group: '',
  version: 'v1',
  resource: 'endpoints',
  singularName: 'endpoints',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  namespaced: true,
  verbs: ALL_VERBS,
  shortNames: ['ep'],
};

/** discovery.k8s.io/v1 (listed after coordination.k8s.io in kube's /apis order): endpointslices, no short name. */
export const DISCOVERY_RESOURCES: readonly ResourceDefinition[] = [
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    singularName: 'endpointslice',
    kind: 'EndpointSlice',
    listKind: 'EndpointSliceList',
    namespaced: true,
    verbs: ALL_VERBS,
  },
];
