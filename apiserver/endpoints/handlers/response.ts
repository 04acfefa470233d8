import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { KubeObject, Status } from '../../../shared/api/meta.ts';
import { StatusError, newInternalError } from '../../../shared/errors/status-error.ts';
import { log } from '../../../shared/util/log.ts';


export function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  const existing = res.getHeader('Warning');
  const list = Array.isArray(existing) ? existing.map(String) : existing ? [String(existing)] : [];
  for (const w of warnings) list.push(`299 - ${JSON.stringify(w.replace(/[\r\n]+/g, ' '))}`);
  res.setHeader('Warning', list);
}

export function writeJSON(res: ServerResponse, code: number, body: string, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = code;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function writeObject(res: ServerResponse, code: number, obj: object, format: 'json' | 'yaml' = 'json'): void {
  if (format === 'yaml') {
    writeJSON(res, code, toYaml(obj), 'application/yaml');
    return;
  }
  writeJSON(res, code, JSON.stringify(obj));
}

/** Writes any thrown value as a metav1.Status. Non-Status errors are logged and become a 500 InternalError. */
export function writeError(res: ServerResponse, err: unknown): void {
  let status: Status;
  if (err instanceof StatusError) {
    status = err.status;
  } else {
    log.error('Internal error serving request', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
    status = newInternalError(err instanceof Error ? err.message : String(err)).status;
  }
  if (status.code === 429 && status.details?.retryAfterSeconds && !res.headersSent) {
    res.setHeader('Retry-After', String(status.details.retryAfterSeconds));
  }
  writeJSON(res, status.code, JSON.stringify(status));
}

const CHUNK = 64 * 1024;

/**
 * Streams `{...head,"items":[item,item,...]}` without building one giant string: items are encoded one by one
 * (the watch cache hands over their JSON as is) and written in ~64 KiB chunks, honouring backpressure.
 */
export async function streamList<T>(res: ServerResponse, head: Record<string, unknown>, items: readonly T[], encodeItem: (item: T) => string): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  const headJson = JSON.stringify(head);
  let buf = headJson.slice(0, -1) + (headJson.length > 2 ? ',' : '') + '"items":[';
  for (let i = 0; i < items.length; i++) {
    buf += (i ? ',' : '') + encodeItem(items[i] as T);
    if (buf.length >= CHUNK) {
      const ok = res.write(buf);
      buf = '';
      if (!ok) await new Promise<void>((r) => res.once('drain', r));
      if (res.destroyed) return;
    }
  }
  res.end(buf + ']}');
}
