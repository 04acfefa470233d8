import type { IncomingMessage } from 'node:http';
import { parseDocument, visit, isCollection, type Document } from 'yaml';
import { StatusError, newBadRequest, newRequestEntityTooLarge, newStatus } from '../../../shared/errors/status-error.ts';
import { PROTOBUF_CONTENT_TYPE, decodeProtobufObject } from './protobuf-body.ts';
import { jsonDepthMessage, jsonDepthViolation, yamlDepthMessage, yamlDepthViolation } from './nesting-depth.ts';
import { goJSONSyntaxError, goJSONValueType } from './go-json-error.ts';

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
    // A connection closed in the middle of the body (client gone, or closed by the server's connection bounds).
    req.on('close', () => {
      if (!failed && !req.complete) {
        failed = true;
        reject(newBadRequest('the request body was not received completely'));
      }
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
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    return decodeYAML(body.toString('utf8'));
  }
  if (type === '' || type === 'application/json' || type.endsWith('+json')) {
    // Go's decoder refuses more than 10,000 levels before building anything; JSON.parse would build them all
    // and every recursive step after it (validation, patching, encoding) would overflow the stack.
    const deep = jsonDepthViolation(body);
    if (deep) throw newBadRequest(`couldn't get version/kind; json parse error: ${jsonDepthMessage(deep)}`);
    const text = body.toString('utf8');
    if (text.trim() === '') throw newBadRequest('the body of the request was empty');
    try {
      return JSON.parse(text);
    } catch (e) {
      // Go's encoding/json words (kube quotes them), not V8's.
      throw newBadRequest(`${JSON_PARSE_ERROR}${goJSONSyntaxError(body) || (e as Error).message}`);
    }
  }
  throw new StatusError(
    newStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`),
  );
}

/** The prefix of json.SimpleMetaFactory.Interpret's error (the first decode of a JSON body). */
const JSON_PARSE_ERROR = "couldn't get version/kind; json parse error: ";
const YAML_TO_JSON_ERROR = 'error converting YAML to JSON: ';

/** The anonymous struct Interpret decodes into, as Go's reflect prints it in an UnmarshalTypeError. */
const INTERPRET_STRUCT = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** handlers.summarizeData: the body's first bytes, as text when it starts with `{`, else in hex. */
export function summarizeData(data: Buffer, maxLength = 30): string {
  if (data.length === 0) return '<empty>';
  const head = data.subarray(0, maxLength);
  const more = data.length > maxLength ? ' ...' : '';
  return data[0] === 0x7b ? head.toString('utf8') + more : head.toString('hex') + more;
}

/**
 * Decodes the body of a create or update into an object of `kind`: as decodeBody, with the decode failures kube's
 * create/update handlers report through transformDecodeError: `the object provided is unrecognized (must be of
 * type Pod): couldn't get version/kind; json parse error: invalid character 'a' looking for beginning of value
 * (61706956657273696f6e3a2076310a6b696e64 ...)`. A body that is not a JSON object fails as Go's decode of its
 * apiVersion/kind does; `null` is an empty object.
 */
export function decodeObjectBody(body: Buffer, contentType: string | undefined, kind: string): Record<string, unknown> {
  const unrecognized = (detail: string) => newBadRequest(`the object provided is unrecognized (must be of type ${kind}): ${detail} (${summarizeData(body)})`);
  const type = mediaType(contentType);
  const json = type === '' || type === 'application/json' || type.endsWith('+json');
  if (json && body.toString('utf8').trim() === '') throw unrecognized(`${JSON_PARSE_ERROR}unexpected end of JSON input`);
  let value: unknown;
  try {
    value = decodeBody(body, contentType);
  } catch (e) {
    const message = e instanceof StatusError && e.status.code === 400 ? (e.status.message ?? '') : '';
    if (message.startsWith(JSON_PARSE_ERROR) || message.startsWith(YAML_TO_JSON_ERROR)) throw unrecognized(message);
    throw e;
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw unrecognized(`${JSON_PARSE_ERROR}json: cannot unmarshal ${goJSONValueType(value)} into Go value of type ${INTERPRET_STRUCT}`);
  return value;
}

/** Aliases a document may expand (billion-laughs bound): the yaml library counts the nodes they bring in. */
const MAX_YAML_ALIAS_COUNT = 100;

/** Tags whose values JSON can hold; the non-specific `!` (a plain string) too. */
const JSON_YAML_TAGS = new Set(['!', ...['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`)]);

/**
 * YAML as sigs.k8s.io/yaml reads it: one document converted to JSON. Refused with a 400 (never a 500 or a
 * non-JSON value stored): nesting past 10,000 levels (checked before parsing), tags without a JSON meaning
 * (`!!binary`, `!!set`, `!!omap`, `!!timestamp`, custom `!tags`), collections as mapping keys, and aliases
 * expanding past the bound.
 */
export function decodeYAML(text: string): unknown {
  const fail = (message: string) => newBadRequest(`error converting YAML to JSON: ${message}`);
  const deep = yamlDepthViolation(text);
  if (deep) throw fail(yamlDepthMessage(deep));
  let doc: Document;
  try {
    doc = parseDocument(text, { uniqueKeys: false, logLevel: 'silent', prettyErrors: false });
  } catch (e) {
    throw fail(firstLine(e));
  }
  const [err] = doc.errors;
  if (err) throw fail(`yaml: ${firstLine(err)}`);
  let refused: string | undefined;
  try {
    visit(doc, {
      Pair(_, pair) {
        if (isCollection(pair.key)) {
          refused = 'yaml: a sequence or mapping cannot be a mapping key in JSON';
          return visit.BREAK;
        }
        return undefined;
      },
      Node(_, node) {
        if (node.tag !== undefined && !JSON_YAML_TAGS.has(node.tag)) {
          refused = `yaml: the tag ${shortTag(node.tag)} has no JSON equivalent`;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    if (refused === undefined) return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (e) {
    // The library's own recursion (a document a few thousand levels deep) or the alias bound.
    throw fail(`yaml: ${firstLine(e)}`);
  }
  throw fail(refused);
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
