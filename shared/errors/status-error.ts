import type { Status, StatusCause, StatusDetails, StatusReason } from '../api/meta.ts';

/**
 * An error that is a metav1.Status. Thrown by the registry and handlers, written to the wire as is, and
 * rebuilt by the client from a response body so `isNotFound(err)` works on both sides.
 */
export class StatusError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? `status ${status.code}`);
    this.name = 'StatusError';
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

/** A field error in the shape kube-apiserver reports (field.Error). */
export interface FieldError {
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, `FieldValueDuplicate`, `FieldValueForbidden`, `FieldValueTooLong`, `FieldValueTypeInvalid` */
  type: string;
  field: string;
  /** The rendered message as in field.Error.ErrorBody(), e.g. `Required value` or `Invalid value: "x": must be ...` */
  detail: string;
}

/** The message of a thrown value (an Error's message, else its string form), for events and conditions. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function newStatus(code: number, reason: StatusReason, message: string, details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

function err(code: number, reason: StatusReason, message: string, details?: StatusDetails): StatusError {
  return new StatusError(newStatus(code, reason, message, details));
}

/** `resource` is the qualified resource ("pods", "leases.coordination.k8s.io"). */
export const newNotFound = (resource: string, name: string): StatusError =>
  err(404, 'NotFound', name ? `${resource} "${name}" not found` : `${resource} not found`, { name, kind: kindOf(resource), ...groupOf(resource) });

/**
 * 404 for a path nothing serves (an unknown resource, subresource, group or version): kube-apiserver's
 * go-restful serviceErrorHandler answers NewGenericServerResponse(404, "", {}, "", ...), whose `details` is
 * present but empty. kubectl reads details.name on such a 404 (`kubectl debug` tells a missing
 * `pods/ephemeralcontainers` from a missing pod by it) and crashed on a Status without details.
 */
export const newRouteNotFound = (): StatusError => err(404, 'NotFound', 'the server could not find the requested resource', {});

export const newAlreadyExists = (resource: string, name: string): StatusError =>
  err(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: kindOf(resource), ...groupOf(resource) });

