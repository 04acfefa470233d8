import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { swaggerDocument } from '../openapi/swagger-document.ts';
import { encodeSwaggerProtobuf } from '../openapi/swagger-protobuf.ts';
import { parseAccept } from './handlers/negotiation.ts';
import type { NonResourceHandler } from '../server/server.ts';

/** The protobuf subtypes kube-openapi serves (the `@` form is deprecated but still what kubectl asks for). */
const PROTOBUF_SUBTYPE = 'com.github.proto-openapi.spec.v2.v1.0+protobuf';
const PROTOBUF_SUBTYPE_DEPRECATED = 'com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF = `application/${PROTOBUF_SUBTYPE}`;

/** kube-openapi's gzip handler leaves bodies shorter than this uncompressed (gziphandler.DefaultMinSize). */
const GZIP_MIN_SIZE = 1400;

interface Rendering {
  contentType: string;
  body: Buffer;
  gzipped: Buffer | undefined;
}

/**
 * /openapi/v2 as kube-apiserver serves it (kube-openapi pkg/handler): JSON for `application/json`, the gnostic
 * protobuf Document for either protobuf subtype, the first acceptable Accept clause by q wins (`*` matches the
 * first, JSON), 406 with no body otherwise. ETag is the upper-case hex SHA-512 of the JSON (the same for both
 * renderings), `Vary: Accept`; If-None-Match / If-Modified-Since answer 304 as http.ServeContent does; bodies
 * of 1400 bytes and more are gzipped for clients that accept it. Built once, on first use, from whatever
 * is registered by then.
 */
export function openapiV2Handler(opts: { version?: string; now?: () => Date } = {}): NonResourceHandler {
  let built: { json: Rendering; protobuf: Rendering; etag: string; lastModified: string } | undefined;
  const rendering = (contentType: string, body: Buffer): Rendering => ({
    contentType,
    body,
    gzipped: body.length >= GZIP_MIN_SIZE ? gzipSync(body) : undefined,
  });
  const build = () => {
    if (built) return built;
    const doc = swaggerDocument(opts.version);
    const json = Buffer.from(JSON.stringify(doc), 'utf8');
    built = {
      json: rendering('application/json', json),
      protobuf: rendering(OPENAPI_V2_PROTOBUF, Buffer.from(encodeSwaggerProtobuf(doc))),
      etag: `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`,
      lastModified: (opts.now?.() ?? new Date()).toUTCString(),
    };
    return built;
  };
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (path !== '/openapi/v2') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const b = build();
    res.setHeader('Vary', 'Accept');
    const which = negotiate(req.headers.accept);
    if (!which) {
      res.statusCode = 406;
      res.end();
      return true;
    }
    const r = which === 'json' ? b.json : b.protobuf;
    res.setHeader('Content-Type', r.contentType);
    res.setHeader('Etag', b.etag);
    res.setHeader('Last-Modified', b.lastModified);
    if (notModified(req, b.etag, b.lastModified)) {
      res.statusCode = 304;
      res.end();
      return true;
    }
    const gzip = r.gzipped && acceptsGzip(req.headers['accept-encoding']);
    res.appendHeader('Vary', 'Accept-Encoding');
    const body = gzip ? r.gzipped! : r.body;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.statusCode = 200;
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

/** goautoneg order: clauses by q (descending, stable), the first that names JSON or a protobuf subtype wins. */
function negotiate(accept: string | undefined): 'json' | 'protobuf' | undefined {
  const clauses = parseAccept(accept || '*/*')
    .map((r, i) => ({ ...r, q: r.params['q'] === undefined ? 1 : Number(r.params['q']), i }))
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const c of clauses) {
    const [type, subtype] = c.type.split('/') as [string, string | undefined];
    if (type !== 'application' && type !== '*') continue;
    if (subtype === undefined) continue;
    if (subtype === 'json' || subtype === '*') return 'json';
    if (subtype === PROTOBUF_SUBTYPE || subtype === PROTOBUF_SUBTYPE_DEPRECATED) return 'protobuf';
  }
  return undefined;
}

/** http.ServeContent's conditional GET: If-None-Match first, If-Modified-Since only without it. */
function notModified(req: IncomingMessage, etag: string, lastModified: string): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    return inm
      .split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .some((t) => t === '*' || t === etag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    return Number.isFinite(since) && Date.parse(lastModified) <= since;
  }
  return false;
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
