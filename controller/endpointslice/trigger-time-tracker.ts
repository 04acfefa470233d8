/**
 * TriggerTimeTracker (k8s.io/endpointslice/util/trigger_time_tracker.go): computes the
 * endpoints.kubernetes.io/last-change-trigger-time annotation of an Endpoints or EndpointSlice write.
 *
 * A pod's trigger time is its Ready condition's lastTransitionTime; a Service's is its creationTimestamp.
 * The first sync of a Service answers the Service's creationTimestamp; later syncs answer the earliest
 * trigger time that moved since the previous sync of that Service, or undefined when none did (the writer
 * then clears the annotation). Like upstream, an object changing several times between two syncs is seen
 * once (an accepted approximation). Not safe for concurrent calls on one Service: the workqueue guarantees
 * one reconcile per key at a time.
 */
import type { Pod, Service } from '../../shared/api/core-v1.ts';
import { getPodReadyCondition } from '../../shared/api/pod-util.ts';
import { parseTime } from '../../shared/util/time-format.ts';

interface ServiceState {
  lastServiceTriggerTime: number | undefined;
  lastPodTriggerTimes: Map<string, number>;
}

export class TriggerTimeTracker {
  readonly #states = new Map<string, ServiceState>();

  /** The trigger time (ms) to export for this sync, or undefined for none; updates the Service's state. */
  computeEndpointLastChangeTriggerTime(namespace: string, service: Service, pods: readonly Pod[]): number | undefined {
    const key = `${namespace}/${service.metadata.name ?? ''}`;
    const prev = this.#states.get(key);
    let min: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = parseTime(getPodReadyCondition(pod)?.lastTransitionTime);
      if (t === undefined) continue;
      const name = pod.metadata.name ?? '';
      podTimes.set(name, t);
      const last = prev?.lastPodTriggerTimes.get(name);
      if (last === undefined || t > last) min = min === undefined ? t : Math.min(min, t);
    }
    const svcTime = parseTime(service.metadata.creationTimestamp);
    if (svcTime !== undefined && (prev?.lastServiceTriggerTime === undefined || svcTime > prev.lastServiceTriggerTime)) {
      min = min === undefined ? svcTime : Math.min(min, svcTime);
    }
    this.#states.set(key, { lastServiceTriggerTime: svcTime, lastPodTriggerTimes: podTimes });
    if (!prev) return svcTime;
    return min;
  }

  /** Forgets a deleted Service. */
  deleteService(namespace: string, name: string): void {
    this.#states.delete(`${namespace}/${name}`);
  }
}
