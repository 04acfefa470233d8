/**
 * What the endpoint and endpointslice controllers share (k8s.io/endpointslice/util/controller_utils.go and
 * the FindPort / isServiceIPSet helpers of k8s.io/endpointslice/utils.go): which pods belong in a Service's
 * endpoints, which Services a pod change wakes, how a Service port resolves against one pod.
 */
import type { Pod, Service, ServicePort } from '../../shared/api/core-v1.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import type { Lister } from '../../shared/cache/lister.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import { StatusError } from '../../shared/errors/status-error.ts';
import type { Controller } from '../framework/controller.ts';
import { namespacedKey } from '../framework/handlers.ts';

/** The label the controllers put on the Endpoints and EndpointSlices of a headless Service (v1.IsHeadlessService). */
export const LABEL_HEADLESS_SERVICE = 'service.kubernetes.io/headless';
/**
 * v1.EndpointsLastChangeTriggerTime: when the pod or Service change behind this write happened (RFC 3339 with
 * nanoseconds); kube-proxy's network programming latency is measured from it.
 */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** v1.EndpointsOverCapacity: set to "truncated" on Endpoints cut down to 1000 addresses. */
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
/** The node label carrying the zone an endpoint reports (v1.LabelTopologyZone). */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** A terminal pod (Succeeded or Failed) can never serve again (podutil.IsPodTerminal). */
function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and (unless includeTerminating) not being deleted.
 * "Terminal" (Succeeded/Failed) is not "terminating" (deletionTimestamp set).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && (pod.status?.podIPs ?? []).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: the pod names a hostname and its subdomain is this Service (headless DNS records). */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return Boolean(pod.spec.hostname) && pod.spec.subdomain === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace;
}

/** isServiceIPSet: a ClusterIP that is neither empty nor "None" (i.e. not headless). */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP ?? '';
  return ip !== 'None' && ip !== '';
}

/** The pod's IPs, from status.podIPs (or status.podIP when the list is absent). */
export function podIPsOf(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/**
 * FindPort: the container port a Service port reaches on this pod. A numeric targetPort is used as is; a
 * name is looked up among the named ports of the pod's containers (then of its restartable init containers,
 * i.e. sidecars) with the Service port's protocol. Throws when the pod has no such port.
 */
export function findPort(pod: Pod, svcPort: ServicePort): number {
  const target = svcPort.targetPort ?? svcPort.port;
  const protocol = svcPort.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  throw new Error(`no suitable port for manifest: ${pod.metadata.uid ?? ''}`);
}

/**
 * A Service selector (a plain map: every key must carry its value; an empty map selects everything) against a
 * pod's labels: labels.SelectorFromValidatedSet(selector).Matches(labels), without building a selector on
 * every pod event.
 */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const k in selector) if (labels?.[k] !== selector[k]) return false;
  return true;
}

/** The `namespace/name` keys of the namespace's Services whose selector matches these labels (nil selector: none). */
function servicesForLabels(services: Lister<Service>, namespace: string, labels: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const svc of services.namespace(namespace).list()) {
    const sel = svc.spec?.selector;
    if (!sel) continue;
    if (selectorMatches(sel, labels)) out.add(`${namespace}/${svc.metadata.name ?? ''}`);
  }
  return out;
}

