import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { StatusError, newBadRequest, newRequestEntityTooLarge, newStatus } from '../../../shared/errors/status-error.ts';
import { PROTOBUF_CONTENT_TYPE, decodeProtobufObject } from './protobuf-body.ts';

/** kube-apiserver's limit for a request body (3 MiB, --max-request-bytes default for non-etcd limits). */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** Reads the whole body; 413 as soon as it passes `limit` bytes (the rest is drained, not buffered). */
export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(newRequestEntityTooLarge(`Request entity too large: limit is ${limit}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(newRequestEntityTooLarge(`Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Decodes an object body (JSON or YAML, or protobuf for the kinds kubectl's typed clients create: see
 * protobuf-body.ts). Syntax errors and non-object bodies are 400s in kube's wording; an unsupported content
 * type is 415.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (type === PROTOBUF_CONTENT_TYPE) return decodeProtobufObject(body);
  const text = body.toString('utf8');
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    let doc: unknown;
    try {
      doc = parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
    } catch (e) {
      throw newBadRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    return doc;
  }
  if (type === '' || type === 'application/json' || type.endsWith('+json')) {
    if (text.trim() === '') throw newBadRequest('the body of the request was empty');
    try {
      return JSON.parse(text);
    } catch (e) {
      throw newBadRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }
  throw new StatusError(
    newStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`),
  );
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
