/**
 * The endpointslice controller (kube-controller-manager pkg/controller/endpointslice): keeps the
 * EndpointSlices of every Service with a selector in line with the pods it selects, through the
 * EndpointSliceReconciler (endpointslice-reconciler.ts).
 *
 * Keyed by Service (`namespace/name`), level-based:
 * - a Service change enqueues it at once;
 * - a pod change enqueues the Services it belongs (or belonged) to, after --endpoint-updates-batch-period
 *   (0 by default: at once, so a readiness flip or a deletionTimestamp reaches the slices in milliseconds);
 * - a change to one of its slices that this controller did not write (generation newer than tracked, a
 *   managed-by change, an unexpected deletion) enqueues the Service after max(1 s, batch period).
 * A sync skips ExternalName and selector-less Services (their slices are the user's), and refuses to run on
 * a slice cache older than its own last writes (EndpointSliceTracker): it retries, and is woken as soon as
 * the cache catches up. Failures record a FailedToUpdateEndpointSlices event and retry with backoff
 * (1 s doubling to 1000 s, as upstream).
 */
import type { Node, Pod, Service } from '../../shared/api/core-v1.ts';
import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice } from '../../shared/api/discovery-v1.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { splitMetaNamespaceKey, unwrapTombstone } from '../../shared/cache/store.ts';
import { endpointSlicesResource, servicesResource, type Clientset } from '../../shared/client/clientset.ts';
import { errorMessage } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from '../../shared/workqueue/rate-limiter.ts';
import { Controller } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { EndpointSliceReconciler } from './endpointslice-reconciler.ts';
import { EndpointSliceTracker } from './endpointslice-tracker.ts';
import { addServiceAndPodHandlers, selectedPods } from './endpointslice-util.ts';
import { TriggerTimeTracker } from './trigger-time-tracker.ts';

/** The least delay before a Service is synced after one of its slices changed (endpointSliceChangeMinSyncDelay). */
export const ENDPOINTSLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;

export interface EndpointSliceControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  /** Component `endpoint-slice-controller`. */
  recorder: EventRecorder;
  /** --max-endpoints-per-slice. @default 100 */
  maxEndpointsPerSlice?: number;
  /** --endpoint-updates-batch-period: delay of syncs triggered by pod changes. @default 0 */
  endpointUpdatesBatchPeriodMs?: number;
  /** --concurrent-service-endpoint-syncs. @default 5 */
  workers?: number;
  /** @default realClock */
  clock?: Clock;
  log?: Logger;
}

export class EndpointSliceController {
  readonly controller: Controller;
  readonly reconciler: EndpointSliceReconciler;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #recorder: EventRecorder;
  readonly #batchMs: number;
  readonly #services: SharedIndexInformer<Service>;
  readonly #pods: SharedIndexInformer<Pod>;
  readonly #nodes: SharedIndexInformer<Node>;
  readonly #slices: SharedIndexInformer<EndpointSlice>;
  readonly #tracker = new EndpointSliceTracker();
  readonly #triggerTimes = new TriggerTimeTracker();
  /** Services whose last sync found a stale slice cache: synced again on the next event of one of their slices. */
  readonly #waitingForCache = new Set<string>();

