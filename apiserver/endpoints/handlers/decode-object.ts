import { StatusError, newBadRequest, newStatus } from '../../../shared/errors/status-error.ts';
import { apiVersionOf } from '../../registry/generic/store.ts';
import { decodeErrorMessage, decodeFailureMessage, findUnknownFields, pruneUnknownFields, strictDecodingMessage } from '../../openapi/schema-validator.ts';
import { fieldValidationParam, type RequestContext } from '../request-context.ts';

/**
 * A body's apiVersion/kind, when given, must be the endpoint's (kube answers 400 otherwise). kind/apiVersion may
 * be absent: client-node sends bare objects, and they are defaulted from the URL.
 */
export function checkBodyKind(ctx: RequestContext, body: Record<string, unknown>, kind: string): void {
  const info = ctx.entry.store.info;
  const want = apiVersionOf(info);
  const bodyKind = body.kind;
  const bodyVersion = body.apiVersion;
  if (bodyKind !== undefined && bodyKind !== '' && bodyKind !== kind) {
    throw newBadRequest(`${String(bodyKind)} in version "${String(bodyVersion ?? info.version)}" cannot be handled as a ${kind}: no kind "${String(bodyKind)}" is registered for version "${want}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`);
  }
  if (bodyVersion !== undefined && bodyVersion !== '' && bodyVersion !== want) {
    throw newBadRequest(`the API version in the data (${String(bodyVersion)}) does not match the expected API version (${want})`);
  }
}

/**
 * Decoding as kube-apiserver does it for built-in kinds: a JSON type mismatch is a 400 in Go's words; unknown
 * fields are refused under fieldValidation=Strict (400) and returned as warnings under Warn (the default).
 */
export function checkUnknownFields(ctx: RequestContext, body: Record<string, unknown>, kind: string): string[] {
  const info = ctx.entry.store.info;
  const apiVersion = apiVersionOf(info);
  const decodeErr = decodeErrorMessage(kind, body, apiVersion);
  if (decodeErr) throw newBadRequest(decodeFailureMessage(kind, info.version, decodeErr));
  const mode = fieldValidationParam(ctx.query);
  const unknown = findUnknownFields(kind, body, apiVersion);
  if (unknown.length === 0) return [];
  if (mode === 'Strict') {
    throw new StatusError(newStatus(400, 'BadRequest', decodeFailureMessage(kind, info.version, strictDecodingMessage(unknown))));
  }
  // Decoding into kube's typed structs drops unknown fields: they are never stored or returned.
  pruneUnknownFields(kind, body, apiVersion);
  return mode === 'Ignore' ? [] : unknown.map((f) => `unknown field "${f}"`);
}
