import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { CacheWatcher, WatchCachedOptions } from '../storage/cacher/cacher.ts';
import { newBadRequest } from '../../shared/errors/status-error.ts';
import type { GenericStore } from '../registry/generic/store.ts';
import type { UpdateStrategy } from '../registry/rest/strategy.ts';
import type { RequestInfo } from '../server/request-info.ts';
import type { OutputKind } from './handlers/negotiation.ts';
import type { UserInfo } from '../authentication/user-info.ts';

/** Everything served for one resource: its store, its watch source and its subresources. */
export interface ServedResource {
  store: GenericStore;
  /** When set, the only verbs served, with their handlers (the top-level `bindings`: create only). */
  verbs?: Partial<Record<string, SubresourceHandler>>;
  /** The status subresource's strategy, when the resource has one. */
  statusStrategy?: UpdateStrategy;
  /** Other subresources served like `status` (get, update, patch) with their own strategy: CSR `approval`. */
  updateSubresources?: Record<string, UpdateStrategy>;
  /** Other subresources (binding, log, exec, ...) by name. */
  subresources?: Record<string, SubresourceHandler>;
  /** WebSocket subresources (exec, attach, portforward) by name. */
  upgrades?: Record<string, UpgradeHandler>;
  /** Watch source (the resource's Cacher). */
  watch: WatchSource;
}

export type SubresourceHandler = (ctx: RequestContext) => Promise<void>;
export type UpgradeHandler = (ctx: RequestContext, ws: WebSocket) => Promise<void>;

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  query: URLSearchParams;
  entry: ServedResource;
  output: OutputKind;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  now: () => number;
  /** The authenticated (or impersonated) user; loopbackMasterUser() on the unsecured loopback dev server. */
  user: UserInfo;
}

/** The watch API of the resource's Cacher, as the watch handler uses it. */
export interface WatchSource {
  watchCached(opts: WatchCachedOptions): Promise<CacheWatcher>;
}

const DRY_RUN_VALUES = new Set(['All']);

/** `dryRun` query: absent -> false, `All` -> true, anything else -> 400 (as kube-apiserver). */
export function parseDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  if (values.length === 0) return false;
  for (const v of values) if (!DRY_RUN_VALUES.has(v)) throw newBadRequest(`Invalid dry run value: ${JSON.stringify(v)}: supported values: "All"`);
  return true;
}

/** Parses a non-negative integer query parameter, 400 otherwise. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw newBadRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw newBadRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

/** fieldManager: at most 128 printable characters (kube ValidateFieldManager). */
export function fieldManagerParam(query: URLSearchParams): string | undefined {
  const v = query.get('fieldManager');
  if (v === null || v === '') return undefined;
  if (v.length > 128) throw newBadRequest(`fieldManager: Too long: may not be more than 128 bytes`);
  if (!/^[\x20-\x7e]+$/.test(v)) throw newBadRequest(`fieldManager: Invalid value: ${JSON.stringify(v)}: must be printable ASCII`);
  return v;
}

/** fieldValidation: Ignore | Warn (default) | Strict. */
export function fieldValidationParam(query: URLSearchParams): 'Ignore' | 'Warn' | 'Strict' {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw newBadRequest(`fieldValidation: Unsupported value: ${JSON.stringify(v)}: supported values: "Ignore", "Warn", "Strict"`);
}