  constructor(options: EndpointSliceControllerOptions) {
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'endpointslice' });
    this.#recorder = options.recorder;
    this.#batchMs = Math.max(0, options.endpointUpdatesBatchPeriodMs ?? 0);
    const f = options.informerFactory;
    this.#services = f.informerFor<Service>(servicesResource);
    this.#pods = f.pods<Pod>();
    this.#nodes = f.nodes<Node>();
    this.#slices = f.informerFor<EndpointSlice>(endpointSlicesResource);
    this.reconciler = new EndpointSliceReconciler({
      clientset: options.clientset,
      nodes: this.#nodes.lister,
      maxEndpointsPerSlice: options.maxEndpointsPerSlice ?? 100,
      tracker: this.#tracker,
      controllerName: ENDPOINTSLICE_CONTROLLER_NAME,
      log: this.#log,
    });
    this.controller = new Controller({
      name: 'endpointslice',
      reconciler: { reconcile: (key) => this.syncService(key) },
      workers: options.workers ?? 5,
      clock: this.#clock,
      log: this.#log,
      // Upstream's limiter for this controller: 1 s doubling to 1000 s per Service, 10 qps / 100 burst overall.
      rateLimiter: new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(1000, 1_000_000), new BucketRateLimiter<string>(10, 100, this.#clock)),
    });

    addServiceAndPodHandlers(this.controller, this.#services, this.#pods, this.#batchMs);
    this.#slices.addEventHandler({
      onAdd: (slice) => {
        this.#wakeWaiting(slice);
        if (this.reconciler.managedByController(slice) && this.#tracker.shouldSync(slice)) this.#queueServiceForSlice(slice);
      },
      onUpdate: (prev, slice) => {
        this.#wakeWaiting(slice);
        const svcName = slice.metadata.labels?.[LABEL_SERVICE_NAME] ?? '';
        const prevSvcName = prev.metadata.labels?.[LABEL_SERVICE_NAME] ?? '';
        if (svcName !== prevSvcName) {
          this.#queueServiceForSlice(slice);
          this.#queueServiceForSlice(prev);
          return;
        }
        const managedByChanged = this.reconciler.managedByController(prev) !== this.reconciler.managedByController(slice);
        if (managedByChanged || (this.reconciler.managedByController(slice) && this.#tracker.shouldSync(slice))) this.#queueServiceForSlice(slice);
      },
      onDelete: (obj) => {
        const slice = unwrapTombstone(obj);
        this.#wakeWaiting(slice);
        // A deletion this controller did not make: look again.
        if (this.reconciler.managedByController(slice) && this.#tracker.has(slice) && !this.#tracker.handleDeletion(slice)) this.#queueServiceForSlice(slice);
      },
    });
  }

  /** Waits for the caches, then syncs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const hasSynced = [this.#pods, this.#services, this.#slices, this.#nodes].map((i) => () => i.hasSynced());
    await this.controller.run(signal, { hasSynced });
  }

  #serviceKeyOfSlice(slice: EndpointSlice): string | undefined {
    const name = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    return name ? `${slice.metadata.namespace ?? ''}/${name}` : undefined;
  }

  #queueServiceForSlice(slice: EndpointSlice): void {
    const key = this.#serviceKeyOfSlice(slice);
    if (!key) return;
    this.controller.enqueueAfter(key, Math.max(ENDPOINTSLICE_CHANGE_MIN_SYNC_DELAY_MS, this.#batchMs));
  }

  /** A slice event for a Service whose sync found the cache stale: sync it now rather than after the backoff. */
  #wakeWaiting(slice: EndpointSlice): void {
    const key = this.#serviceKeyOfSlice(slice);
    if (key && this.#waitingForCache.delete(key)) this.controller.enqueue(key);
  }

  /** syncService: one reconcile of a Service's slices. */
  async syncService(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const service = this.#services.lister.get(key);
    if (!service) {
      this.#triggerTimes.deleteService(namespace, name);
      this.#tracker.deleteService(namespace, name);
      this.#waitingForCache.delete(key);
      return;
    }
    const pods = selectedPods(service, this.#pods.lister);
    if (!pods) return;
    const slices = this.#slices.lister.namespace(namespace).list((s) => {
      const l = s.metadata.labels ?? {};
      // Slices being deleted are left to finish (dropEndpointSlicesPendingDeletion).
      return l[LABEL_SERVICE_NAME] === name && l[LABEL_MANAGED_BY] === this.reconciler.controllerName && !s.metadata.deletionTimestamp;
    });
    if (this.#tracker.staleSlices(service, slices)) {
      this.#waitingForCache.add(key);
      throw new Error('EndpointSlice informer cache is out of date');
    }
    this.#waitingForCache.delete(key);

    // Computed before the reconcile so the tracker's state moves even when nothing is written.
    const triggerTime = this.#triggerTimes.computeEndpointLastChangeTriggerTime(namespace, service, pods);
    try {
      await this.reconciler.reconcile(service, pods, slices, triggerTime);
    } catch (err) {
      this.#recorder.event(service, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${namespace}/${name}: ${errorMessage(err)}`);
      throw err;
    }
  }
}
