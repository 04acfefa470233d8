/**
 * Service validation (pkg/apis/core/validation/validation.go ValidateService, ValidateServiceUpdate,
 * ValidateServiceStatusUpdate, ValidateServiceClusterIPsRelatedFields; Kubernetes 1.32), with kube's messages.
 */
import type { Service, ServicePort, ServiceSpec } from '../core-v1.ts';
import {
  fieldDuplicate,
  fieldForbidden,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  type FieldError,
} from '../../errors/status-error.ts';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { validateDNS1123Label, validateQualifiedName } from './field-errors.ts';
import { inclusiveRangeError, isDNS1123Subdomain, isIP, isValidPortName, isValidPortNum, nameIsDNS1035Label } from './names.ts';

/** Go's `%#v` of a []string, as field errors print one: `[]string{"a", "b"}`, `[]string(nil)`. */
export function goStringSlice(v: readonly string[] | undefined): string {
  if (v === undefined) return '[]string(nil)';
  return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
}

const SESSION_AFFINITIES = ['ClientIP', 'None'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
/** core.MaxClientIPServiceAffinitySeconds. */
export const MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 86400;
/** core.DefaultClientIPServiceAffinitySeconds. */
export const DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800;
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

type Spec = ServiceSpec & { clusterIPs?: string[] };

function specOf(svc: Service): Spec {
  return (svc.spec ?? {}) as Spec;
}

export function isHeadlessService(svc: Service): boolean {
  const ips = specOf(svc).clusterIPs;
  return ips?.length === 1 && ips[0] === 'None';
}

/** service.ExternallyAccessible: NodePort, LoadBalancer, or ClusterIP with externalIPs. */
export function externallyAccessible(spec: Spec): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0);
}

