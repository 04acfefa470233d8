import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Service, ServiceSpec } from '../../../../shared/api/core-v1.ts';
import {
  DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS,
  externallyAccessible,
  validateService,
  validateServiceStatusUpdate,
  validateServiceUpdate,
} from '../../../../shared/api/validation/service.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

type Spec = ServiceSpec & { clusterIPs?: string[] };

/**
 * SetDefaults_Service (pkg/apis/core/v1/defaults.go), applied to what a client sends: type ClusterIP, session
 * affinity None (ClientIP gets a 10800 s timeout), TCP ports targeting their own port, externalTrafficPolicy
 * Cluster for externally reachable Services, internalTrafficPolicy Cluster, allocateLoadBalancerNodePorts.
 * IP families and the ClusterIP are the allocator's (they depend on the flags).
 */
export function setServiceDefaults(svc: Service): void {
  const spec = (svc.spec ??= {}) as Spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && spec.type !== 'ExternalName') spec.internalTrafficPolicy = 'Cluster';
  // An ExternalName Service has no internal traffic policy (storage.go defaultOnReadInternalTrafficPolicy).
  if (spec.type === 'ExternalName') delete spec.internalTrafficPolicy;
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
}

function same<T>(a: T, b: T): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * dropTypeDependentFields (strategy.go): on a type change, fields the new type does not use are wiped when the
 * client left them as they were (clusterIP(s) and IP family fields for ExternalName, nodePorts for ClusterIP and
 * ExternalName, healthCheckNodePort, allocateLoadBalancerNodePorts, loadBalancerClass, externalTrafficPolicy);
 * the load balancer status goes with the LoadBalancer type.
 */
function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec as Spec;
  const o = (old.spec ?? {}) as Spec;
  if (o.type !== 'ExternalName' && spec.type === 'ExternalName') {
    if (same(o.clusterIPs, spec.clusterIPs) && (o.clusterIP ?? '') === (spec.clusterIP ?? '')) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(o.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (o.ipFamilyPolicy === spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  const needsNP = (s: Spec) => s.type === 'NodePort' || s.type === 'LoadBalancer';
  if (needsNP(o) && !needsNP(spec)) {
    const ports = (s: Spec) => (s.ports ?? []).map((p) => p.nodePort ?? 0);
    if (same(ports(o), ports(spec))) for (const p of spec.ports ?? []) delete p.nodePort;
  }
  const needsHC = (s: Spec) => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
  if (needsHC(o) && !needsHC(spec) && o.healthCheckNodePort === spec.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (o.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === o.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass === o.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(o) && !externallyAccessible(spec) && o.externalTrafficPolicy === spec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  if (spec.type !== 'LoadBalancer') svc.status = { ...(svc.status ?? {}), loadBalancer: {} };
}

/**
 * Services (pkg/registry/core/service/strategy.go). ClusterIPs and NodePorts are allocated by the store's
 * begin hooks (service-allocators.ts), which run after prepareFor* and before validation.
 */
export const serviceStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate(obj) {
    setServiceDefaults(obj as Service);
    obj.status = { loadBalancer: {} };
  },
  validate: (obj) => validateService(obj as Service),
  prepareForUpdate(obj, old) {
    setServiceDefaults(obj as Service);
    obj.status = old.status ? structuredClone(old.status) : { loadBalancer: {} };
    dropTypeDependentFields(obj as Service, old as Service);
  },
  validateUpdate: (obj, old) => validateServiceUpdate(obj as Service, old as Service),
  // A PUT of a missing Service creates it (svcStrategy.AllowCreateOnUpdate).
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
};

/** services/status: only the status changes (serviceStatusStrategy). */
export const serviceStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    obj.spec = structuredClone(old.spec);
  },
  validateUpdate: (obj, old) => validateServiceStatusUpdate(obj as Service, old as Service),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
