import type { WebSocket } from 'ws';
import type { Status } from '../../../shared/api/meta.ts';
import { StatusError, newBadRequest, newInvalid, newInternalError } from '../../../shared/errors/status-error.ts';
import { isStorageError } from '../../storage/errors.ts';
import { interpretStorageError } from '../../registry/generic/interpret-storage-error.ts';
import { isTrue } from '../../server/request-info.ts';
import type { RequestContext } from '../request-context.ts';
import { watchOptionsFromQuery, type WatchCachedOptions, type WatchCacheEvent } from '../../storage/cacher/cacher.ts';
import { intParam } from '../request-context.ts';
import { buildPredicate } from './selectors.ts';
import { includeObjectParam, partialObjectMetadata } from './output.ts';
import { drained } from '../../../shared/util/drained.ts';
import { watchEventTable } from '../../printers/table-for.ts';
import { PROTOBUF_WATCH_CONTENT_TYPE, encodeRaw, encodeWatchFrame, writeEnvelopeBytes } from '../../../shared/protobuf/envelope.ts';
import { schemaFor } from '../../../shared/protobuf/kinds.ts';
import { isProtobufOutput } from './negotiation.ts';

/** Default server-side watch timeout: kube's MinRequestTimeout (30 min) times a random factor in [1, 2). */
function defaultTimeoutMs(): number {
  return 1800_000 * (1 + Math.random());
}

interface ParsedWatch {
  request: Omit<WatchCachedOptions, 'signal'>;
  timeoutMs: number;
}

/** Validates watch query parameters (ListOptions validation in kube-apiserver) and maps them for the cache. */
export function parseWatchRequest(ctx: RequestContext): ParsedWatch {
  const q = ctx.query;
  const parsed = watchOptionsFromQuery({
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
    sendInitialEvents: q.has('sendInitialEvents') ? isTrue(q.get('sendInitialEvents')) : undefined,
    allowWatchBookmarks: isTrue(q.get('allowWatchBookmarks')),
  });
  if (!parsed.ok) throw newInvalid('ListOptions', '', parsed.errors, 'meta.k8s.io');
  let fieldSelector = q.get('fieldSelector') ?? '';
  if (ctx.info.name) fieldSelector = fieldSelector ? `${fieldSelector},metadata.name=${ctx.info.name}` : `metadata.name=${ctx.info.name}`;
  const predicate = buildPredicate(ctx.entry, q.get('labelSelector') ?? '', fieldSelector, ctx.info.namespace);
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  if (timeoutSeconds !== undefined && timeoutSeconds < 0) throw newBadRequest('timeoutSeconds must be non-negative');
  const timeoutMs = timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds * 1000 : defaultTimeoutMs();
  return {
    request: {
      ...parsed.options,
      prefix: ctx.entry.store.prefixFor(ctx.info.namespace || undefined),
      predicate: predicate.empty ? undefined : (a) => predicate.matchesAttrs(a),
      // Like kube: an object leaving the selection is sent as DELETED with its previous (matching) state.
      selectorDeleteObject: 'previous',
      deadline: ctx.now() + timeoutMs,
    },
    timeoutMs,
  };
}

/** One event on the wire: its JSON and a newline (the chunked-HTTP framing; WebSocket frames drop it), or a protobuf frame. */
type EventLine = Buffer;

const lineOf = (json: string): EventLine => Buffer.from(json + '\n');

/** `{"type":T,"object":<json>}\n` around an object's JSON text, encoded once for every watcher. */
function eventLine(type: string, json: string): EventLine {
  return lineOf(`{"type":"${type}","object":${json}}`);
}

/**
 * One encoder for both transports: the wire form of an event in the negotiated output (JSON object, Table of
 * one row, PartialObjectMetadata). Encoded once per event and output kind and shared by every watcher: the same
 * bytes go to every socket.
 */
function encoderFor(ctx: RequestContext, protobuf: boolean): (ev: WatchCacheEvent) => EventLine {
  const out = ctx.output;
  if (protobuf) return protobufEncoder(ctx);
  if (out.as === 'Table') {
    // Like kube's watch encoder: column definitions ride on the first event only; bookmarks stay raw objects.
    const resource = ctx.entry.store.qualifiedResource;
    const includeObject = includeObjectParam(ctx);
    let first = true;
    return (ev) => {
      if (ev.type === 'BOOKMARK') return eventLine('BOOKMARK', ev.value.text);
      const withHeaders = first;
      first = false;
      const memoKey = `table:${out.version}:${includeObject}:${withHeaders ? 'h' : ''}:${ev.type}`;
      let line = ev.encoded.get(memoKey);
      if (line === undefined) {
        const t = watchEventTable(resource, ev.object, { includeObject, now: ctx.now(), tableVersion: out.version, withHeaders });
        line = lineOf(`{"type":"${ev.type}","object":${JSON.stringify(t)}}`);
        ev.encoded.set(memoKey, line);
      }
      return line;
    };
  }
  if (out.as === 'PartialObjectMetadata') {
    return (ev) =>
      ev.type === 'BOOKMARK'
        ? eventLine('BOOKMARK', ev.value.text)
        : lineOf(`{"type":"${ev.type}","object":${JSON.stringify(partialObjectMetadata(ev.object, out.version))}}`);
  }
  return (ev) => {
    const memoKey = `json:${ev.type}`;
    let line = ev.encoded.get(memoKey);
    if (line === undefined) {
      line = eventLine(ev.type, ev.value.text);
      ev.encoded.set(memoKey, line);
    }
    return line;
  };
}

/**
 * Protobuf watch events (`application/vnd.kubernetes.protobuf;stream=watch`): length-prefixed WatchEvent frames
 * whose object is the object's envelope. The object's message is kept on the cached object (as LIST does) and
 * each frame memoized on the event for all its watchers; PartialObjectMetadata events are encoded per watcher.
 */
