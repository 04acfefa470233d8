import type { ResourceDefinition, Verb } from './resource-registry.ts';

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

/** apps/v1 as kube-apiserver 1.32 reports it (short names, `all` category, scale and status subresources). */
export const APPS_RESOURCES: readonly ResourceDefinition[] = [
  {
    group: 'apps',
    version: 'v1',
    resource: 'controllerrevisions',
    singularName: 'controllerrevision',
    kind: 'ControllerRevision',
    listKind: 'ControllerRevisionList',
    namespaced: true,
    verbs: ALL_VERBS,
  },
  ...(
    [
      ['daemonsets', 'daemonset', 'DaemonSet', 'ds', false],
      ['deployments', 'deployment', 'Deployment', 'deploy', true],
      ['replicasets', 'replicaset', 'ReplicaSet', 'rs', true],
      ['statefulsets', 'statefulset', 'StatefulSet', 'sts', true],
    ] as const
  ).map(
    ([resource, singularName, kind, shortName, scalable]): ResourceDefinition => ({
      group: 'apps',
      version: 'v1',
      resource,
      singularName,
      kind,
      listKind: `${kind}List`,
      namespaced: true,
      verbs: ALL_VERBS,
      shortNames: [shortName],
      categories: ['all'],
      subresources: [
        ...(scalable ? [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS }] : []),
        { name: 'status', kind, verbs: STATUS_VERBS },
      ],
    }),
  ),
];
