/**
 * core/v1 Event validation (pkg/apis/core/validation/events.go, legacyValidateEvent: requests to the v1 API get
 * only the legacy rules) plus the generic ObjectMeta pass every create gets from rest.BeforeCreate.
 */
import { fieldInvalid, fieldRequired, type FieldError } from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { obj, str } from './field-errors.ts';
import { isDNS1123Subdomain, isQualifiedName } from './names.ts';
import { validateGenericObjectMeta, validateObjectMetaUpdate } from './meta.ts';

const LIMITS = { reportingInstance: 128, action: 128, reason: 128, message: 1024 } as const;

function isZeroTime(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** legacyValidateEvent. */
export function validateEventLegacy(event: unknown): FieldError[] {
  const e = obj(event);
  const m = obj(e.metadata);
  const ns = str(m.namespace);
  const io = obj(e.involvedObject);
  const ioNs = str(io.namespace);
  const errs: FieldError[] = [];
  if (isZeroTime(e.eventTime)) {
    if (ioNs === '') {
      if (ns !== '' && ns !== 'default') errs.push(fieldInvalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    } else if (ns !== ioNs) {
      errs.push(fieldInvalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    }
  } else {
    if (ioNs === '' && ns !== 'default' && ns !== 'kube-system') {
      errs.push(fieldInvalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    }
    const rc = str(e.reportingComponent);
    if (rc === '') errs.push(fieldRequired('reportingController'));
    for (const msg of isQualifiedName(rc)) errs.push(fieldInvalid('reportingController', rc, msg));
    const checks: [keyof typeof LIMITS, string][] = [
      ['reportingInstance', str(e.reportingInstance)],
      ['action', str(e.action)],
      ['reason', str(e.reason)],
    ];
    for (const [f, v] of checks) {
      if (v === '') errs.push(fieldRequired(f));
      if (v.length > LIMITS[f]) errs.push(fieldInvalid(f, '', `can have at most ${LIMITS[f]} characters`));
    }
    if (str(e.message).length > LIMITS.message) errs.push(fieldInvalid('message', '', `can have at most ${LIMITS.message} characters`));
  }
  for (const msg of isDNS1123Subdomain(ns)) errs.push(fieldInvalid('namespace', ns, msg));
  return errs;
}

/** Create of a core/v1 Event: the legacy rules, then the generic metadata pass (name required, path-safe). */
export function validateEvent(event: unknown): FieldError[] {
  return [...validateEventLegacy(event), ...validateGenericObjectMeta(obj(obj(event).metadata) as ObjectMeta, true)];
}

/** Update of a core/v1 Event: the legacy rules plus rest.BeforeUpdate's common metadata checks. */
export function validateEventUpdate(event: unknown, oldEvent: unknown): FieldError[] {
  const m = obj(obj(event).metadata) as ObjectMeta;
  return [
    ...validateEventLegacy(event),
    ...validateGenericObjectMeta(m, true),
    ...validateObjectMetaUpdate(m, obj(obj(oldEvent).metadata) as ObjectMeta),
  ];
}
