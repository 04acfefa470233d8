import type { ResourceSpec } from '../registry.ts';
import { controllerRevisionStrategy } from './controllerrevision/strategy.ts';
import { daemonSetStatusStrategy, daemonSetStrategy } from './daemonset/strategy.ts';
import { deploymentStatusStrategy, deploymentStrategy } from './deployment/strategy.ts';
import { replicaSetStatusStrategy, replicaSetStrategy } from './replicaset/strategy.ts';
import { statefulSetStatusStrategy, statefulSetStrategy } from './statefulset/strategy.ts';

/** apps/v1 storage, keyed as kube-apiserver keys it in etcd (`/deployments/<ns>/<name>`, ...). */
export const APPS_SPECS: ResourceSpec[] = [
  { group: 'apps', version: 'v1', resource: 'deployments', keyRoot: '/deployments', strategy: deploymentStrategy, statusStrategy: deploymentStatusStrategy, scalable: true },
  { group: 'apps', version: 'v1', resource: 'replicasets', keyRoot: '/replicasets', strategy: replicaSetStrategy, statusStrategy: replicaSetStatusStrategy, scalable: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', keyRoot: '/statefulsets', strategy: statefulSetStrategy, statusStrategy: statefulSetStatusStrategy, scalable: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', keyRoot: '/daemonsets', strategy: daemonSetStrategy, statusStrategy: daemonSetStatusStrategy },
  { group: 'apps', version: 'v1', resource: 'controllerrevisions', keyRoot: '/controllerrevisions', strategy: controllerRevisionStrategy },
];