/** GetPodServiceMemberships: the Services selecting this pod. */
export function podServiceMemberships(services: Lister<Service>, pod: Pod): Set<string> {
  return servicesForLabels(services, pod.metadata.namespace ?? '', pod.metadata.labels);
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

/**
 * podEndpointsChanged: [podChanged, labelsChanged]. podChanged when what an endpoint shows can differ
 * (deletionTimestamp, readiness, pod IPs); labelsChanged when the Services it matches can differ (labels,
 * hostname or subdomain).
 */
export function podEndpointsChanged(oldPod: Pod, newPod: Pod): [boolean, boolean] {
  const labelsChanged = !sameLabels(oldPod.metadata.labels, newPod.metadata.labels) || oldPod.spec.hostname !== newPod.spec.hostname || oldPod.spec.subdomain !== newPod.spec.subdomain;
  if ((oldPod.metadata.deletionTimestamp ?? '') !== (newPod.metadata.deletionTimestamp ?? '')) return [true, labelsChanged];
  if (isPodReady(oldPod) !== isPodReady(newPod)) return [true, labelsChanged];
  const a = podIPsOf(oldPod);
  const b = podIPsOf(newPod);
  if (a.length !== b.length || a.some((ip, i) => ip !== b[i])) return [true, labelsChanged];
  // A terminal phase takes the pod out of the endpoints (ShouldPodBeInEndpoints); upstream relies on the
  // phase change coming with a readiness change, this makes it explicit.
  if (isPodTerminal(oldPod) !== isPodTerminal(newPod)) return [true, labelsChanged];
  return [false, labelsChanged];
}

/**
 * GetServicesToUpdateOnPodChange: the Services to resync after a pod update. Same resourceVersion (a resync)
 * or nothing relevant changed: none. Labels changed: if the pod itself changed too, every Service it matched
 * before or matches now; else only those it joined or left (the symmetric difference).
 */
export function servicesToUpdateOnPodChange(services: Lister<Service>, oldPod: Pod, newPod: Pod): Set<string> {
  if (oldPod.metadata.resourceVersion !== undefined && oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return new Set();
  const [podChanged, labelsChanged] = podEndpointsChanged(oldPod, newPod);
  if (!podChanged && !labelsChanged) return new Set();
  const now = podServiceMemberships(services, newPod);
  if (!labelsChanged) return now;
  const before = podServiceMemberships(services, oldPod);
  const out = new Set<string>();
  if (podChanged) {
    for (const k of now) out.add(k);
    for (const k of before) out.add(k);
  } else {
    for (const k of now) if (!before.has(k)) out.add(k);
    for (const k of before) if (!now.has(k)) out.add(k);
  }
  return out;
}

/** errors.HasStatusCause(err, v1.NamespaceTerminatingCause): a create refused because the namespace is going away. */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof StatusError && (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

/** An aggregate of errors in utilerrors.NewAggregate's wording: one error is itself, several are `[a, b]`. */
export function aggregateErrors(errs: unknown[]): Error | undefined {
  if (errs.length === 0) return undefined;
  if (errs.length === 1) return errs[0] instanceof Error ? (errs[0] as Error) : new Error(String(errs[0]));
  const msgs = [...new Set(errs.map((e) => (e instanceof Error ? e.message : String(e))))];
  return new Error(msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`);
}

/**
 * The Service and pod event handlers the endpoint and endpointslice controllers share (both keyed by
 * Service): a Service change queues it at once; a pod change queues the Services it belongs or belonged to,
 * after batchPeriodMs (--endpoint-updates-batch-period; 0: at once).
 */
export function addServiceAndPodHandlers(controller: Controller, services: SharedIndexInformer<Service>, pods: SharedIndexInformer<Pod>, batchPeriodMs: number): void {
  services.addEventHandler({
    onAdd: (svc) => controller.enqueue(namespacedKey(svc)),
    onUpdate: (_old, svc) => controller.enqueue(namespacedKey(svc)),
    onDelete: (obj) => controller.enqueue(namespacedKey(unwrapTombstone(obj))),
  });
  const enqueuePodServices = (keys: Set<string>): void => {
    for (const key of keys) {
      if (batchPeriodMs > 0) controller.enqueueAfter(key, batchPeriodMs);
      else controller.enqueue(key);
    }
  };
  pods.addEventHandler({
    onAdd: (pod) => enqueuePodServices(podServiceMemberships(services.lister, pod)),
    onUpdate: (old, cur) => enqueuePodServices(servicesToUpdateOnPodChange(services.lister, old, cur)),
    onDelete: (obj) => enqueuePodServices(podServiceMemberships(services.lister, unwrapTombstone(obj))),
  });
}

/**
 * The pods a Service selects (in its namespace), or undefined for a Service whose endpoints are not the
 * controllers' to write: ExternalName Services get none (issues.k8s.io/105986), selector-less ones are the user's.
 */
export function selectedPods(service: Service, pods: Lister<Pod>): Pod[] | undefined {
  if (service.spec?.type === 'ExternalName') return undefined;
  const selector = service.spec?.selector;
  if (!selector) return undefined;
  return pods.namespace(service.metadata.namespace ?? '').list((p) => selectorMatches(selector, p.metadata.labels));
}