function protobufEncoder(ctx: RequestContext): (ev: WatchCacheEvent) => EventLine {
  const out = ctx.output;
  const kind = ctx.entry.store.info.kind;
  return (ev) => {
    const obj = ev.object;
    const apiVersion = obj.apiVersion ?? '';
    if (out.as === 'PartialObjectMetadata' && ev.type !== 'BOOKMARK') {
      const pom = partialObjectMetadata(obj, out.version);
      const schema = schemaFor(pom.apiVersion ?? '', 'PartialObjectMetadata');
      const raw = schema ? encodeRaw(pom as unknown as Record<string, unknown>, schema) : Buffer.alloc(0);
      return encodeWatchFrame(ev.type, writeEnvelopeBytes(pom.apiVersion ?? '', 'PartialObjectMetadata', raw));
    }
    const memoKey = `pb:${ev.type}`;
    let frame = ev.encoded.get(memoKey);
    if (frame === undefined) {
      const schema = schemaFor(apiVersion, obj.kind ?? kind);
      const encode = (o: typeof obj) => (schema ? encodeRaw(o as unknown as Record<string, unknown>, schema) : Buffer.alloc(0));
      const raw = Buffer.from(ev.value.protobuf(encode), 'latin1');
      frame = encodeWatchFrame(ev.type, writeEnvelopeBytes(apiVersion, obj.kind ?? kind, raw));
      ev.encoded.set(memoKey, frame);
    }
    return frame;
  };
}

function errorStatus(err: unknown, resource: string): Status {
  const translated = isStorageError(err) ? interpretStorageError(err, resource, '') : err;
  if (translated instanceof StatusError) return translated.status;
  return newInternalError(translated instanceof Error ? translated.message : String(translated)).status;
}

function errorEvent(err: unknown, resource: string, protobuf = false): EventLine {
  const status = errorStatus(err, resource);
  if (protobuf) {
    const schema = schemaFor('v1', 'Status');
    const raw = schema ? encodeRaw(status as unknown as Record<string, unknown>, schema) : Buffer.alloc(0);
    return encodeWatchFrame('ERROR', writeEnvelopeBytes('v1', 'Status', raw));
  }
  return lineOf(`{"type":"ERROR","object":${JSON.stringify(status)}}`);
}

/** A sink both transports implement. `write` resolves when the transport can take more. */
interface Sink {
  write(line: EventLine): Promise<void> | void;
  end(): void;
  readonly closed: boolean;
}

async function pump(ctx: RequestContext, parsed: ParsedWatch, sink: Sink, onEstablished?: () => void, protobuf = false): Promise<void> {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => ac.abort(), parsed.timeoutMs);
  const encode = encoderFor(ctx, protobuf);
  let watcher;
  try {
    watcher = await ctx.entry.watch.watchCached({ ...parsed.request, signal: ac.signal });
  } catch (e) {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    if (isStorageError(e, 'Expired')) {
      // As kube's cacher: a too old resourceVersion is a 200 with one ERROR event (410 Expired), then close.
      onEstablished?.();
      await sink.write(errorEvent(e, ctx.entry.store.qualifiedResource, protobuf));
      sink.end();
      return;
    }
    throw isStorageError(e) ? interpretStorageError(e, ctx.entry.store.qualifiedResource, '') : e;
  }
  onEstablished?.();
  try {
    for await (const ev of watcher) {
      if (sink.closed) break;
      const w = sink.write(encode(ev));
      if (w) await w;
    }
  } catch (e) {
    if (!sink.closed && !ac.signal.aborted) await sink.write(errorEvent(e, ctx.entry.store.qualifiedResource, protobuf));
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    watcher.stop();
    sink.end();
  }
}

/** WATCH over chunked HTTP: one JSON event per line; headers flushed at once (kubectl wait needs that). */
export async function handleWatch(ctx: RequestContext): Promise<void> {
  const parsed = parseWatchRequest(ctx);
  const res = ctx.res;
  // Protobuf frames for kinds with a protobuf table; any other kind is streamed as JSON (clients accept both).
  const info = ctx.entry.store.info;
  const protobuf = isProtobufOutput(ctx.output) && schemaFor(info.group ? `${info.group}/${info.version}` : info.version, info.kind) !== undefined;
  const contentType = protobuf
    ? PROTOBUF_WATCH_CONTENT_TYPE
    : ctx.output.as === 'Table'
      ? `application/json;as=Table;v=${ctx.output.version};g=meta.k8s.io`
      : 'application/json';
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    res.writeHead(200, { 'Content-Type': contentType, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  };
  const sink: Sink = {
    get closed() {
      return res.destroyed || res.writableEnded;
    },
    write(line: EventLine) {
      start();
      if (res.write(line)) return;
      return drained(res);
    },
    end() {
      start();
      if (!res.writableEnded) res.end();
    },
  };
  // The watch is established first so a too-new resourceVersion still answers with an HTTP status; then the
  // headers are flushed at once.
  await pump(ctx, parsed, sink, start, protobuf);
}

/** WATCH over WebSocket: the same events, one per text frame (JSON: protobuf is served over chunked HTTP). */
export async function serveWatchWebSocket(ctx: RequestContext, ws: WebSocket): Promise<void> {
  const parsed = parseWatchRequest(ctx);
  const sink: Sink = {
    get closed() {
      return ws.readyState !== ws.OPEN;
    },
    write(line: EventLine) {
      return new Promise<void>((resolve) => {
        ws.send(line.subarray(0, line.length - 1), { binary: false }, () => resolve());
      });
    },
    end() {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
  await pump(ctx, parsed, sink);
}
