import { StatusError, newBadRequest, newStatus } from '../../../shared/errors/status-error.ts';
import { PROTOBUF_CONTENT_TYPE, ProtobufDecodeError, decodeObject } from '../../../shared/protobuf/envelope.ts';

/**
 * Request bodies in Kubernetes' protobuf encoding (`Content-Type: application/vnd.kubernetes.protobuf`), what
 * client-go's typed clients send by default for built-in kinds (`kubectl create deployment|configmap|secret`,
 * `kubectl drain`'s evictions and DeleteOptions, `kubectl debug`). The codec and the schema tables live in
 * shared/protobuf; this maps its failures to kube's Status errors.
 */
export { PROTOBUF_CONTENT_TYPE };

/** Protobuf of a kind without a table: the same 415 as any other unsupported body. */
function unsupported(): StatusError {
  return new StatusError(
    newStatus(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf'),
  );
}

/** Decodes a protobuf request body into the object's JSON form (kind and apiVersion from the envelope). */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  try {
    return decodeObject(body);
  } catch (e) {
    if (!(e instanceof ProtobufDecodeError)) throw e;
    switch (e.reason) {
      case 'magic':
        throw newBadRequest(e.message);
      case 'unknownKind':
        throw unsupported();
      case 'encoding':
        throw newBadRequest(e.message);
      default:
        if (!e.kind) throw newBadRequest(`unable to decode the protobuf body: ${e.message}`);
        throw newBadRequest(`${e.kind} in version "${e.apiVersion}" cannot be handled as a ${e.kind}: ${e.message}`);
    }
  }
}
