/**
 * Convenience accessors for the resources the controller and node agent use, over any Client (RestClient
 * against a server, FakeClient in unit tests).
 *
 *   const cs = new Clientset(new RestClient(loadKubeconfig().options));
 *   await cs.pods.bind('default', 'web', 'node-1');
 *   const node = await cs.nodes.get('', 'node-1');
 */
import type { KubeObject } from '../api/meta.ts';
import type { Client, CreateOptions, ResourceClient, ResourceDescriptor } from './interfaces.ts';
import { RestClient, type RestClientOptions } from './rest-client.ts';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../api/apps-v1.ts';
import type { CronJob, Job } from '../api/batch-v1.ts';
import type { PodDisruptionBudget } from '../api/policy-v1.ts';
import type { Endpoints, Service } from '../api/core-v1.ts';
import type { EndpointSlice } from '../api/discovery-v1.ts';

export const podsResource: ResourceDescriptor = { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true };
export const nodesResource: ResourceDescriptor = { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false };
export const namespacesResource: ResourceDescriptor = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false };
export const eventsResource: ResourceDescriptor = { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true };
export const leasesResource: ResourceDescriptor = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true };
export const secretsResource: ResourceDescriptor = { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true };
export const configMapsResource: ResourceDescriptor = { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true };
export const serviceAccountsResource: ResourceDescriptor = { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true };
export const certificateSigningRequestsResource: ResourceDescriptor = {
  group: 'certificates.k8s.io',
  version: 'v1',
  resource: 'certificatesigningrequests',
  kind: 'CertificateSigningRequest',
  namespaced: false,
};
function namespaced(group: string, resource: string, kind: string): ResourceDescriptor {
  return { group, version: 'v1', resource, kind, namespaced: true };
}
export const deploymentsResource = namespaced('apps', 'deployments', 'Deployment');
export const replicaSetsResource = namespaced('apps', 'replicasets', 'ReplicaSet');
export const statefulSetsResource = namespaced('apps', 'statefulsets', 'StatefulSet');
export const daemonSetsResource = namespaced('apps', 'daemonsets', 'DaemonSet');
export const controllerRevisionsResource = namespaced('apps', 'controllerrevisions', 'ControllerRevision');
export const jobsResource = namespaced('batch', 'jobs', 'Job');
export const cronJobsResource = namespaced('batch', 'cronjobs', 'CronJob');
export const podDisruptionBudgetsResource = namespaced('policy', 'poddisruptionbudgets', 'PodDisruptionBudget');
export const servicesResource = namespaced('', 'services', 'Service');
export const endpointsResource = namespaced('', 'endpoints', 'Endpoints');
export const endpointSlicesResource = namespaced('discovery.k8s.io', 'endpointslices', 'EndpointSlice');
export const persistentVolumeClaimsResource = namespaced('', 'persistentvolumeclaims', 'PersistentVolumeClaim');
export const subjectAccessReviewsResource: ResourceDescriptor = { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false };

export interface BindOptions extends CreateOptions {
  /** The pod's uid, sent as the Binding's metadata.uid: the server refuses the binding if the pod was replaced. */
  uid?: string;
  /** Annotations the server copies onto the pod. */
  annotations?: Record<string, string>;
}

/** Pods have one extra verb: binding to a node (what the scheduler does). */
export interface PodClient<T extends KubeObject = KubeObject> extends ResourceClient<T> {
  /** POSTs a v1 Binding to pods/{name}/binding. 409 Conflict if the pod is already bound or being deleted. */
  bind(namespace: string, name: string, nodeName: string, options?: BindOptions): Promise<void>;
}

/** Builds the v1 Binding body for pods/{name}/binding. */
export function newBinding(namespace: string, name: string, nodeName: string, options: Pick<BindOptions, 'uid' | 'annotations'> = {}): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (options.uid) metadata.uid = options.uid;
  if (options.annotations) metadata.annotations = { ...options.annotations };
  return { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } };
}

/** Wraps a ResourceClient for pods and adds bind(). */
export function podClient<T extends KubeObject = KubeObject>(inner: ResourceClient<T>): PodClient<T> {
  const bind = async (namespace: string, name: string, nodeName: string, options: BindOptions = {}): Promise<void> => {
    const { uid, annotations, ...create } = options;
    await inner.createSubresource(namespace, name, 'binding', newBinding(namespace, name, nodeName, { ...(uid ? { uid } : {}), ...(annotations ? { annotations } : {}) }), create);
  };
  return {
    descriptor: inner.descriptor,
    get: (ns, n, o) => inner.get(ns, n, o),
    list: (ns, o) => inner.list(ns, o),
    watch: (ns, o) => inner.watch(ns, o),
    create: (obj, o) => inner.create(obj, o),
    update: (obj, o) => inner.update(obj, o),
    updateStatus: (obj, o) => inner.updateStatus(obj, o),
    patch: (ns, n, t, p, o) => inner.patch(ns, n, t, p, o),
    delete: (ns, n, o) => inner.delete(ns, n, o),
    createSubresource: (ns, n, s, b, o) => inner.createSubresource(ns, n, s, b, o),
    bind,
  };
}

export class Clientset {
  readonly client: Client;
  readonly pods: PodClient;
  readonly nodes: ResourceClient;
  readonly namespaces: ResourceClient;
  readonly events: ResourceClient;
  readonly leases: ResourceClient;
  readonly deployments: ResourceClient<Deployment>;
  readonly replicaSets: ResourceClient<ReplicaSet>;
  readonly statefulSets: ResourceClient<StatefulSet>;
  readonly daemonSets: ResourceClient<DaemonSet>;
  readonly controllerRevisions: ResourceClient<ControllerRevision>;
  readonly jobs: ResourceClient<Job>;
  readonly cronJobs: ResourceClient<CronJob>;
  readonly podDisruptionBudgets: ResourceClient<PodDisruptionBudget>;
  readonly services: ResourceClient<Service>;
  readonly endpoints: ResourceClient<Endpoints>;
  readonly endpointSlices: ResourceClient<EndpointSlice>;

  constructor(client: Client) {
    this.client = client;
    this.pods = podClient(client.resource(podsResource));
    this.nodes = client.resource(nodesResource);
    this.namespaces = client.resource(namespacesResource);
    this.events = client.resource(eventsResource);
    this.leases = client.resource(leasesResource);
    this.deployments = client.resource<Deployment>(deploymentsResource);
    this.replicaSets = client.resource<ReplicaSet>(replicaSetsResource);
    this.statefulSets = client.resource<StatefulSet>(statefulSetsResource);
    this.daemonSets = client.resource<DaemonSet>(daemonSetsResource);
    this.controllerRevisions = client.resource<ControllerRevision>(controllerRevisionsResource);
    this.jobs = client.resource<Job>(jobsResource);
    this.cronJobs = client.resource<CronJob>(cronJobsResource);
    this.podDisruptionBudgets = client.resource<PodDisruptionBudget>(podDisruptionBudgetsResource);
    this.services = client.resource<Service>(servicesResource);
    this.endpoints = client.resource<Endpoints>(endpointsResource);
    this.endpointSlices = client.resource<EndpointSlice>(endpointSlicesResource);
  }

  /** A client for any other resource. */
  resource<T extends KubeObject = KubeObject>(descriptor: ResourceDescriptor): ResourceClient<T> {
    return this.client.resource<T>(descriptor);
  }
}

/** A Clientset talking HTTP(S) to a server. */
export function newClientset(options: RestClientOptions): Clientset {
  return new Clientset(new RestClient(options));
}
