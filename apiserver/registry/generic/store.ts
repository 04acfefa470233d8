import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeList, KubeObject, ObjectMeta, Status } from '../../../shared/api/meta.ts';
import { deepCopy } from '../../../shared/api/meta.ts';
import type { Clock } from '../../../shared/util/clock.ts';
import { realClock } from '../../../shared/util/clock.ts';
import {
  StatusError,
  fieldInvalid,
  newBadRequest,
  newAlreadyExists,
  newConflict,
  newInvalid,
  newNotFound,
  type FieldError,
} from '../../../shared/errors/status-error.ts';
import { isStorageError } from '../../storage/errors.ts';
import type { EncodedObject, ListResult, Storage } from '../../storage/interfaces.ts';
import type { AttrsPredicate } from '../../storage/cacher/cached-object.ts';
import type { CreateStrategy, DeleteStrategy, ResourceInfo, UpdateStrategy } from '../rest/strategy.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { interpretStorageError } from './interpret-storage-error.ts';
import { deletionFinalizersForGarbageCollection } from './gc-finalizers.ts';
import type { SelectionPredicate } from './selection.ts';
import type { UserInfo } from '../../authentication/user-info.ts';
import type { AdmissionAttributes } from '../../admission/admission.ts';
import { attributesFor } from '../../admission/chain.ts';
import { rfc3339 } from '../../../shared/util/time-format.ts';

/** The admission chain as the store runs it (apiserver/admission/chain.ts AdmissionChain). */
export interface StoreAdmission {
  admit(a: AdmissionAttributes): Promise<void>;
  validate(a: AdmissionAttributes): Promise<void>;
}

/** A list as the store returns it; `values` (not serialized) carries the items' JSON when they came from the cache. */
export interface ServedList extends KubeList {
  values?: readonly EncodedObject[];
}

/** The watch-cache read API the store serves LIST (RV "0" / NotOlderThan) and WATCH from. */
export interface CacheReader {
  listFromCache(prefix: string, opts: { minRevision?: number; predicate?: AttrsPredicate | undefined; limit?: number; startKey?: string }): Promise<ListResult>;
  currentCacheRevision(): number;
}

export interface GenericStoreOptions {
  info: ResourceInfo;
  /** Writes and consistent reads. */
  storage: Storage;
  /** LIST at RV "0"/NotOlderThan and continue pages of an unchanged snapshot. Optional. */
  cache?: CacheReader;
  /** `/pods`: keys are `/pods/<ns>/<name>` or `/nodes/<name>`. */
  keyRoot: string;
  createStrategy: CreateStrategy;
  updateStrategy: UpdateStrategy;
  deleteStrategy: DeleteStrategy;
  /**
   * Checks the namespace of a new object exists and is not terminating; throws a StatusError that names the
   * resource (group-qualified) and the object being created.
   */
  checkNamespace?: (namespace: string, resource: string, name: string) => Promise<void>;
  /**
   * Deletion hooks for kinds with their own finalization (namespaces): `holdsDeletion(obj)` true keeps the
   * object after DELETE (like a finalizer); `onDeleting(obj)` adjusts an object being marked for deletion;
   * `validateDelete(obj)` may refuse a delete by throwing.
   */
  holdsDeletion?: (obj: KubeObject) => boolean;
  onDeleting?: (obj: KubeObject) => void;
  validateDelete?: (obj: KubeObject) => void;
  /**
   * DELETE sets the `orphan` / `foregroundDeletion` finalizers the garbage collector acts on
   * (EnableGarbageCollection; the strategy's defaultGarbageCollectionPolicy picks the default). @default true
   */
  enableGarbageCollection?: boolean;
  /**
   * A DELETE that removed the object answers with the object (pods, services, serviceaccounts:
   * ReturnDeletedObject); otherwise with a Success Status naming it (store.go finalizeDelete). @default false
   */
  returnDeletedObject?: boolean;
  /**
   * Hook run on every write after strategy processing (managedFields bookkeeping); on create, after the
   * strategy's defaulting but before its admission step, so admission-set fields have no manager.
   */
  onWrite?: (obj: KubeObject, old: KubeObject | null, ctx: WriteContext) => void;
  /**
   * Admission plugins (k8s.io/apiserver pkg/admission), run for writes that carry a user (requests; the
   * server's own writes have none): mutating ones after the strategy's prepare step and before its
   * validation, validating ones after it, right before storage; on update and delete inside the CAS closure
   * with the stored object as oldObject, so a retried CAS runs them again.
   */
  admission?: StoreAdmission;
  clock?: Clock;
  /**
   * BeginCreate / BeginUpdate (store.go): run after the strategy's prepare step and mutating admission, before
   * validation, on the main resource only (not on subresources); they may fill in allocated fields (a Service's
   * clusterIP and nodePorts) and return finish(success), called once the write's outcome is known (a retried CAS
   * attempt is finished with false first). On dry run they must not allocate for real.
   */
  beginCreate?: (obj: KubeObject, opts: { dryRun: boolean }) => Promise<FinishFunc>;
  beginUpdate?: (obj: KubeObject, old: KubeObject, opts: { dryRun: boolean }) => Promise<FinishFunc>;
  /** AfterDelete: the object is gone from storage (never called on dry run). */
  afterDelete?: (obj: KubeObject) => Promise<void>;
}

