/**
 * The console's way to the API server: same-origin requests that `kubelab console` forwards as the signed-in
 * user. Lists page through `limit`/`continue`; watches are WebSockets (`?watch=1`, one watch event JSON per
 * message, as kube-apiserver's WebSocket watch). Errors carry the Status message the server sent.
 */
import type { ListWatcher, WatchHandle, WatchSink } from '../lib/informer.ts';
import type { ListResult, Status, StoredObject, WatchEvent } from '../lib/kube-types.ts';

/** Marks the console's own non-GET requests (the console server refuses others: CSRF). */
export const CONSOLE_HEADER = 'X-Kubelab-Console';

export class ApiError extends Error {
  readonly code: number;
  readonly status: Partial<Status> | undefined;
  constructor(code: number, message: string, status?: Partial<Status>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** Listeners told when any request answers 401 (the session ended). */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  if (!headers.has('Accept')) headers.set('Accept', 'application/json');
  if (method !== 'GET' && method !== 'HEAD') headers.set(CONSOLE_HEADER, '1');
  const res = await fetch(path, { ...init, method, headers, credentials: 'same-origin' });
  if (res.status === 401) for (const l of unauthorizedListeners) l();
  if (!res.ok) throw await apiError(res);
  return res;
}

export async function getJSON<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await apiFetch(path, signal ? { signal } : {});
  return (await res.json()) as T;
}

async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Status>;
    if (body && body.kind === 'Status') return new ApiError(res.status, body.message ?? `${res.status} ${res.statusText}`, body);
  } catch {
    // not a Status: fall through
  }
  return new ApiError(res.status, text.trim() || `${res.status} ${res.statusText}`);
}

interface ListBody<T> {
  items?: T[] | null;
  metadata?: { resourceVersion?: string; continue?: string };
}

/** List + WebSocket watch of one collection path, e.g. `/api/v1/pods`. */
export function restListWatcher<T extends StoredObject>(path: string, pageSize = 500): ListWatcher<T> {
  return {
    async list(signal: AbortSignal): Promise<ListResult<T>> {
      const items: T[] = [];
      let cont = '';
      let rv = '';
      for (let page = 0; page < 1000; page++) {
        const q = new URLSearchParams({ limit: String(pageSize) });
        if (cont) q.set('continue', cont);
        const body = await getJSON<ListBody<T>>(`${path}?${q}`, signal);
        for (const it of body.items ?? []) items.push(it);
        if (page === 0) rv = body.metadata?.resourceVersion ?? '';
        cont = body.metadata?.continue ?? '';
        if (!cont) break;
      }
      return { items, resourceVersion: rv };
    },
    watch(resourceVersion: string, sink: WatchSink<T>): WatchHandle {
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      const q = new URLSearchParams({ watch: '1', allowWatchBookmarks: 'true' });
      if (resourceVersion) q.set('resourceVersion', resourceVersion);
      const ws = new WebSocket(`${proto}//${location.host}${path}?${q}`);
      let done = false;
      const finish = (error?: string) => {
        if (done) return;
        done = true;
        sink.closed(error);
      };
      ws.binaryType = 'arraybuffer';
      const decoder = new TextDecoder();
      ws.onmessage = (m: MessageEvent) => {
        if (done) return;
        // kube-apiserver sends text frames; a binary frame carries the same JSON.
        const text = typeof m.data === 'string' ? m.data : decoder.decode(m.data as ArrayBuffer);
        let ev: WatchEvent<T | Status>;
        try {
          ev = JSON.parse(text) as WatchEvent<T | Status>;
        } catch {
          // A frame that is not an event is a broken stream, not something to skip.
          ws.close();
          finish('the watch sent a frame that is not JSON');
          return;
        }
        sink.event(ev);
      };
      ws.onerror = () => finish('the WebSocket failed');
      ws.onclose = (c: CloseEvent) => finish(c.code === 1000 ? undefined : `closed (${c.code}${c.reason ? ` ${c.reason}` : ''})`);
      return {
        close() {
          done = true;
          ws.onmessage = ws.onerror = ws.onclose = null;
          ws.close();
        },
      };
    },
  };
}