/** Go's `%#v` of a core.ServicePort (the value of the duplicate (port, protocol) error). */
function goServicePort(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

export function validateService(svc: Service): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, nameValidator: nameIsDNS1035Label });
  const spec = specOf(svc);
  const headless = isHeadlessService(svc);
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(fieldRequired('spec.ports'));
  switch (spec.type) {
    case 'LoadBalancer':
      if (headless) errs.push(fieldInvalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(fieldInvalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs?.length ?? 0) > 0) errs.push(fieldForbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if ((spec.ipFamilies?.length ?? 0) > 0) errs.push(fieldForbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy) errs.push(fieldForbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // The value (a CNAME) may have a trailing dot to denote it as fully qualified.
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname.length > 0) errs.push(...isDNS1123Subdomain(cname).map((m) => fieldInvalid('spec.externalName', cname, m)));
      else errs.push(fieldRequired('spec.externalName'));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((sp, i) => errs.push(...validateServicePort(sp, ports.length > 1, names, `spec.ports[${i}]`)));
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (!spec.sessionAffinity) errs.push(fieldRequired('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(spec.sessionAffinity)) errs.push(fieldNotSupported('spec.sessionAffinity', spec.sessionAffinity, SESSION_AFFINITIES));
  if (spec.sessionAffinity === 'ClientIP') errs.push(...validateClientIPAffinityConfig(spec));
  else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(fieldForbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateServiceClusterIPsRelatedFields(svc));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const p = `spec.externalIPs[${i}]`;
    if (!isIP(ip)) errs.push(fieldInvalid(p, ip, INVALID_IP));
    else errs.push(...validateNonSpecialIP(ip, p));
  });
  if (!spec.type) errs.push(fieldRequired('spec.type'));
  else if (!SERVICE_TYPES.includes(spec.type)) errs.push(fieldNotSupported('spec.type', spec.type, SERVICE_TYPES));
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(fieldForbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol ?? ''}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(fieldDuplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol ?? ''}/${p.port}`;
    if (portKeys.has(key)) errs.push({ type: 'FieldValueDuplicate', field: `spec.ports[${i}]`, detail: `Duplicate value: ${goServicePort(p.protocol ?? '', p.port)}` });
    portKeys.add(key);
  });
  if ((spec.loadBalancerSourceRanges?.length ?? 0) > 0 && spec.type !== 'LoadBalancer') {
    errs.push(fieldForbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(fieldForbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) errs.push(fieldRequired('allocateLoadBalancerNodePorts'));
  if (spec.loadBalancerClass !== undefined) {
    if (spec.type !== 'LoadBalancer') errs.push(fieldForbidden('spec.loadBalancerClass', 'may only be used when `type` is `LoadBalancer`'));
    else errs.push(...validateQualifiedName(spec.loadBalancerClass, 'spec.loadBalancerClass'));
  }
  errs.push(...validateExternalTrafficPolicy(spec));
  if (spec.internalTrafficPolicy === undefined) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP') errs.push(fieldRequired('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(fieldNotSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== 'PreferClose') {
    errs.push(fieldNotSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

function validateServicePort(sp: ServicePort, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) errs.push(fieldRequired(`${path}.name`));
  else if (sp.name) {
    errs.push(...validateDNS1123Label(sp.name, `${path}.name`));
    if (names.has(sp.name)) errs.push(fieldDuplicate(`${path}.name`, sp.name));
    else names.add(sp.name);
  }
  errs.push(...isValidPortNum(sp.port).map((m) => fieldInvalid(`${path}.port`, sp.port ?? 0, m)));
  if (!sp.protocol) errs.push(fieldRequired(`${path}.protocol`));
  else if (!PROTOCOLS.includes(sp.protocol)) errs.push(fieldNotSupported(`${path}.protocol`, sp.protocol, PROTOCOLS));
  const tp = sp.targetPort;
  if (typeof tp === 'number') errs.push(...isValidPortNum(tp).map((m) => fieldInvalid(`${path}.targetPort`, tp, m)));
  else if (typeof tp === 'string') errs.push(...isValidPortName(tp).map((m) => fieldInvalid(`${path}.targetPort`, tp, m)));
  else errs.push(fieldInvalid(`${path}.targetPort`, 0, inclusiveRangeError(1, 65535)));
  if (sp.appProtocol !== undefined) errs.push(...validateQualifiedName(sp.appProtocol, `${path}.appProtocol`));
  return errs;
}

function validateClientIPAffinityConfig(spec: Spec): FieldError[] {
  const path = 'spec.sessionAffinityConfig';
  const when = 'when session affinity type is ClientIP';
  const cfg = spec.sessionAffinityConfig;
  if (!cfg) return [fieldRequired(path, when)];
  if (!cfg.clientIP) return [fieldRequired(`${path}.clientIP`, when)];
  const t = cfg.clientIP.timeoutSeconds;
  if (t === undefined || t === null) return [fieldRequired(`${path}.clientIP.timeoutSeconds`, when)];
  if (!(t > 0 && t <= MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS)) {
    return [fieldInvalid(`${path}.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS}`)];
  }
  return [];
}

function validateExternalTrafficPolicy(spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  if (!externallyAccessible(spec)) {
    if (spec.externalTrafficPolicy) errs.push(fieldInvalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else if (!spec.externalTrafficPolicy) {
    errs.push(fieldRequired('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
    errs.push(fieldNotSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  if (!needsHealthCheck) {
    if (spec.healthCheckNodePort) {
      errs.push(fieldInvalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (!spec.healthCheckNodePort) {
    errs.push(fieldRequired('spec.healthCheckNodePort'));
  } else {
    errs.push(...isValidPortNum(spec.healthCheckNodePort).map((m) => fieldInvalid('spec.healthCheckNodePort', spec.healthCheckNodePort, m)));
  }
  return errs;
}

/** ValidateNonSpecialIP. */
function validateNonSpecialIP(ip: string, path: string): FieldError[] {
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip.split('.').map(Number) : undefined;
  const lower = ip.toLowerCase();
  if (v4 ? v4.every((n) => n === 0) : /^[0:]+$/.test(lower)) return [fieldInvalid(path, ip, 'may not be unspecified (0.0.0.0)')];
  if (v4 ? v4[0] === 127 : lower === '::1') return [fieldInvalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if (v4 ? v4[0] === 169 && v4[1] === 254 : /^fe[89ab]/.test(lower)) return [fieldInvalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if (v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : lower.startsWith('ff02:')) {
    return [fieldInvalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  }
  return [];
}

/** ValidateServiceClusterIPsRelatedFields: clusterIP/clusterIPs in step, families and policy, valid IPs. */
export function validateServiceClusterIPsRelatedFields(svc: Service): FieldError[] {
  const spec = specOf(svc);
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  let hasInvalidIPs = false;
  const ips = spec.clusterIPs ?? [];
  const invalidIPs = (detail: string): FieldError => ({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', detail: `Invalid value: ${goStringSlice(spec.clusterIPs)}: ${detail}` });
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(fieldRequired('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(invalidIPs('first value must match `clusterIP`'));
  } else if (ips.length !== 0) {
    errs.push(invalidIPs('must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(fieldNotSupported(`spec.ipFamilies[${i}]`, f, IP_FAMILIES));
    if (seen.has(f)) errs.push(fieldDuplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(fieldNotSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        hasInvalidIPs = true;
        errs.push(invalidIPs("'None' must be the first and only value"));
      }
      return;
    }
    if (!isIP(ip)) {
      hasInvalidIPs = true;
      errs.push(fieldInvalid(`spec.clusterIPs[${i}]`, ip, INVALID_IP));
    }
  });
  if (ips.length > 2) errs.push(invalidIPs('may only hold up to 2 values'));
  if (hasInvalidIPs) return errs;
  if (ips.length > 1) {
    const v6 = ips.map((ip) => ip.includes(':'));
    if (ips.length !== 2 || v6[0] === v6[1]) errs.push(invalidIPs('may specify no more than one IP for each IP family'));
  }
  if (!isHeadlessService(svc) && ips.length > 0 && (spec.ipFamilies?.length ?? 0) > 0) {
    ips.forEach((ip, i) => {
      const fam = spec.ipFamilies?.[i];
      if (fam === 'IPv4' && ip.includes(':')) errs.push(fieldInvalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (fam === 'IPv6' && !ip.includes(':')) errs.push(fieldInvalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/** ValidateServiceUpdate: metadata rules, clusterIPs and ipFamilies may not change once set, then ValidateService. */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  const spec = specOf(svc);
  const oldSpec = specOf(old);
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && !(isHeadlessService(svc) && isHeadlessService(old))) {
    const now = spec.clusterIPs ?? [];
    const before = oldSpec.clusterIPs ?? [];
    const invalid0 = (detail: string): FieldError => ({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', detail: `Invalid value: ${goStringSlice(spec.clusterIPs)}: ${detail}` });
    if (before.length === now.length) {
      before.forEach((ip, i) => {
        if (ip !== now[i]) errs.push({ type: 'FieldValueInvalid', field: `spec.clusterIPs[${i}]`, detail: `Invalid value: ${goStringSlice(spec.clusterIPs)}: may not change once set` });
      });
    } else if (before.length > now.length) {
      if (now.length === 0) errs.push(invalid0('primary clusterIP can not be unset'));
      if (before.length > 0 && now.length > 0 && now[0] !== before[0]) errs.push(invalid0('may not change once set'));
      if (now.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(fieldInvalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (before.length > 0 && now[0] !== before[0]) {
      errs.push(invalid0('may not change once set'));
    }
  }
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && isHeadlessService(svc) === isHeadlessService(old) && !isHeadlessService(svc)) {
    const now = spec.ipFamilies ?? [];
    const before = oldSpec.ipFamilies ?? [];
    if (before.length === now.length) {
      before.forEach((f, i) => {
        if (f !== now[i]) errs.push({ type: 'FieldValueInvalid', field: 'spec.ipFamilies[0]', detail: `Invalid value: []core.IPFamily{${now.map((x) => JSON.stringify(x)).join(', ')}}: may not change once set` });
      });
    }
  }
  if (oldSpec.type === 'LoadBalancer' && oldSpec.externalTrafficPolicy === 'Local' && spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') {
    if (spec.healthCheckNodePort !== oldSpec.healthCheckNodePort) errs.push(fieldForbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  return errs.concat(validateService(svc));
}

/** ValidateServiceStatusUpdate: metadata rules and the load balancer status. */
export function validateServiceStatusUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  (svc.status?.loadBalancer?.ingress ?? []).forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (ing.ip !== undefined && ing.ip !== '' && !isIP(ing.ip)) errs.push(fieldInvalid(`${p}.ip`, ing.ip, INVALID_IP));
    if (ing.ipMode !== undefined) {
      if (!ing.ip) errs.push(fieldForbidden(`${p}.ipMode`, 'may not be specified when `ip` is not'));
      else if (!['Proxy', 'VIP'].includes(ing.ipMode)) errs.push(fieldNotSupported(`${p}.ipMode`, ing.ipMode, ['Proxy', 'VIP']));
    }
    if (ing.hostname) {
      errs.push(...isDNS1123Subdomain(ing.hostname).map((m) => fieldInvalid(`${p}.hostname`, ing.hostname, m)));
      if (isIP(ing.hostname)) errs.push(fieldInvalid(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}