export const newConflict = (resource: string, name: string, reason: string): StatusError =>
  err(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${reason}`, { name, kind: kindOf(resource), ...groupOf(resource) });

export const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export const newBadRequest = (message: string): StatusError => err(400, 'BadRequest', message);
/** 405 as go-restful's answer through kube's serviceErrorHandler: details present, empty. */
export const newMethodNotAllowed = (message: string): StatusError => err(405, 'MethodNotAllowed', message, {});
export const newGone = (message: string): StatusError => err(410, 'Gone', message);
export const newResourceExpired = (message: string): StatusError => err(410, 'Expired', message);
export const newRequestEntityTooLarge = (message: string): StatusError => err(413, 'RequestEntityTooLarge', message);
export const newUnsupportedMediaType = (contentType: string): StatusError =>
  err(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
export const newNotAcceptable = (message: string): StatusError => err(406, 'NotAcceptable', message);
export const newTooManyRequests = (message: string, retryAfterSeconds: number): StatusError =>
  err(429, 'TooManyRequests', message, { retryAfterSeconds });
export const newInternalError = (message: string): StatusError =>
  err(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
export const newServiceUnavailable = (message: string): StatusError => err(503, 'ServiceUnavailable', message);
export const newTimeout = (message: string): StatusError => err(504, 'Timeout', message);
export const newForbidden = (resource: string, name: string, message: string): StatusError =>
  err(403, 'Forbidden', name ? `${resource} "${name}" is forbidden: ${message}` : `${resource} is forbidden: ${message}`, { name, kind: kindOf(resource), ...groupOf(resource) });
export const newUnauthorized = (message = 'Unauthorized'): StatusError => err(401, 'Unauthorized', message);

/**
 * apimachinery's NewGenericServerResponse: a Status for an answer that was not one (a node agent's plain-text
 * error, for example), with the reason and message client-go gives each code and, when a resource is known,
 * ` (<verb> <resource> <name>)` appended; `details` always present ({group, kind: resource, name}).
 */
export function newGenericServerResponse(code: number, verb: string, resource: string, name: string, serverMessage: string): StatusError {
  const byCode: Record<number, [StatusReason, string]> = {
    400: ['BadRequest', 'the server rejected our request for an unknown reason'],
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', serverMessage],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    409: [verb === 'POST' ? 'AlreadyExists' : 'Conflict', 'the server reported a conflict'],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
    504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
  };
  let [reason, message]: [StatusReason, string] = byCode[code] ?? ['', `the server responded with the status code ${code} but did not return more information`];
  if (!byCode[code] && code >= 500) [reason, message] = ['InternalError', `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`];
  if (resource) message = name ? `${message} (${verb.toLowerCase()} ${resource} ${name})` : `${message} (${verb.toLowerCase()} ${resource})`;
  const details: StatusDetails = { ...groupOf(resource), kind: kindOf(resource), name };
  if (!details.group) delete details.group;
  if (!details.kind) delete details.kind;
  if (!details.name) delete details.name;
  return err(code, reason, message, details);
}

/**
 * 422 Invalid, built the way kube-apiserver's NewInvalid does: message
 * `<Kind> "<name>" is invalid: [field: detail, ...]` and one cause per field error.
 */
export function newInvalid(kind: string, name: string, errors: FieldError[], group = ''): StatusError {
  const causes: StatusCause[] = errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field }));
  const rendered = errors.map((e) => `${e.field}: ${e.detail}`);
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const details: StatusDetails = { name, kind, causes };
  if (group) details.group = group;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return err(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, details);
}

/** Field error constructors with kube-apiserver's message text. */
export const fieldRequired = (field: string, detail = ''): FieldError =>
  ({ type: 'FieldValueRequired', field, detail: detail ? `Required value: ${detail}` : 'Required value' });
export const fieldInvalid = (field: string, value: unknown, detail: string): FieldError =>
  ({ type: 'FieldValueInvalid', field, detail: `Invalid value: ${renderValue(value)}${detail ? `: ${detail}` : ''}` });
export const fieldNotSupported = (field: string, value: unknown, supported: string[]): FieldError =>
  ({ type: 'FieldValueNotSupported', field, detail: `Unsupported value: ${renderValue(value)}${supported.length ? `: supported values: ${supported.map((s) => `"${s}"`).join(', ')}` : ''}` });
export const fieldDuplicate = (field: string, value: unknown): FieldError =>
  ({ type: 'FieldValueDuplicate', field, detail: `Duplicate value: ${renderValue(value)}` });
export const fieldForbidden = (field: string, detail: string): FieldError =>
  ({ type: 'FieldValueForbidden', field, detail: `Forbidden: ${detail}` });
export const fieldTooLong = (field: string, value: unknown, max: number): FieldError =>
  ({ type: 'FieldValueTooLong', field, detail: `Too long: may not be more than ${max} bytes` });
export const fieldTypeInvalid = (field: string, value: unknown, detail: string): FieldError =>
  ({ type: 'FieldValueTypeInvalid', field, detail: `Invalid value: ${renderValue(value)}: ${detail}` });

/** Renders a value the way field.Error does: strings quoted, numbers bare, others as JSON. */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}

const reasonIs = (reason: StatusReason) => (e: unknown): boolean => e instanceof StatusError && e.status.reason === reason;
export const isNotFound = reasonIs('NotFound');
export const isAlreadyExists = reasonIs('AlreadyExists');
export const isConflict = reasonIs('Conflict');
export const isInvalid = reasonIs('Invalid');
export const isBadRequest = reasonIs('BadRequest');
export const isTooManyRequests = reasonIs('TooManyRequests');
export const isResourceExpired = (e: unknown): boolean =>
  e instanceof StatusError && (e.status.reason === 'Expired' || e.status.reason === 'Gone' || e.status.code === 410);

/** Rebuild a StatusError from a response body (client side). Non-Status bodies become InternalError-like errors. */
export function fromResponse(code: number, body: string): StatusError {
  try {
    const parsed = JSON.parse(body) as Partial<Status>;
    if (parsed && parsed.kind === 'Status') {
      return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...parsed, code: parsed.code ?? code } as Status);
    }
  } catch {
    // fall through: not JSON
  }
  // client-go's NewGenericServerResponse wording for the answers kube-apiserver's filters give without a Status.
  if (code === 429) return new StatusError(newStatus(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later'));
  if (code === 504) return new StatusError(newStatus(504, 'Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'));
  const reason: StatusReason = code === 404 ? 'NotFound' : code === 409 ? 'Conflict' : code >= 500 ? 'InternalError' : 'BadRequest';
  return new StatusError(newStatus(code, reason, `an error on the server (${JSON.stringify(body.slice(0, 200))}) has prevented the request from succeeding`));
}

function kindOf(resource: string): string {
  const dot = resource.indexOf('.');
  return dot >= 0 ? resource.slice(0, dot) : resource;
}
function groupOf(resource: string): { group?: string } {
  const dot = resource.indexOf('.');
  return dot >= 0 ? { group: resource.slice(dot + 1) } : {};
}