/** Commits (true) or reverts (false) what a begin hook did. */
export type FinishFunc = (success: boolean) => Promise<void>;

const finishNothing: FinishFunc = async () => undefined;

export interface WriteContext {
  operation: 'Create' | 'Update' | 'Apply';
  fieldManager?: string;
  subresource?: string;
}

export interface ListParams {
  predicate: SelectionPredicate;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Who writes (for admission and for strategies that record the requester, e.g. CSR spec.username). */
  user?: UserInfo;
  /** Admission plugins append the warnings for the client here (Warning headers), also when they refuse. */
  warnings?: string[];
}

export interface UpdateOptions extends WriteOptions {
  /** Which strategy applies: the main resource's or a subresource's (status). Defaults to the store's. */
  strategy?: UpdateStrategy;
  subresource?: string;
  /** Forces creation to be allowed/forbidden regardless of strategy (server-side apply creates). */
  forceAllowCreate?: boolean;
  operation?: 'Update' | 'Apply';
}

export interface DeleteParams extends WriteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  /** Deprecated DeleteOptions.orphanDependents (never together with propagationPolicy). */
  orphanDependents?: boolean;
}

export interface DeleteResult {
  object: KubeObject;
  /** false when the object still exists (graceful deletion pending, or finalizers). */
  deleted: boolean;
}

/** Thrown inside a storage CAS closure to stop a dry run after full processing. */
class DryRunResult extends Error {
  readonly object: KubeObject;
  constructor(object: KubeObject) {
    super('dry run');
    this.object = object;
  }
}

/**
 * Generic CRUD over Storage for one resource, with strategies (k8s.io/apiserver pkg/registry/generic/registry/
 * store.go). Owns API semantics: defaulting/validation via strategy, resourceVersion conflicts, generateName,
 * uid, creationTimestamp, generation, graceful deletion and finalizers. Storage errors are translated once.
 */
export class GenericStore {
  readonly info: ResourceInfo;
  readonly storage: Storage;
  readonly qualifiedResource: string;
  readonly #o: GenericStoreOptions;
  readonly #clock: Clock;

  constructor(options: GenericStoreOptions) {
    this.#o = options;
    this.info = options.info;
    this.storage = options.storage;
    this.#clock = options.clock ?? realClock;
    this.qualifiedResource = options.info.group ? `${options.info.resource}.${options.info.group}` : options.info.resource;
  }

  get keyRoot(): string {
    return this.#o.keyRoot;
  }

  keyFor(namespace: string | undefined, name: string): string {
    return this.info.namespaced ? `${this.#o.keyRoot}/${namespace ?? ''}/${name}` : `${this.#o.keyRoot}/${name}`;
  }

  /** The list/watch prefix for one namespace, or for all of them when namespace is empty. */
  prefixFor(namespace: string | undefined): string {
    return this.info.namespaced && namespace ? `${this.#o.keyRoot}/${namespace}/` : `${this.#o.keyRoot}/`;
  }

