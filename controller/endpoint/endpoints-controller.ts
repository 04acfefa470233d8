/**
 * The endpoint controller (kube-controller-manager pkg/controller/endpoint): keeps the legacy core/v1
 * Endpoints object of every Service with a selector (same name as the Service) in line with its pods.
 *
 * One sync of a Service (syncService), level-based:
 * - Service gone: its Endpoints are deleted (if this controller manages them);
 * - ExternalName or no selector: nothing (those Endpoints are the user's);
 * - every selected pod with an IP, not terminal, and not terminating unless publishNotReadyAddresses, gives
 *   one address per Service port it resolves (a named targetPort per pod): `addresses` when Ready (or
 *   publishNotReadyAddresses), else `notReadyAddresses`; hostname when the pod's subdomain is the Service;
 * then RepackSubsets (shared/api/repack-subsets.ts, the layout the API server stores) packs them;
 * - nothing written when subsets, labels and the over-capacity annotation are already right; otherwise the
 *   Endpoints get the Service's labels plus endpoints.kubernetes.io/managed-by and the headless label, the
 *   last-change-trigger-time annotation, and are cut to 1000 addresses (over-capacity: truncated).
 * Failures record FailedToCreateEndpoint / FailedToUpdateEndpoint and retry with backoff (5 ms doubling).
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from '../../shared/api/core-v1.ts';
import { deepCopy } from '../../shared/api/meta.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { splitMetaNamespaceKey, unwrapTombstone } from '../../shared/cache/store.ts';
import { endpointsResource, servicesResource, type Clientset } from '../../shared/client/clientset.ts';
import { errorMessage, isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { namespacedKey } from '../framework/handlers.ts';
import { rfc3339Nano } from '../framework/time-format.ts';
import {
  addServiceAndPodHandlers,
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  ANNOTATION_OVER_CAPACITY,
  findPort,
  isIPv6,
  isNamespaceTerminating,
  isServiceIPSet,
  LABEL_HEADLESS_SERVICE,
  podIPsOf,
  selectedPods,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../endpointslice/endpointslice-util.ts';
import { TriggerTimeTracker } from '../endpointslice/trigger-time-tracker.ts';
import { repackSubsets } from '../../shared/api/repack-subsets.ts';

/** The most addresses one Endpoints object holds (maxCapacity). */
export const MAX_CAPACITY = 1000;
/** The label marking Endpoints this controller manages (LabelManagedBy) and its value (ControllerName). */
export const LABEL_ENDPOINTS_MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINT_CONTROLLER_NAME = 'endpoint-controller';
/** Leader-election records kept in Endpoints (resourcelock.LeaderElectionRecordAnnotationKey): never cleaned up. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export interface EndpointsControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** Component `endpoint-controller`. */
  recorder: EventRecorder;
  /** --endpoint-updates-batch-period: delay of syncs triggered by pod changes. @default 0 */
  endpointUpdatesBatchPeriodMs?: number;
  /** --concurrent-endpoint-syncs. @default 5 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

export class EndpointsController {
  readonly controller: Controller;
  readonly #clientset: Clientset;
  readonly #recorder: EventRecorder;
  readonly #log: Logger;
  readonly #batchMs: number;
  readonly #services: SharedIndexInformer<Service>;
  readonly #pods: SharedIndexInformer<Pod>;
  readonly #endpoints: SharedIndexInformer<Endpoints>;
  readonly #triggerTimes = new TriggerTimeTracker();
  /**
   * Endpoints key -> the resourceVersion this controller last replaced (staleEndpointsTracker), or '' for
   * Endpoints it created that the cache has not shown yet: a sync must not act on the older state.
   */
  readonly #staleVersions = new Map<string, string>();

  constructor(options: EndpointsControllerOptions) {
    const clock = options.clock ?? realClock;
    this.#clientset = options.clientset;
    this.#recorder = options.recorder;
    this.#log = (options.log ?? rootLog).with({ controller: 'endpoint' });
    this.#batchMs = Math.max(0, options.endpointUpdatesBatchPeriodMs ?? 0);
    const f = options.informerFactory;
    this.#services = f.informerFor<Service>(servicesResource);
    this.#pods = f.pods<Pod>();
    this.#endpoints = f.informerFor<Endpoints>(endpointsResource);
    this.controller = new Controller({ name: 'endpoint', reconciler: { reconcile: (key) => this.syncService(key) }, workers: options.workers ?? 5, clock, log: this.#log });

    addServiceAndPodHandlers(this.controller, this.#services, this.#pods, this.#batchMs);
    this.#endpoints.addEventHandler({
      // Only deletions matter: Endpoints deleted under a live Service are written again.
      onDelete: (obj) => {
        const key = namespacedKey(unwrapTombstone(obj));
        this.#staleVersions.delete(key);
        this.controller.enqueue(key);
      },
    });
  }

  /** Waits for the caches, queues leftover Endpoints once, then syncs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const hasSynced = [this.#pods, this.#services, this.#endpoints].map((i) => () => i.hasSynced());
    await this.controller.run(signal, { hasSynced, onSynced: () => this.checkLeftoverEndpoints() });
  }

  /**
   * checkLeftoverEndpoints: queues every managed Endpoints once at start, so those whose Service went away
   * while the controller was down are deleted. Leader-election records are left alone.
   */
  checkLeftoverEndpoints(): void {
    for (const ep of this.#endpoints.lister.list()) {
      if (ep.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      if (ep.metadata.labels?.[LABEL_ENDPOINTS_MANAGED_BY] !== ENDPOINT_CONTROLLER_NAME) continue;
      this.controller.enqueue(namespacedKey(ep));
    }
  }

  async syncService(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const service = this.#services.lister.get(key);
    if (!service) {
      // The Service is gone: so are its Endpoints (only those this controller manages).
      const current = this.#endpoints.lister.get(key);
      if (current && current.metadata.labels?.[LABEL_ENDPOINTS_MANAGED_BY] === ENDPOINT_CONTROLLER_NAME) {
        try {
          await this.#clientset.endpoints.delete(namespace, name);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      this.#triggerTimes.deleteService(namespace, name);
      this.#staleVersions.delete(key);
      return;
    }
    const pods = selectedPods(service, this.#pods.lister);
    if (!pods) return;
    // Before any early return, so the tracker moves even when nothing is written.
    const triggerTime = this.#triggerTimes.computeEndpointLastChangeTriggerTime(namespace, service, pods);

    const publishNotReady = service.spec?.publishNotReadyAddresses === true;
    const ports = service.spec?.ports ?? [];
    let subsets: EndpointSubset[] = [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
      const epa = addressForService(service, pod);
      if (!epa) {
        this.#log.debug('Failed to find endpoint for service with ClusterIP on pod', { service: key, pod: pod.metadata.name });
        continue;
      }
      if (shouldSetHostname(pod, service)) epa.hostname = pod.spec.hostname as string;
      const ready = publishNotReady || isPodReady(pod);
      if (ports.length === 0) {
        // A headless Service may have no ports.
        if (service.spec?.clusterIP === 'None') subsets.push(subsetOf(epa, undefined, ready));
        continue;
      }
      for (const sp of ports) {
        let port: number;
        try {
          port = findPort(pod, sp);
        } catch (err) {
          this.#log.debug('Failed to find port for service', { service: key, err });
          continue;
        }
        const epp: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
        if (sp.appProtocol !== undefined) epp.appProtocol = sp.appProtocol;
        subsets.push(subsetOf(epa, epp, ready));
      }
    }
    subsets = repackSubsets(subsets);

    const cached = this.#endpoints.lister.get(key);
    const stale = this.#staleVersions.get(key);
    if (cached && stale === cached.metadata.resourceVersion) {
      throw new Error(`endpoints informer cache is out of date, resource version ${cached.metadata.resourceVersion ?? ''} already processed for endpoints ${key}`);
    }
    // Created by the last sync but not in the cache yet: creating again would only fail with AlreadyExists.
    if (!cached && stale === '') throw new Error(`endpoints informer cache is out of date, endpoints ${key} created but not seen yet`);
    const create = !cached?.metadata.resourceVersion;
    const current: Endpoints = cached ?? { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, ...(service.metadata.labels ? { labels: { ...service.metadata.labels } } : {}) } };

    if (!create && subsetsEqual(current.subsets ?? [], subsets) && labelsEqual(current, service) && capacityAnnotationSetCorrectly(current)) return;

    const next = deepCopy(current);
    if (subsets.length > 0) next.subsets = subsets;
    else delete next.subsets;
    const labels: Record<string, string> = { ...(service.metadata.labels ?? {}) };
    const annotations = next.metadata.annotations ?? {};
    if (triggerTime !== undefined) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
    else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
    if (truncateEndpoints(next)) annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
    else delete annotations[ANNOTATION_OVER_CAPACITY];
    next.metadata.annotations = annotations;
    labels[LABEL_ENDPOINTS_MANAGED_BY] = ENDPOINT_CONTROLLER_NAME;
    if (!isServiceIPSet(service)) labels[LABEL_HEADLESS_SERVICE] = '';
    else delete labels[LABEL_HEADLESS_SERVICE];
    next.metadata.labels = labels;

    try {
      if (create) await this.#clientset.endpoints.create(next);
      else await this.#clientset.endpoints.update(next);
    } catch (err) {
      // A namespace being deleted refuses creates for good: drop the key.
      if (create && isNamespaceTerminating(err)) return;
      if (create) this.#recorder.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${errorMessage(err)}`);
      else this.#recorder.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${errorMessage(err)}`);
      throw err;
    }
    // The cache may still show the version just replaced (or nothing yet): a sync reading it must wait.
    this.#staleVersions.set(key, create ? '' : current.metadata.resourceVersion ?? '');
  }
}

/** podToEndpointAddressForService: the pod IP of the Service's family, with node and target. */
function addressForService(service: Service, pod: Pod): EndpointAddress | undefined {
  let v6: boolean;
  const families = service.spec?.ipFamilies ?? [];
  if (families.length > 0) v6 = families[0] === 'IPv6';
  else if (isServiceIPSet(service)) v6 = isIPv6(service.spec?.clusterIP ?? '');
  else v6 = isIPv6(pod.status?.podIP ?? '');
  const ip = podIPsOf(pod).find((x) => isIPv6(x) === v6);
  if (!ip) return undefined;
  return {
    ip,
    nodeName: pod.spec.nodeName ?? '',
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
}

function subsetOf(epa: EndpointAddress, epp: EndpointPort | undefined, ready: boolean): EndpointSubset {
  const s: EndpointSubset = ready ? { addresses: [{ ...epa }] } : { notReadyAddresses: [{ ...epa }] };
  if (epp) s.ports = [epp];
  return s;
}

/** Subsets compared as the API shows them (targetRef resourceVersion aside; absent lists equal empty ones). */
function subsetsEqual(a: readonly EndpointSubset[], b: readonly EndpointSubset[]): boolean {
  const norm = (subsets: readonly EndpointSubset[]) =>
    JSON.stringify(
      subsets.map((s) => ({
        addresses: (s.addresses ?? []).map(normAddress),
        notReadyAddresses: (s.notReadyAddresses ?? []).map(normAddress),
        ports: (s.ports ?? []).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? null]),
      })),
    );
  return norm(a) === norm(b);
}

function normAddress(a: EndpointAddress): unknown[] {
  const r = a.targetRef;
  return [a.ip, a.hostname ?? '', a.nodeName ?? null, r ? [r.kind ?? '', r.namespace ?? '', r.name ?? '', r.uid ?? '', r.apiVersion ?? '', r.fieldPath ?? ''] : null];
}

/** The Endpoints' labels equal the Service's, the headless label aside, and carry the managed-by label. */
function labelsEqual(ep: Endpoints, service: Service): boolean {
  const mine = { ...(ep.metadata.labels ?? {}) };
  if (mine[LABEL_ENDPOINTS_MANAGED_BY] !== ENDPOINT_CONTROLLER_NAME) return false;
  delete mine[LABEL_HEADLESS_SERVICE];
  delete mine[LABEL_ENDPOINTS_MANAGED_BY];
  const theirs = service.metadata.labels ?? {};
  const keys = Object.keys(mine);
  return keys.length === Object.keys(theirs).length && keys.every((k) => mine[k] === theirs[k]);
}

const addressCount = (subsets: readonly EndpointSubset[]): number => subsets.reduce((n, s) => n + (s.addresses ?? []).length + (s.notReadyAddresses ?? []).length, 0);

/** capacityAnnotationSetCorrectly: within capacity and no over-capacity annotation. */
function capacityAnnotationSetCorrectly(ep: Endpoints): boolean {
  if (addressCount(ep.subsets ?? []) > MAX_CAPACITY) return false;
  return ep.metadata.annotations?.[ANNOTATION_OVER_CAPACITY] === undefined;
}

/**
 * truncateEndpoints: cuts the Endpoints to MAX_CAPACITY addresses, spread over the subsets in proportion
 * to their size (rounded up), ready addresses first: not-ready ones go before any ready one does.
 */
export function truncateEndpoints(ep: Endpoints): boolean {
  const subsets = ep.subsets ?? [];
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += (s.addresses ?? []).length;
    totalNotReady += (s.notReadyAddresses ?? []).length;
  }
  if (totalReady + totalNotReady <= MAX_CAPACITY) return false;
  const truncateReady = totalReady > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = truncateReady ? (s.addresses ?? []).length : (s.notReadyAddresses ?? []).length;
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      s.addresses = (s.addresses ?? []).slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses.length;
    } else {
      s.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses.length;
    }
  }
  return true;
}
