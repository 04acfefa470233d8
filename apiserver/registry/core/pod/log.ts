/**
 * GET /api/v1/namespaces/{ns}/pods/{name}/log (kube-apiserver pkg/registry/core/pod/rest/log.go LogREST,
 * strategy.go LogLocation, validation ValidatePodLogOptions, genericrest.LocationStreamer).
 *
 * Query (v1.PodLogOptions): container, follow, previous, timestamps, sinceSeconds, sinceTime, tailLines,
 * limitBytes, stream. Checks, in kube's order: the options (422 PodLogOptions invalid), the pod (404), the
 * container (400 `a container name must be specified for pod web, choose one of: [a b]` / `container nope is
 * not valid for pod web`). A pod not bound to a node has no logs yet: 200 with an empty body, as kube answers
 * (LogLocation returns no location). A container the pod's status shows waiting (and never terminated) is
 * 400 `container "c" in pod "web" is waiting to start: ContainerCreating` without asking the node (the node
 * agent gives the same answer from its own view). Otherwise the request goes to the node agent
 * (`http://<InternalIP>:<daemonEndpoints port>/containerLogs/{ns}/{pod}/{container}?…`) and its body is
 * streamed through as text/plain with backpressure; a follow lasts until either side closes. A non-2xx node
 * answer becomes a Status (400 → BadRequest with the node's text).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { ContainerStatus, Pod } from '../../../../shared/api/core-v1.ts';
import { newBadRequest, newInvalid, newMethodNotAllowed, type FieldError } from '../../../../shared/errors/status-error.ts';
import type { RequestContext, SubresourceHandler } from '../../../endpoints/request-context.ts';
import {
  getPod,
  nodeLocation,
  nodeScheme,
  nodeTLSOptions,
  nodeTransportError,
  queryBool,
  statusFromNodeResponse,
  validateContainer,
  type PodProxyDeps,
} from './proxy-node.ts';

/** v1.PodLogOptions as read from the query. */
export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** RFC3339 as given. */
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
  stream?: string;
}