  #err(e: unknown, name: string): unknown {
    return interpretStorageError(e, this.qualifiedResource, name);
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    try {
      return await this.storage.get(this.keyFor(namespace, name));
    } catch (e) {
      throw this.#err(e, name);
    }
  }

  /**
   * LIST with Kubernetes resourceVersion semantics (API concepts "Semantics for get and list"):
   * - continue token: the token's snapshot (cache if unchanged since, else storage at that revision);
   * - RV unset: most recent, from storage (a quorum read);
   * - RV "0": any, from the watch cache;
   * - RV N: not older than N from the cache, or exactly N (resourceVersionMatch=Exact, or limit set without
   *   match) from storage.
   */
  async list(namespace: string | undefined, p: ListParams): Promise<ServedList> {
    const prefix = this.prefixFor(namespace);
    const pred = p.predicate;
    const filter = pred.empty ? undefined : (o: KubeObject) => pred.matches(o);
    const cacheFilter: AttrsPredicate | undefined = pred.empty ? undefined : (a) => pred.matchesAttrs(a);
    const limit = p.limit !== undefined && p.limit > 0 ? p.limit : undefined;
    const rv = p.resourceVersion ?? '';
    const match = p.resourceVersionMatch ?? '';
    const single = pred.singleName ? this.keyFor(namespace, pred.singleName) : undefined;
    let result: ListResult;
    try {
      if (p.continue) {
        if (rv !== '' && rv !== '0') throw newBadRequest('specifying resource version is not allowed when using continue');
        if (match) throw newBadRequest('resourceVersionMatch is forbidden when continue is provided');
        const tok = decodeContinue(prefix, p.continue);
        const cache = this.#o.cache;
        if (cache && cache.currentCacheRevision() === tok.revision) {
          result = await cache.listFromCache(prefix, { predicate: cacheFilter, limit, startKey: tok.startKey, minRevision: tok.revision });
          if (result.revision !== tok.revision) result = await this.storage.list(prefix, { revision: tok.revision, predicate: filter, limit, startKey: tok.startKey });
        } else {
          result = await this.storage.list(prefix, { revision: tok.revision, predicate: filter, limit, startKey: tok.startKey });
        }
      } else {
        const revision = parseResourceVersion(rv, 'resourceVersion');
        if (match && match !== 'NotOlderThan' && match !== 'Exact') {
          throw newBadRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
        }
        if (match && rv === '') throw newBadRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
        if (match === 'Exact' && revision === 0) throw newBadRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
        const exact = match === 'Exact' || (match === '' && limit !== undefined && revision > 0);
        if (single && rv === '') {
          // metadata.name=X: a point read (what kubectl wait / delete --wait do).
          result = await this.#getAsList(single, filter);
        } else if (rv === '' || !this.#o.cache) {
          result = await this.storage.list(prefix, { revision: exact ? revision : 0, predicate: filter, limit });
          if (!exact && revision > 0 && result.revision < revision) {
            throw interpretStorageErrorTooLarge(revision, result.revision);
          }
        } else if (exact) {
          result = await this.storage.list(prefix, { revision, predicate: filter, limit });
        } else {
          result = await this.#o.cache.listFromCache(prefix, { minRevision: revision, predicate: cacheFilter, limit });
        }
      }
    } catch (e) {
      throw this.#err(e, '');
    }
    const metadata: KubeList['metadata'] = { resourceVersion: String(result.revision) };
    if (result.continueKey !== undefined) {
      metadata.continue = encodeContinue(prefix, result.continueKey, result.revision);
      if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
    }
    const list: ServedList = { kind: `${this.info.kind}List`, apiVersion: apiVersionOf(this.info), metadata, items: [] };
    if (result.values) {
      // Served from the watch cache: keep the items' JSON for the encoder, parse them only if someone reads them.
      const from = result;
      Object.defineProperty(list, 'values', { value: from.values, enumerable: false });
      Object.defineProperty(list, 'items', { enumerable: true, configurable: true, get: () => from.items, set: (v: KubeObject[]) => (from.items = v) });
    } else {
      list.items = result.items;
    }
    return list;
  }

  async #getAsList(key: string, filter?: (o: KubeObject) => boolean): Promise<ListResult> {
    const [obj, revision] = await Promise.all([
      this.storage.get(key).catch((e: unknown) => {
        if (isStorageError(e, 'KeyNotFound')) return null;
        throw e;
      }),
      this.storage.currentRevision(),
    ]);
    const items = obj && (!filter || filter(obj)) ? [obj] : [];
    return { items, revision: Math.max(revision, obj ? Number(obj.metadata.resourceVersion) : 0) };
  }

  /**
   * Fills system fields, runs the create strategy, `track` (managedFields), the namespace check, mutating
   * admission, validation and validating admission. Mutates obj.
   */
  async #beforeCreate(namespace: string | undefined, obj: KubeObject, track: () => void, adm: AdmissionContext): Promise<FinishFunc> {
    const meta: ObjectMeta = (obj.metadata ??= {});
    if (this.info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    obj.kind = this.info.kind;
    obj.apiVersion = apiVersionOf(this.info);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.#clock.now());
    // Only kinds whose strategy tracks generation set it (rest.BeforeCreate leaves it to PrepareForCreate).
    if (this.#o.createStrategy.tracksGeneration) meta.generation = 1;
    if (meta.managedFields && meta.managedFields.length === 0) delete meta.managedFields;
    dropEmptyMetaLists(meta);
    this.#o.createStrategy.prepareForCreate(obj, { user: adm.opts.user, now: this.#clock.now() });
    track();
    this.#o.createStrategy.admit?.(obj);
    // NamespaceLifecycle is the first admission plugin: a missing or terminating namespace is refused before
    // any other plugin looks at the object.
    if (this.info.namespaced) await this.#o.checkNamespace?.(meta.namespace ?? '', this.qualifiedResource, adm.name);
    const attrs = this.#attributes('CREATE', adm, obj, undefined);
    if (attrs) await this.#admission(attrs, 'admit');
    const finish = this.#o.beginCreate ? await this.#o.beginCreate(obj, { dryRun: adm.opts.dryRun ?? false }) : finishNothing;
    try {
      const errs = this.#o.createStrategy.validate(obj);
      if (errs.length) throw newInvalid(this.info.kind, meta.name ?? meta.generateName ?? '', errs, this.info.group);
      this.#o.createStrategy.canonicalize?.(obj);
      if (attrs) await this.#admission(attrs, 'validate');
    } catch (e) {
      await finish(false);
      throw e;
    }
    return finish;
  }

  /** Admission attributes for a write, or undefined when the write runs no admission (no chain, no user). */
  #attributes(operation: AdmissionAttributes['operation'], adm: AdmissionContext, object: KubeObject | undefined, oldObject: KubeObject | undefined): AdmissionAttributes | undefined {
    if (!this.#o.admission || !adm.opts.user) return undefined;
    const namespace = this.info.namespaced ? (object ?? oldObject)?.metadata.namespace ?? adm.namespace ?? '' : '';
    // A retried CAS builds new attributes: only the last attempt's warnings reach the client.
    return (adm.last = attributesFor(this.info, operation, {
      namespace,
      name: adm.name,
      subresource: adm.subresource,
      object,
      oldObject,
      user: adm.opts.user,
      dryRun: adm.opts.dryRun,
    }));
  }

  /** Runs one admission phase. */
  async #admission(attrs: AdmissionAttributes, phase: 'admit' | 'validate'): Promise<void> {
    const chain = this.#o.admission;
    if (!chain) return;
    await (phase === 'admit' ? chain.admit(attrs) : chain.validate(attrs));
  }

  async create(namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = deepCopy(input);
    // Admission sees the name as sent (empty with generateName): upstream generates it later.
    const requestedName = input.metadata?.name ?? '';
    const adm: AdmissionContext = { namespace, name: requestedName, opts };
    let finish: FinishFunc;
    try {
      finish = await this.#beforeCreate(namespace, obj, () => this.#o.onWrite?.(obj, null, { operation: 'Create', fieldManager: opts.fieldManager }), adm);
    } finally {
      flushWarnings(adm);
    }
    const name = obj.metadata.name ?? '';
    const key = this.keyFor(obj.metadata.namespace, name);
    let ok = false;
    try {
      if (opts.dryRun) {
        const exists = await this.storage.get(key).then(() => true, () => false);
        if (exists) throw newAlreadyExists(this.qualifiedResource, name);
        ok = true;
        return obj;
      }
      const created = await this.storage.create(key, obj);
      ok = true;
      return created;
    } catch (e) {
      throw this.#err(e, name);
    } finally {
      await finish(ok);
    }
  }

  /** Warnings the create strategy reports for obj (after defaulting). */
  warningsOnCreate(obj: KubeObject): string[] {
    return this.#o.createStrategy.warningsOnCreate?.(obj) ?? [];
  }

  /**
   * Update through one CAS loop: `compute(current)` returns the desired object (PUT body, or the patch applied
   * to current). Returns the stored object and whether it was created.
   */
  async update(
    namespace: string | undefined,
    name: string,
    compute: (current: KubeObject | null) => KubeObject | Promise<KubeObject>,
    opts: UpdateOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const strategy = opts.strategy ?? this.#o.updateStrategy;
    const key = this.keyFor(namespace, name);
    const allowCreate = opts.forceAllowCreate ?? strategy.allowCreateOnUpdate;
    let created = false;
    let deleteAfter = false;
    const adm: AdmissionContext = { namespace, name, subresource: opts.subresource, opts };
    // The begin hook of the latest CAS attempt; an attempt that is retried is reverted first.
    let finish: FinishFunc = finishNothing;
    let outcome = false;
    const hooked = strategy === this.#o.updateStrategy && !opts.subresource;
    try {
      const result = await this.storage.guaranteedUpdate(
        key,
        async (current) => {
          created = false;
          deleteAfter = false;
          const previous = finish;
          finish = finishNothing;
          await previous(false);
          const desired = deepCopy(await compute(current === null ? null : current));
          const meta = (desired.metadata ??= {});
          if (meta.name && meta.name !== name) {
            throw newBadRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
          }
          if (this.info.namespaced && meta.namespace && namespace && meta.namespace !== namespace) {
            throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
          }
          meta.name = name;
          if (current === null) {
            if (!allowCreate || opts.subresource) throw newNotFound(this.qualifiedResource, name);
            if (meta.resourceVersion) throw newNotFound(this.qualifiedResource, name);
            finish = await this.#beforeCreate(
              namespace,
              desired,
              () => this.#o.onWrite?.(desired, null, { operation: opts.operation ?? 'Update', fieldManager: opts.fieldManager, subresource: opts.subresource }),
              adm,
            );
            created = true;
            if (opts.dryRun) throw new DryRunResult(desired);
            return desired;
          }
          finish = await this.#beforeUpdate(namespace, desired, current, strategy, adm, hooked);
          this.#o.onWrite?.(desired, current, { operation: opts.operation ?? 'Update', fieldManager: opts.fieldManager, subresource: opts.subresource });
          // An object marked for deletion with no finalizers left and no grace remaining goes away (ShouldDeleteDuringUpdate).
          const dm = desired.metadata;
          if (dm.deletionTimestamp && !(dm.finalizers?.length) && !this.#o.holdsDeletion?.(desired) && (dm.deletionGracePeriodSeconds ?? 0) === 0) deleteAfter = true;
          if (opts.dryRun) throw new DryRunResult(withResourceVersion(desired, current));
          return desired;
        },
        { ignoreNotFound: true },
      );
      outcome = true;
      if (deleteAfter) {
        try {
          const gone = await this.storage.delete(key, { preconditions: { uid: result.metadata.uid, resourceVersion: result.metadata.resourceVersion } });
          await this.#o.afterDelete?.(gone);
          return { object: gone, created: false };
        } catch {
          return { object: result, created: false };
        }
      }
      return { object: result, created };
    } catch (e) {
      if (e instanceof DryRunResult) {
        outcome = true;
        return { object: e.object, created };
      }
      throw this.#err(e, name);
    } finally {
      await finish(outcome);
      flushWarnings(adm);
    }
  }

  /**
   * A CAS update that bypasses strategies (for system writes such as pods/binding, which set fields the
   * strategies guard). `mutate` gets a private copy of the current object and returns the next state.
   */
  async updateRaw(namespace: string | undefined, name: string, mutate: (current: KubeObject) => KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    try {
      return await this.storage.guaranteedUpdate(this.keyFor(namespace, name), (current) => {
        if (current === null) throw newNotFound(this.qualifiedResource, name);
        const next = mutate(deepCopy(current));
        if (opts.dryRun) throw new DryRunResult(withResourceVersion(next, current));
        return next;
      });
    } catch (e) {
      if (e instanceof DryRunResult) return e.object;
      throw this.#err(e, name);
    }
  }

  /** rest.BeforeUpdate: keeps system fields, checks the resourceVersion precondition, runs the strategy. */
  async #beforeUpdate(namespace: string | undefined, obj: KubeObject, old: KubeObject, strategy: UpdateStrategy, adm: AdmissionContext, hooked = false): Promise<FinishFunc> {
    const meta = obj.metadata;
    const oldMeta = old.metadata;
    const name = oldMeta.name ?? '';
    // store.go Update: a resourceVersion of "" or "0" is no precondition; kinds that allow unconditional update
    // take the stored version, the others answer Invalid (qualified by the resource, as upstream does).
    if (meta.resourceVersion && meta.resourceVersion !== '0') {
      if (meta.resourceVersion !== oldMeta.resourceVersion) throw newConflictModified(this.qualifiedResource, name);
    } else if (!strategy.allowUnconditionalUpdate) {
      throw newInvalid(this.info.resource, name, [fieldInvalid('metadata.resourceVersion', 0, 'must be specified for an update')], this.info.group);
    }
    meta.resourceVersion = oldMeta.resourceVersion;
    if (meta.uid && meta.uid !== oldMeta.uid) {
      throw new StatusError({
        ...newConflict(this.qualifiedResource, name, '').status,
        message: `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${oldMeta.uid}`,
      });
    }
    obj.kind = this.info.kind;
    obj.apiVersion = apiVersionOf(this.info);
    if (this.info.namespaced) meta.namespace = namespace ?? oldMeta.namespace;
    else delete meta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    // rest.BeforeUpdate: requests cannot change generation.
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    delete meta.selfLink;
    dropEmptyMetaLists(meta);
    if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (meta.generateName === undefined && oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
    strategy.prepareForUpdate(obj, old, { user: adm.opts.user, now: this.#clock.now() });
    const attrs = this.#attributes('UPDATE', adm, obj, old);
    if (attrs) await this.#admission(attrs, 'admit');
    const finish = hooked && this.#o.beginUpdate ? await this.#o.beginUpdate(obj, old, { dryRun: adm.opts.dryRun ?? false }) : finishNothing;
    try {
      // For kinds that track it, generation moves when anything but metadata and status changes.
      if (this.#o.createStrategy.tracksGeneration && specChanged(obj, old)) meta.generation = (oldMeta.generation ?? 0) + 1;
      // New finalizers cannot be added to an object that is being deleted (k8s ValidateObjectMetaUpdate).
      const errs: FieldError[] = [];
      if (oldMeta.deletionTimestamp) {
        const before = new Set(oldMeta.finalizers ?? []);
        for (const f of meta.finalizers ?? []) {
          if (!before.has(f)) errs.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"${f}"}` });
        }
      }
      errs.push(...strategy.validateUpdate(obj, old));
      if (errs.length) throw newInvalid(this.info.kind, name, errs, this.info.group);
      strategy.canonicalize?.(obj);
      if (attrs) await this.#admission(attrs, 'validate');
    } catch (e) {
      await finish(false);
      throw e;
    }
    return finish;
  }

  warningsOnUpdate(obj: KubeObject, old: KubeObject, strategy?: UpdateStrategy): string[] {
    return (strategy ?? this.#o.updateStrategy).warningsOnUpdate?.(obj, old) ?? [];
  }

  /**
   * DELETE with graceful deletion, finalizers and garbage-collection propagation (store.go Delete,
   * BeforeDelete, updateForGracefulDeletionAndFinalizers):
   * - the `orphan` / `foregroundDeletion` finalizers are set or cleared as the request's propagationPolicy
   *   (or orphanDependents) asks, else as the finalizers already there or the strategy's default GC policy say
   *   (gc-finalizers.ts); also on an object already being deleted, unless its graceful deletion is pending;
   * - strategy grants a grace period > 0: set deletionTimestamp = now + grace and deletionGracePeriodSeconds;
   *   a later delete may only shorten it;
   * - otherwise, finalizers present: set deletionTimestamp (grace 0) and keep the object;
   * - otherwise remove the object.
   */
  async delete(namespace: string | undefined, name: string, p: DeleteParams = {}): Promise<DeleteResult> {
    const key = this.keyFor(namespace, name);
    if (p.gracePeriodSeconds !== undefined && (!Number.isInteger(p.gracePeriodSeconds) || p.gracePeriodSeconds < 0)) {
      throw newInvalid('DeleteOptions', '', [fieldInvalid('gracePeriodSeconds', p.gracePeriodSeconds, 'must be greater than or equal to 0')]);
    }
    const gcPolicy = this.#o.enableGarbageCollection === false ? 'Unsupported' : (this.#o.deleteStrategy.defaultGarbageCollectionPolicy?.() ?? 'DeleteDependents');
    if (p.propagationPolicy === undefined && p.orphanDependents === undefined) p.warnings?.push(...(this.#o.deleteStrategy.warningsOnDefaultPropagation?.() ?? []));
    let outcome = 'delete' as 'delete' | 'pending';
    const adm: AdmissionContext = { namespace, name, opts: p };
    try {
      const marked = await this.storage.guaranteedUpdate(key, async (current) => {
        if (current === null) throw newNotFound(this.qualifiedResource, name);
        checkPreconditions(this.qualifiedResource, name, current, p.preconditions);
        const attrs = this.#attributes('DELETE', adm, undefined, current);
        if (attrs) {
          await this.#admission(attrs, 'admit');
          await this.#admission(attrs, 'validate');
        }
        const next = deepCopy(current);
        const meta = next.metadata;
        this.#o.validateDelete?.(current);
        // BeforeDelete: graceful (a grace period runs), or pending (one already runs and is not shortened).
        let graceful = false;
        let pendingGraceful = false;
        if (meta.deletionTimestamp) {
          const currentGrace = meta.deletionGracePeriodSeconds ?? 0;
          const asked = p.gracePeriodSeconds;
          if (currentGrace > 0) {
            if (asked !== undefined && asked < currentGrace) {
              // Only a shorter grace period changes anything; it moves the deadline earlier by the difference.
              const deadline = Date.parse(meta.deletionTimestamp) - currentGrace * 1000 + asked * 1000;
              meta.deletionTimestamp = rfc3339(deadline);
              meta.deletionGracePeriodSeconds = asked;
              graceful = true;
            } else {
              pendingGraceful = true;
            }
          }
        } else {
          const grace = this.#o.deleteStrategy.gracePeriod(current, p.gracePeriodSeconds);
          if (grace > 0) {
            meta.deletionTimestamp = rfc3339(this.#clock.now() + grace * 1000);
            meta.deletionGracePeriodSeconds = grace;
            if ((meta.generation ?? 0) > 0) meta.generation = (meta.generation ?? 0) + 1;
            graceful = true;
          }
        }
        if (!pendingGraceful) {
          // Finalizers cannot be changed through DeleteOptions once a graceful deletion is pending.
          const gc = deletionFinalizersForGarbageCollection(next, p, gcPolicy);
          if (gc.changed) {
            if (gc.finalizers.length > 0) meta.finalizers = gc.finalizers;
            else delete meta.finalizers;
          }
        }
        const hasFinalizers = (meta.finalizers?.length ?? 0) > 0 || (this.#o.holdsDeletion?.(next) ?? false);
        if (!graceful && !pendingGraceful && hasFinalizers && !meta.deletionTimestamp) {
          // markAsDeleting: kinds without a grace period wait for their finalizers with grace 0.
          if ((meta.generation ?? 0) > 0) meta.generation = (meta.generation ?? 0) + 1;
          meta.deletionTimestamp = rfc3339(this.#clock.now());
          meta.deletionGracePeriodSeconds = 0;
        }
        // A grace period shortened to 0 (the kubelet's final delete) removes the object now, unless finalizers
        // hold it (store.go updateForGracefulDeletionAndFinalizers: lastGraceful == 0 deletes immediately).
        const graceRuns = graceful && (meta.deletionGracePeriodSeconds ?? 0) > 0;
        outcome = graceRuns || pendingGraceful || hasFinalizers ? 'pending' : 'delete';
        if (outcome === 'pending') this.#o.onDeleting?.(next);
        if (p.dryRun) throw new DryRunResult(outcome === 'delete' ? current : withResourceVersion(next, current));
        return outcome === 'delete' ? current : next;
      });
      if (outcome === 'pending') return { object: marked, deleted: false };
      const gone = await this.storage.delete(key, {
        preconditions: { uid: marked.metadata.uid, ...(p.preconditions?.resourceVersion ? { resourceVersion: p.preconditions.resourceVersion } : {}) },
        cachedExisting: marked,
        validateDeletion: (cur) => {
          // A finalizer or grace period added meanwhile turns this into a graceful delete on retry.
          // (The GC finalizers count as this request would leave them.)
          if (deletionFinalizersForGarbageCollection(cur, p, gcPolicy).finalizers.length > 0 || this.#o.holdsDeletion?.(cur)) throw new RetryDelete();
        },
      });
      await this.#o.afterDelete?.(gone);
      return { object: gone, deleted: true };
    } catch (e) {
      if (e instanceof DryRunResult) return { object: e.object, deleted: outcome === 'delete' };
      if (e instanceof RetryDelete) {
        adm.last = undefined;
        return this.delete(namespace, name, p);
      }
      throw this.#err(e, name);
    } finally {
      flushWarnings(adm);
    }
  }

  /**
   * What a DELETE answers (finalizeDelete): the object while it stays (finalizers, grace period) or when the
   * kind returns deleted objects; else a Success Status with the name, group, resource and uid.
   */
  deleteResponse(r: DeleteResult): KubeObject | Status {
    if (!r.deleted || this.#o.returnDeletedObject) return r.object;
    const details: NonNullable<Status['details']> = { name: r.object.metadata.name ?? '' };
    if (this.info.group) details.group = this.info.group;
    details.kind = this.info.resource;
    if (r.object.metadata.uid) details.uid = r.object.metadata.uid;
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
  }

  /** DELETE on a collection: every object the selectors match, one delete each (errors stop the run). */
  async deleteCollection(namespace: string | undefined, list: ListParams, p: DeleteParams): Promise<KubeList> {
    const items = (await this.list(namespace, { ...list, limit: undefined, continue: undefined })).items;
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        const r = await this.delete(item.metadata.namespace, item.metadata.name ?? '', { ...p, preconditions: undefined });
        out.push(r.object);
      } catch (e) {
        if (e instanceof StatusError && e.status.reason === 'NotFound') continue;
        throw e;
      }
    }
    return { kind: `${this.info.kind}List`, apiVersion: apiVersionOf(this.info), metadata: {}, items: out };
  }
}

class RetryDelete extends Error {}

/** Empty ownerReferences / finalizers are not kept (Go's omitempty: a patch that removes the last one leaves none). */
function dropEmptyMetaLists(meta: ObjectMeta): void {
  if (Array.isArray(meta.ownerReferences) && meta.ownerReferences.length === 0) delete meta.ownerReferences;
  if (Array.isArray(meta.finalizers) && meta.finalizers.length === 0) delete meta.finalizers;
}

function checkPreconditions(resource: string, name: string, current: KubeObject, pre?: { uid?: string; resourceVersion?: string }): void {
  if (!pre) return;
  if (pre.uid && pre.uid !== current.metadata.uid) {
    throw new StatusError({
      ...newConflict(resource, name, '').status,
      message: `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
    });
  }
  if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw new StatusError({
      ...newConflict(resource, name, '').status,
      message: `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
    });
  }
}

function newConflictModified(resource: string, name: string): StatusError {
  return newConflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
}

function interpretStorageErrorTooLarge(asked: number, current: number): StatusError {
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 504, reason: 'Timeout',
    message: `Too large resource version: ${asked}, current: ${current}`,
    details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
  });
}

/** Parses a resourceVersion query value: "" -> 0 (unset), else a non-negative integer or 400. */
export function parseResourceVersion(rv: string, what: string): number {
  if (rv === '') return 0;
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(Number(rv))) {
    throw newBadRequest(`invalid ${what} "${rv}": resource version is not well formed: ${rv}`);
  }
  return Number(rv);
}

/** The dry-run answer for an update: the would-be object keeps the current resourceVersion. */
function withResourceVersion(obj: KubeObject, current: KubeObject): KubeObject {
  obj.metadata.resourceVersion = current.metadata.resourceVersion;
  return obj;
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, kind: _k, apiVersion: _a, ...rest } = o;
    return rest;
  };
  return !isDeepStrictEqual(strip(a), strip(b));
}

export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** RFC 3339 with second precision, as metav1.Time marshals (the shared formatter; registry code imports it from here). */
export { rfc3339 };

const GEN_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** names.SimpleNameGenerator: prefix (truncated to 58) + 5 random characters from k8s's alphabet. */
export function generateName(base: string): string {
  const prefix = base.length > 58 ? base.slice(0, 58) : base;
  let s = '';
  for (let i = 0; i < 5; i++) s += GEN_ALPHABET[Math.floor(Math.random() * GEN_ALPHABET.length)];
  return prefix + s;
}


/** What admission needs to know about one write besides the objects. */
interface AdmissionContext {
  namespace: string | undefined;
  /** The name on the request (empty on a create with generateName). */
  name: string;
  subresource?: string;
  opts: WriteOptions;
  /** The attributes of the latest attempt (its warnings go to the client). */
  last?: AdmissionAttributes;
}

/** Hands the warnings of a write's last admission attempt to the caller (opts.warnings). */
function flushWarnings(adm: AdmissionContext): void {
  if (adm.last && adm.opts.warnings) adm.opts.warnings.push(...adm.last.warnings);
  adm.last = undefined;
}
