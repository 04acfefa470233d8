import type { KubeObject } from '../../../../shared/api/meta.ts';
import { fieldInvalid, fieldNotSupported, fieldRequired, type FieldError } from '../../../../shared/errors/status-error.ts';
import { validateObjectMeta } from '../../../../shared/api/validation/meta.ts';
import { nameIsDNS1035Label } from '../../../../shared/api/validation/names.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepStatus } from '../../generic/reset-meta.ts';

interface ServicePort {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  selector?: Record<string, string>;
  sessionAffinity?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  internalTrafficPolicy?: string;
}

/** The service CIDR kubelab reports (kube's default 10.96.0.0/12); `kubernetes` gets .1. */
const SERVICE_BASE = (10 << 24) | (96 << 16);
const SERVICE_SIZE = 1 << 20;

function allocateClusterIP(name: string, namespace: string): string {
  if (name === 'kubernetes' && namespace === 'default') return '10.96.0.1';
  let h = 2166136261;
  for (const c of `${namespace}/${name}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  const n = SERVICE_BASE + 2 + (h % (SERVICE_SIZE - 3));
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

function validateService(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: true, nameValidator: nameIsDNS1035Label });
  const spec = (obj.spec ?? {}) as ServiceSpec;
  if (spec.type && !TYPES.includes(spec.type)) errs.push(fieldNotSupported('spec.type', spec.type, TYPES));
  (spec.ports ?? []).forEach((p, i) => {
    if (p.port === undefined) errs.push(fieldRequired(`spec.ports[${i}].port`));
    else if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(fieldInvalid(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
    if (p.protocol && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) errs.push(fieldNotSupported(`spec.ports[${i}].protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  if ((spec.ports?.length ?? 0) > 1) (spec.ports ?? []).forEach((p, i) => { if (!p.name) errs.push(fieldRequired(`spec.ports[${i}].name`)); });
  return errs;
}

function defaultService(obj: KubeObject): void {
  const spec = ((obj.spec as ServiceSpec | undefined) ?? (obj.spec = {})) as ServiceSpec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  spec.internalTrafficPolicy ??= 'Cluster';
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  if (spec.type !== 'ExternalName') {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
}

/** A minimal Service registry (enough for `kubectl cluster-info` and users' manifests; no proxying yet). */
export const serviceStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate(obj) {
    defaultService(obj);
    const spec = obj.spec as ServiceSpec;
    if (spec.type !== 'ExternalName' && !spec.clusterIP) spec.clusterIP = allocateClusterIP(obj.metadata.name ?? '', obj.metadata.namespace ?? '');
    if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
    obj.status = { loadBalancer: {} };
  },
  validate: validateService,
  prepareForUpdate(obj, old) {
    defaultService(obj);
    const spec = obj.spec as ServiceSpec;
    const oldSpec = (old.spec ?? {}) as ServiceSpec;
    if (!spec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs) spec.clusterIPs = oldSpec.clusterIPs;
    keepStatus(obj, old);
  },
  validateUpdate(obj, old) {
    const errs = validateService(obj);
    const a = (obj.spec as ServiceSpec).clusterIP;
    const b = (old.spec as ServiceSpec | undefined)?.clusterIP;
    if (b && a !== b) errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', detail: `Invalid value: ${JSON.stringify([a])}: may not change once set` });
    return errs;
  },
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
