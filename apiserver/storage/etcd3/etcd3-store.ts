/**
 * Storage over etcd v3 (the `etcd3` npm client), modelled on k8s.io/apiserver/pkg/storage/etcd3/store.go.
 *
 * - Keys live under `prefix` (default '/registry'): '/pods/ns/a' is stored at '/registry/pods/ns/a'.
 * - resourceVersion = the kv's mod_revision; values are object JSON without resourceVersion.
 * - create: txn(create_revision(key) == 0) put. guaranteedUpdate / delete: txn(mod_revision(key) == seen) with a
 *   range of the key on the failure branch, so a lost race costs one round trip and the loop retries on fresh
 *   state.
 * - Ranges are read in pages (PAGE_SIZE keys, continuing after the last key, every page at the revision of the
 *   first): the client's gRPC receive limit is 4 MiB and 32k pods are ~50 MB.
 * - Every client error becomes a StorageError: compacted -> Expired, future revision -> TooLargeResourceVersion,
 *   anything else (connection refused, deadline, closed client) -> Unavailable.
 * - Updates and deletes are retried only when the request provably never left the client (no connection to that
 *   member): a retried txn whose first attempt did land would report a false Conflict. A create that failed
 *   with Unavailable after it was sent (the member it went to died: "Connection dropped", a leader election) is
 *   retried: its compare (key absent) makes a second application impossible, and its failure branch reads
 *   the key, so an attempt that did commit is recognised by the object's uid and reported as the success it
 *   was (at the key's create revision). Left open: a first attempt that committed and was deleted by someone
 *   else before the retry is created again. Reads are retried on any transient error for up to READ_RETRY_MS
 *   (long enough to ride out an etcd leader election).
 */
import { Etcd3, type IKeyValue, type IOptions, type IRangeRequest, type IRangeResponse, type ITxnRequest, type ITxnResponse } from 'etcd3';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { StorageError, isStorageError } from '../errors.ts';
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  Storage,
  StorageEvent,
  TryUpdate,
  UpdateOptions,
  WatchOptions,
} from '../interfaces.ts';
import { checkPreconditions, decodeObject, encodeObject, prefixRangeEnd, revisionOf, sameStoredObject, writtenObject } from '../embedded/codec.ts';
import { Etcd3Watcher } from './etcd3-watcher.ts';
import { LocalWrites } from './local-writes.ts';

export interface Etcd3StoreOptions {
  /** Client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** Root of every key. @default '/registry' */
  prefix?: string;
  /** Keys per range request when listing. @default 500 */
  pageSize?: number;
  /** Deadline of each unary call. @default 30000 */
  requestTimeoutMs?: number;
  /**
   * Mutual TLS to etcd (kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile): the CA that signed
   * etcd's serving certificate, and the client certificate and key this store presents. Endpoints are https://.
   */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
}

/** A kv as read: its stored text and mod revision. */
interface State {
  text: string;
  modRev: number;
}

/** Attempts for a request that provably never reached etcd: the pool picks a member at random, so with one of
 * three members down a few tries are needed before a live one is hit (p(all dead) = (1/3)^8). */
const READ_ATTEMPTS = 8;
/**
 * Reads are retried on Unavailable for this long: losing the etcd leader fails linearizable reads with
 * "etcdserver: leader changed" until a new leader is elected (about one to two election timeouts). clientv3 rides
 * that out the same way (repeatable calls retried up to 100 times, 25 ms apart).
 */
const READ_RETRY_MS = 3000;
/** Creates whose outcome is unknown (Unavailable after the request was sent) are retried for this long. */
const WRITE_RETRY_MS = 3000;

/** The client's global policy: call straight through (no retries; see the file comment). */
const passThrough = {
  execute: <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
  onSuccess: () => ({ dispose: () => {} }),
  onFailure: () => ({ dispose: () => {} }),
};

export class Etcd3Store implements Storage {
  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #pageSize: number;
  readonly #watchers = new Set<Etcd3Watcher>();
  /** What this store wrote, until its own watch sees it (saves parsing it back). */
  readonly #localWrites = new LocalWrites();
  #closed = false;

  constructor(options: Etcd3StoreOptions) {
    if (options.endpoints.length === 0) throw new Error('Cannot create an etcd3 store without endpoints');
    this.#prefix = (options.prefix ?? '/registry').replace(/\/+$/, '');
    this.#pageSize = options.pageSize ?? 500;
    const timeout = options.requestTimeoutMs ?? 30_000;
    const clientOptions: IOptions = {
      hosts: options.endpoints,
      faultHandling: { global: passThrough as unknown as NonNullable<IOptions['faultHandling']>['global'] },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
      // No gRPC receive limit (default 4 MiB): a watch that fell behind is caught up by etcd in responses of up to
      // 1,000 revisions, ~5 MB of pods, and a rejected response would fail every re-watch from that revision
      // again. kube's etcd client does the same (MaxCallRecvMsgSize = math.MaxInt32).
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
      ...(options.tls ? { credentials: { rootCertificate: options.tls.ca, privateKey: options.tls.key, certChain: options.tls.cert } } : {}),
    };
    this.#client = new Etcd3(clientOptions);
  }

