/** discovery.k8s.io/v1 wire types (k8s.io/api/discovery/v1/types.go): EndpointSlice. */
import type { ObjectReference, Protocol } from './core-v1.ts';
import type { KubeList, KubeObject, ObjectMeta } from './meta.ts';

/** The label naming the Service an EndpointSlice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** The label naming the controller that manages an EndpointSlice. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** On Endpoints: "true" keeps the endpointslicemirroring controller from mirroring them (discovery.LabelSkipMirror). */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** The value of LABEL_MANAGED_BY for slices the EndpointSlice controller owns. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface EndpointConditions {
  /** Ready to receive traffic: the pod is Ready and not terminating (or publishNotReadyAddresses). */
  ready?: boolean;
  /** Serving: the pod is Ready, terminating or not. */
  serving?: boolean;
  /** Terminating: the pod has a deletionTimestamp. */
  terminating?: boolean;
}

export interface EndpointHints {
  forZones?: { name: string }[];
  forNodes?: { name: string }[];
}

export interface Endpoint {
  /** One address of the addressType; every consumer uses the first. */
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  deprecatedTopology?: Record<string, string>;
  nodeName?: string;
  zone?: string;
  hints?: EndpointHints;
}

export interface EndpointPort {
  /** Empty, or the name of the Service port this resolves. */
  name?: string;
  protocol?: Protocol;
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  apiVersion?: 'discovery.k8s.io/v1';
  kind?: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: AddressType;
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

export type EndpointSliceList = KubeList<EndpointSlice>;
