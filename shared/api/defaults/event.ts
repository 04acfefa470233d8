/**
 * core/v1 Event has no scheme defaults; what kube adds is encoding: fields without omitempty always appear
 * (involvedObject {}, source {}, reportingComponent "", reportingInstance "") and empty time structs encode as
 * null (firstTimestamp, lastTimestamp, eventTime). Clients such as `kubectl get events -o json` see those.
 */
import type { Event } from '../core-v1.ts';

export function defaultEvent(event: Event): Event {
  event.involvedObject ??= {};
  event.source ??= {};
  if (event.firstTimestamp === undefined) event.firstTimestamp = null;
  if (event.lastTimestamp === undefined) event.lastTimestamp = null;
  if (event.eventTime === undefined) event.eventTime = null;
  event.reportingComponent ??= '';
  event.reportingInstance ??= '';
  return event;
}