  /** The root prefix keys are stored under (no trailing slash). */
  get prefix(): string {
    return this.#prefix;
  }

  // ---------------------------------------------------------------------------------------------- reads

  async get(key: string): Promise<KubeObject> {
    const state = await this.#getState(key);
    if (!state) throw new StorageError('KeyNotFound', key);
    return decodeObject(state.text, state.modRev);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const full = this.#full(prefix);
    const end = Buffer.from(prefixRangeEnd(full));
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;
    const predicate = opts.predicate;
    let revision = opts.revision !== undefined && opts.revision > 0 ? opts.revision : 0;
    let start =
      opts.startKey !== undefined && opts.startKey >= prefix ? Buffer.from(`${this.#full(opts.startKey)}\u0000`) : Buffer.from(full);
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    let remaining: number | undefined;

    for (;;) {
      const want = limit > 0 && !predicate ? Math.min(this.#pageSize, limit - items.length) : this.#pageSize;
      const res = await this.#rangeAt(prefix, { key: start, range_end: end, limit: want, revision });
      // Every later page reads the same snapshot as the first.
      if (revision === 0) revision = Number(res.header.revision);
      const kvs = res.kvs;
      let i = 0;
      for (; i < kvs.length; i++) {
        if (limit > 0 && items.length === limit) break;
        const kv = kvs[i] as IKeyValue;
        const obj = decodeObject(kv.value.toString('utf8'), Number(kv.mod_revision));
        if (!predicate || predicate(obj)) {
          items.push(obj);
          lastKey = kv.key.toString('utf8').slice(this.#prefix.length);
        }
      }
      if (limit > 0 && items.length === limit) {
        more = i < kvs.length || res.more;
        // count = keys in [start, end) at this revision; those after the returned ones remain.
        if (more && !predicate) remaining = Number(res.count) - i;
        break;
      }
      const last = kvs[kvs.length - 1];
      if (!res.more || !last) break;
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }

    const result: ListResult = { items, revision };
    if (more && lastKey !== undefined) {
      result.continueKey = lastKey;
      if (remaining !== undefined) result.remainingItemCount = remaining;
    }
    return result;
  }

  async count(prefix: string): Promise<number> {
    const full = this.#full(prefix);
    const res = await this.#range(prefix, { key: Buffer.from(full), range_end: Buffer.from(prefixRangeEnd(full)), count_only: true });
    return Number(res.count);
  }

  async currentRevision(): Promise<number> {
    // A count-only range of one (usually absent) key: the header carries the store revision.
    const res = await this.#range('', { key: Buffer.from(this.#prefix), count_only: true });
    return Number(res.header.revision);
  }

  // ---------------------------------------------------------------------------------------------- writes

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const value = Buffer.from(encodeObject(key, obj));
    const k = Buffer.from(this.#full(key));
    const retry: UnavailableRetry = { enabled: true, happened: false };
    const res = await this.#putTxn(
      key,
      value,
      obj,
      {
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value } }],
        failure: [{ request_range: { key: k } }],
      },
      retry,
    );
    if (res.succeeded) return writtenObject(obj, Number(res.header.revision));
    // After an attempt that failed with its outcome unknown, the key may exist because that attempt committed:
    // then the create succeeded, at the key's create revision.
    const kv = res.responses[0]?.response_range?.kvs?.[0];
    if (retry.happened && kv && isOwnCreate(kv, value, obj)) return writtenObject(obj, Number(kv.create_revision));
    throw new StorageError('KeyExists', key);
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts: UpdateOptions = {}): Promise<KubeObject> {
    const k = Buffer.from(this.#full(key));
    let state: State | null;
    // isCurrent: state was just read from etcd (not the caller's cached guess).
    let isCurrent: boolean;
    if (opts.cachedExisting) {
      state = { text: encodeObject(key, opts.cachedExisting), modRev: revisionOf(opts.cachedExisting) };
      isCurrent = false;
    } else {
      state = await this.#getState(key);
      isCurrent = true;
    }
    for (;;) {
      if (!state && !opts.ignoreNotFound) {
        if (!isCurrent) {
          state = await this.#getState(key);
          isCurrent = true;
          continue;
        }
        throw new StorageError('KeyNotFound', key);
      }
      const currentObj = state ? decodeObject(state.text, state.modRev) : null;
      let next: KubeObject;
      try {
        const preErr = checkPreconditions(key, opts.preconditions, currentObj);
        if (preErr) throw preErr;
        next = await tryUpdate(currentObj);
      } catch (e) {
        // A stale cached guess may be why it failed: retry on fresh state.
        if (!isCurrent) {
          state = await this.#getState(key);
          isCurrent = true;
          continue;
        }
        throw e;
      }
      const text = encodeObject(key, next);
      if (state && sameStoredObject(text, state.text)) {
        if (!isCurrent) {
          state = await this.#getState(key);
          isCurrent = true;
          continue;
        }
        return decodeObject(state.text, state.modRev);
      }
      const value = Buffer.from(text);
      const res = await this.#putTxn(key, value, next, {
        compare: [
          state
            ? { key: k, target: 'Mod', result: 'Equal', mod_revision: state.modRev }
            : { key: k, target: 'Create', result: 'Equal', create_revision: 0 },
        ],
        success: [{ request_put: { key: k, value } }],
        failure: [{ request_range: { key: k } }],
      });
      if (res.succeeded) return writtenObject(next, Number(res.header.revision));
      state = stateFromFailure(res);
      isCurrent = true;
    }
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    const k = Buffer.from(this.#full(key));
    let state: State | null;
    let isCurrent: boolean;
    if (opts.cachedExisting) {
      state = { text: encodeObject(key, opts.cachedExisting), modRev: revisionOf(opts.cachedExisting) };
      isCurrent = false;
    } else {
      state = await this.#getState(key);
      isCurrent = true;
    }
    for (;;) {
      if (!state) {
        if (!isCurrent) {
          state = await this.#getState(key);
          isCurrent = true;
          continue;
        }
        throw new StorageError('KeyNotFound', key);
      }
      try {
        const currentObj = decodeObject(state.text, state.modRev);
        const preErr = checkPreconditions(key, opts.preconditions, currentObj);
        if (preErr) throw preErr;
        if (opts.validateDeletion) await opts.validateDeletion(currentObj);
      } catch (e) {
        if (!isCurrent) {
          state = await this.#getState(key);
          isCurrent = true;
          continue;
        }
        throw e;
      }
      const res = await this.#txn(key, {
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: state.modRev }],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (res.succeeded) {
        const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
        const text = prev ? prev.value.toString('utf8') : state.text;
        return decodeObject(text, Number(res.header.revision));
      }
      state = stateFromFailure(res);
      isCurrent = true;
    }
  }

  // ---------------------------------------------------------------------------------------------- watch

  watch(prefixOrKey: string, opts: WatchOptions): AsyncIterable<StorageEvent> {
    const full = this.#full(prefixOrKey);
    const exact = !prefixOrKey.endsWith('/');
    const w = new Etcd3Watcher(this.#client, {
      key: prefixOrKey,
      start: Buffer.from(full),
      ...(exact ? {} : { end: Buffer.from(prefixRangeEnd(full)) }),
      rootLength: this.#prefix.length,
      after: opts.revision > 0 ? opts.revision : 0,
      signal: opts.signal,
      onClose: (x) => this.#watchers.delete(x),
      localWrites: this.#localWrites,
    });
    if (this.#closed) w.fail(new StorageError('Unavailable', prefixOrKey, `Cannot watch ${prefixOrKey} as the store is closed`));
    else if (!opts.signal.aborted) this.#watchers.add(w);
    return w;
  }

  // ---------------------------------------------------------------------------------------------- maintenance

  async compact(revision: number): Promise<void> {
    this.#checkOpen('');
    try {
      await this.#client.kv.compact({ revision, physical: false });
    } catch (e) {
      const err = toStorageError(e, '');
      if (err.code === 'Expired') return; // already compacted at or past revision
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of [...this.#watchers]) w.fail(new StorageError('Unavailable', '', 'Watch ended as the store was closed'));
    this.#watchers.clear();
    this.#client.close();
  }

  // ---------------------------------------------------------------------------------------------- internals

  #full(key: string): string {
    return this.#prefix + key;
  }

  #checkOpen(key: string): void {
    if (this.#closed) throw new StorageError('Unavailable', key, `Cannot use etcd3 store ${this.#prefix} as it is closed`);
  }

  async #getState(key: string): Promise<State | null> {
    const res = await this.#range(key, { key: Buffer.from(this.#full(key)) });
    const kv = res.kvs[0];
    return kv ? { text: kv.value.toString('utf8'), modRev: Number(kv.mod_revision) } : null;
  }

  async #range(key: string, req: IRangeRequest): Promise<IRangeResponse> {
    this.#checkOpen(key);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#client.kv.range(req);
      } catch (e) {
        const err = toStorageError(e, key);
        if (err.code !== 'Unavailable' || Date.now() - started >= READ_RETRY_MS || this.#closed) throw err;
        await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 250)));
      }
    }
  }

  /** #range for reads at an explicit revision: Expired / TooLargeResourceVersion carry the revision and bound. */
  async #rangeAt(key: string, req: IRangeRequest): Promise<IRangeResponse> {
    try {
      return await this.#range(key, req);
    } catch (e) {
      const revision = Number(req.revision ?? 0);
      if (isStorageError(e, 'TooLargeResourceVersion')) {
        const bound = await this.currentRevision().catch(() => undefined);
        throw new StorageError('TooLargeResourceVersion', key, `Too large resource version: ${revision}, current: ${bound ?? 'unknown'}`, {
          revision,
          ...(bound !== undefined ? { bound } : {}),
        });
      }
      if (isStorageError(e, 'Expired')) {
        throw new StorageError('Expired', key, `The resourceVersion ${revision} for ${key} is too old: it was compacted`, { revision });
      }
      throw e;
    }
  }

  /** A txn whose success puts `value` (the stored bytes of `object`) at key; LocalWrites knows it while in flight. */
  async #putTxn(key: string, value: Buffer, object: KubeObject, req: ITxnRequest, retry?: UnavailableRetry): Promise<ITxnResponse> {
    this.#localWrites.remember(key, value, object);
    let res: ITxnResponse | undefined;
    try {
      res = await this.#txn(key, req, retry);
      return res;
    } finally {
      if (!res?.succeeded) this.#localWrites.forget(key, value);
    }
  }

  /**
   * One txn. A request that provably never reached etcd is retried (a dead member of a cluster: the client picks
   * another host on the next attempt). Anything else may have been applied, so it is retried only when the
   * caller can tell its own earlier success from the retry's answer (`retry`: creates, see create()), for up to
   * WRITE_RETRY_MS, long enough to ride out a member going down or a leader election.
   */
  async #txn(key: string, req: ITxnRequest, retry?: UnavailableRetry): Promise<ITxnResponse> {
    this.#checkOpen(key);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#client.kv.txn(req);
      } catch (e) {
        if (this.#closed) throw toStorageError(e, key);
        if (neverSent(e) && attempt < READ_ATTEMPTS) continue;
        const err = toStorageError(e, key);
        if (!retry?.enabled || err.code !== 'Unavailable' || Date.now() - started >= WRITE_RETRY_MS) throw err;
        retry.happened = true;
        await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 250)));
      }
    }
  }
}