function int64Param(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw newBadRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw newBadRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return n;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Reads and validates the options (ValidatePodLogOptions, with PodLogsQuerySplitStreams on). */
export function parsePodLogOptions(q: URLSearchParams, podName: string): PodLogOptions {
  const opts: PodLogOptions = {
    container: q.get('container') ?? '',
    follow: queryBool(q, 'follow'),
    previous: queryBool(q, 'previous'),
    timestamps: queryBool(q, 'timestamps'),
  };
  const sinceSeconds = int64Param(q, 'sinceSeconds');
  if (sinceSeconds !== undefined) opts.sinceSeconds = sinceSeconds;
  const tailLines = int64Param(q, 'tailLines');
  if (tailLines !== undefined) opts.tailLines = tailLines;
  const limitBytes = int64Param(q, 'limitBytes');
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  const sinceTime = q.get('sinceTime');
  if (sinceTime !== null && sinceTime !== '') {
    if (!RFC3339.test(sinceTime) || Number.isNaN(Date.parse(sinceTime))) {
      throw newBadRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`);
    }
    opts.sinceTime = sinceTime;
  }
  const stream = q.get('stream');
  if (stream !== null && stream !== '') opts.stream = stream;

  const errs: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) {
    errs.push({ type: 'FieldValueInvalid', field: 'tailLines', detail: `Invalid value: ${opts.tailLines}: must be greater than or equal to 0` });
  }
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) {
    errs.push({ type: 'FieldValueInvalid', field: 'limitBytes', detail: `Invalid value: ${opts.limitBytes}: must be greater than 0` });
  }
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    errs.push({ type: 'FieldValueForbidden', field: '', detail: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) {
    errs.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', detail: `Invalid value: ${opts.sinceSeconds}: must be greater than 0` });
  }
  if (opts.stream !== undefined) {
    if (!['All', 'Stdout', 'Stderr'].includes(opts.stream)) {
      errs.push({ type: 'FieldValueNotSupported', field: 'stream', detail: `Unsupported value: ${JSON.stringify(opts.stream)}: supported values: "All", "Stderr", "Stdout"` });
    } else if (opts.stream !== 'All' && opts.tailLines !== undefined) {
      errs.push({ type: 'FieldValueForbidden', field: '', detail: 'Forbidden: `tailLines` and specific `stream` are mutually exclusive for now' });
    }
  }
  if (errs.length) throw newInvalid('PodLogOptions', podName, errs);
  return opts;
}

/** The node agent's query for these options (LogLocation's params). */
export function nodeLogQuery(opts: PodLogOptions): string {
  const p = new URLSearchParams();
  if (opts.follow) p.set('follow', 'true');
  if (opts.previous) p.set('previous', 'true');
  if (opts.timestamps) p.set('timestamps', 'true');
  if (opts.sinceSeconds !== undefined) p.set('sinceSeconds', String(opts.sinceSeconds));
  if (opts.sinceTime !== undefined) p.set('sinceTime', new Date(Date.parse(opts.sinceTime)).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (opts.tailLines !== undefined) p.set('tailLines', String(opts.tailLines));
  if (opts.limitBytes !== undefined) p.set('limitBytes', String(opts.limitBytes));
  if (opts.stream !== undefined) p.set('stream', opts.stream);
  return p.toString();
}

function containerStatus(pod: Pod, name: string): ContainerStatus | undefined {
  const s = pod.status;
  return s?.containerStatuses?.find((c) => c.name === name) ?? s?.initContainerStatuses?.find((c) => c.name === name) ?? s?.ephemeralContainerStatuses?.find((c) => c.name === name);
}

/** kubelet's answer for a container that is waiting and has never run, from the pod's reported status. */
function waitingError(pod: Pod, container: string): Error | undefined {
  const cs = containerStatus(pod, container);
  const waiting = cs?.state?.waiting;
  if (!cs || !waiting || cs.state?.running || cs.state?.terminated || cs.lastState?.terminated) return undefined;
  const prefix = `container ${JSON.stringify(container)} in pod ${JSON.stringify(pod.metadata.name ?? '')} is waiting to start`;
  const reason = waiting.reason ?? '';
  if (reason === 'ErrImagePull') return newBadRequest(`${prefix}: image can't be pulled`);
  if (reason === 'ImagePullBackOff') return newBadRequest(`${prefix}: trying and failing to pull image`);
  return newBadRequest(`${prefix}: ${reason}`);
}

/** The `log` subresource handler for pods. */
export function podLogHandler(deps: PodProxyDeps): SubresourceHandler {
  return async (ctx: RequestContext) => {
    if (ctx.info.verb !== 'get') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
    const name = ctx.info.name;
    const opts = parsePodLogOptions(ctx.query, name);
    const pod = await getPod(deps, ctx.info.namespace, name);
    const container = validateContainer(opts.container, pod);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
      ctx.res.end();
      return;
    }
    if (!opts.previous) {
      const w = waitingError(pod, container);
      if (w) throw w;
    }
    const loc = await nodeLocation(deps, nodeName);
    const path = `/containerLogs/${encodeURIComponent(pod.metadata.namespace ?? ctx.info.namespace)}/${encodeURIComponent(pod.metadata.name ?? name)}/${encodeURIComponent(container)}`;
    const query = nodeLogQuery(opts);
    await proxyLogs(ctx, loc.host, loc.port, `${nodeScheme(deps)}://${loc.hostPort}${path}${query ? `?${query}` : ''}`, opts.follow, nodeTLSOptions(deps));
  };
}

/** Streams the node agent's answer to the client (LocationStreamer), ending when either side closes. */
function proxyLogs(ctx: RequestContext, host: string, port: number, url: string, follow: boolean, tls: https.RequestOptions | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const u = new URL(url);
    const options: http.RequestOptions = { host, port, path: `${u.pathname}${u.search}`, method: 'GET', agent: false, headers: { Accept: 'text/plain, */*' } };
    const req = tls ? https.request({ ...options, ...tls }) : http.request(options);
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => {
      req.destroy();
      finish();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: Error) => {
      if (ctx.res.headersSent) {
        ctx.res.destroy();
        finish();
      } else finish(nodeTransportError('Get', url, e));
    });
    req.on('response', (nres: http.IncomingMessage) => {
      const code = nres.statusCode ?? 0;
      if (code < 200 || code > 206) {
        const chunks: Buffer[] = [];
        let size = 0;
        nres.on('data', (c: Buffer) => {
          if (size < 64 * 1024) chunks.push(c);
          size += c.length;
        });
        nres.on('end', () => finish(statusFromNodeResponse(code, Buffer.concat(chunks).toString('utf8'), { resource: 'pods/log', name: ctx.info.name })));
        nres.on('error', (e: Error) => finish(nodeTransportError('Get', url, e)));
        return;
      }
      const res = ctx.res;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache' });
      if (follow) res.flushHeaders();
      nres.pipe(res);
      nres.on('end', () => finish());
      nres.on('aborted', () => {
        res.destroy();
        finish();
      });
      nres.on('error', () => {
        res.destroy();
        finish();
      });
      res.on('close', () => {
        nres.destroy();
        finish();
      });
    });
    req.end();
  });
}