/** A write that may be retried after Unavailable; `happened` records that an attempt's outcome was unknown. */
interface UnavailableRetry {
  enabled: boolean;
  happened: boolean;
}

/**
 * Whether the kv found by a retried create is the one an earlier attempt of that create wrote: the same object
 * uid (every object the registry creates has a fresh one; it may have been updated since), or, for objects
 * without a uid, the same bytes never modified since (version 1).
 */
function isOwnCreate(kv: IKeyValue, value: Buffer, obj: KubeObject): boolean {
  const uid = obj.metadata?.uid;
  if (uid) {
    try {
      return (JSON.parse(kv.value.toString('utf8')) as KubeObject).metadata?.uid === uid;
    } catch {
      return false;
    }
  }
  return Number(kv.version) === 1 && kv.value.equals(value);
}

/** True for errors raised before the request was written to a connection. */
function neverSent(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.includes('No connection established') || (e instanceof Error && e.constructor.name === 'BrokenCircuitError');
}

function stateFromFailure(res: ITxnResponse): State | null {
  const kv = res.responses[0]?.response_range?.kvs?.[0];
  return kv ? { text: kv.value.toString('utf8'), modRev: Number(kv.mod_revision) } : null;
}

/** Maps an etcd3 client error to a StorageError (etcd's messages are stable: mvcc ErrCompacted / ErrFutureRev). */
export function toStorageError(e: unknown, key: string): StorageError {
  if (e instanceof StorageError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  let err: StorageError;
  if (msg.includes('required revision has been compacted')) {
    err = new StorageError('Expired', key, `The resourceVersion for ${key || 'the request'} is too old: ${msg}`);
  } else if (msg.includes('required revision is a future revision')) {
    err = new StorageError('TooLargeResourceVersion', key, `Too large resource version for ${key || 'the request'}: ${msg}`);
  } else if (msg.includes('request is too large') || /RESOURCE_EXHAUSTED|larger than max/i.test(msg)) {
    // etcd's ErrRequestTooLarge (a server run with a --max-request-bytes below the default), or gRPC's own bound.
    err = new StorageError('RequestEntityTooLarge', key, `Cannot store ${key} as etcd refused it: ${msg}`);
  } else {
    err = new StorageError('Unavailable', key, `etcd request for ${key || 'the store'} failed: ${msg}`);
  }
  err.cause = e;
  return err;
}
