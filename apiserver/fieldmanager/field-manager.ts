/**
 * Field ownership (metadata.managedFields) and server-side apply, after
 * k8s.io/apimachinery/pkg/util/managedfields/internal (FieldManager and its managers: versionCheck,
 * lastAppliedUpdater, lastAppliedManager, capManagers, buildManagerInfo, managedFieldsUpdater, stripMeta,
 * structuredMerge) and sigs.k8s.io/structured-merge-diff/merge (Updater.Update / Updater.Apply).
 *
 * Update (create, update, json/merge/strategic patch):
 *   every field the write added or changed becomes owned by the writer's Update entry (manager +
 *   apiVersion + subresource) and is taken away from every other manager; removed fields are dropped from
 *   every manager; entries left empty disappear; the writer's entry gets `time = now` when it gained
 *   fields. More than 10 Update entries: the oldest are merged into `ancient-changes`. An existing object
 *   without managedFields (or whose managedFields the request resets) stays untracked (skipNonAppliedManager).
 * Apply (apply-patch+yaml):
 *   the applied configuration is merged into the live object (list-maps by key, key defaults such as
 *   ports[].protocol=TCP applied, sets by value, atomic values replaced); the applier's Apply entry becomes
 *   exactly the fields of the configuration; fields it owned last time and omits now are pruned like
 *   merge.Updater.prune unless someone still owns them (a struct field counts as owned when something below
 *   it is); a changed value owned by another manager is a 409 conflict unless `force`, which moves
 *   ownership; unchanged values owned by others are shared. The applier's time moves only when the object
 *   changed. An object without managedFields is first attributed as a whole to an Update manager
 *   `before-first-apply` (skipNonAppliedManager). Defaulting and admission are the caller's: pruned
 *   defaults come back from the strategy, and fields set by admission on create are owned by nobody.
 * Both never record apiVersion, kind, metadata (name, namespace, uid, resourceVersion, generation,
 * creationTimestamp, selfLink, managedFields, the metadata node itself), nor the reset fields: `status` for
 * the main resource, `spec` for the status subresource (configurable).
 *
 * All functions are pure: inputs are not mutated, time is passed in.
 */
import type { KubeObject, ManagedFieldsEntry } from '../../shared/api/meta.ts';
import {
  StatusError,
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
  fieldTooLong,
  newBadRequest,
  newInvalid,
  newStatus,
  type FieldError,
} from '../../shared/errors/status-error.ts';
import { clone, deepEqual, isObject, type JsonObject } from '../patch/json-value.ts';
import { stableStringify } from '../../shared/util/stable-json.ts';
import type { TypeSchema } from '../patch/patch-meta.ts';
import { patchSchemaFor } from '../patch/patch-meta-from-openapi.ts';
import { newApplyConflictError, type Conflict } from './conflict.ts';
import { CreateFieldsUnsupported, createFieldsV1 } from './create-fields.ts';
import { FieldSet, fieldElement, type FieldPath } from './field-set.ts';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  type Managed,
  type ManagerInfo,
} from './managed-fields.ts';
import { TypedValueError, compare, getField, merge, pruneUnowned, setField, toFieldSet, type Comparison } from './typed-value.ts';

export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** validation.FieldManagerMaxLength */
export const FIELD_MANAGER_MAX_LENGTH = 128;
/** DefaultMaxUpdateManagers */
export const DEFAULT_MAX_UPDATE_MANAGERS = 10;
/** Owner of the fields of an object that had no managedFields when it was first applied to. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';
/** The manager whose apply upgrades client-side-apply ownership and syncs the last-applied annotation. */
const KUBECTL_MANAGER = 'kubectl';

/** Paths never recorded in managedFields (stripmeta.go). */
export const STRIP_SET = FieldSet.of(
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
);

export interface FieldManagerOptions {
  /** Root schema of the kind; default patchSchemaFor(apiVersion, kind) (PATCH_META, else from the OpenAPI schemas). */
  schema?: TypeSchema;
  /** The group/version of the resource (`v1`, `coordination.k8s.io/v1`); default: the object's. */
  apiVersion?: string;
  /** The kind of the resource; default: the object's. */
  kind?: string;
  /** Subresource written through (`status`); recorded in the entry. */
  subresource?: string;
  /**
   * Top-level (or deeper) field paths whose ownership is not tracked (the strategy's reset fields):
   * default `[['status']]` for the main resource, `[['spec']]` for the status subresource.
   */
  resetFields?: string[][];
  /** Default 10. */
  maxUpdateManagers?: number;
}

export interface ApplyOptions extends FieldManagerOptions {
  force?: boolean;
  now: Date | string;
}

export interface ApplyResult {
  /** The new object, with metadata.managedFields set. */
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
}

/** The last formatTime result, by whole second (the text depends on nothing else). */
let formattedSecond = NaN;
let formattedTime = '';

/** metav1.Time formatting: RFC 3339 in UTC, whole seconds. */
export function formatTime(now: Date | string): string {
  const d = typeof now === 'string' ? new Date(now) : now;
  const ms = d.getTime();
  if (Number.isNaN(ms)) return String(now);
  const second = Math.floor(ms / 1000);
  if (second === formattedSecond) return formattedTime;
  formattedTime = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  formattedSecond = second;
  return formattedTime;
}

function defaultResetFields(subresource: string | undefined): string[][] {
  if (!subresource) return [['status']];
  if (subresource === 'status') return [['spec']];
  return [];
}

function resetSet(options: FieldManagerOptions): FieldSet {
  const paths = options.resetFields ?? defaultResetFields(options.subresource);
  return FieldSet.of(...paths.map((p) => p.map(fieldElement)));
}

function filterComparison(c: Comparison, reset: FieldSet): Comparison {
  return {
    added: c.added.recursiveDifference(reset),
    modified: c.modified.recursiveDifference(reset),
    removed: c.removed.recursiveDifference(reset),
  };
}

/** The object a create starts from: the kind's Go zero value (patch-meta `zero`), else `{}`. */
function zeroObject(schema: TypeSchema): JsonObject {
  const zero = schema.kind === 'struct' && schema.zero ? clone(schema.zero) : {};
  for (const [k, v] of Object.entries(zero)) if (v === undefined) delete zero[k];
  return zero;
}

/**
 * The object as the Go type renders it: members of the zero value that are absent (a stored pod without
 * `status`) are present-but-empty, so that comparing does not report them as added or removed.
 */
function withZero(obj: JsonObject, zero: unknown): JsonObject {
  if (!isObject(zero)) return obj;
  const out: JsonObject = { ...obj };
  for (const [k, z] of Object.entries(zero)) {
    if (z === undefined) continue;
    if (out[k] === undefined) out[k] = clone(z);
    else if (isObject(out[k]) && isObject(z)) out[k] = withZero(out[k] as JsonObject, z);
  }
  return out;
}

/** typed Compare of two versions of an object of this schema, reset fields left out. */
function compareObjects(live: JsonObject, next: JsonObject, schema: TypeSchema, reset: FieldSet): Comparison {
  const zero = schema.kind === 'struct' ? schema.zero : undefined;
  return filterComparison(compare(withZero(live, zero), withZero(next, zero), schema), reset);
}

function withoutManagedFields(obj: KubeObject): JsonObject {
  const copy = clone(obj) as unknown as JsonObject;
  if (isObject(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/** withoutManagedFields without the deep copy: only the top level and metadata are new; for read-only use. */
function shallowWithoutManagedFields(obj: KubeObject): JsonObject {
  const copy = { ...obj } as unknown as JsonObject;
  if (isObject(copy.metadata)) {
    const { managedFields: _dropped, ...meta } = copy.metadata;
    copy.metadata = meta;
  }
  return copy;
}

function setManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[]): void {
  if (!isObject(obj.metadata)) obj.metadata = {};
  const meta = obj.metadata as JsonObject;
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
}

function rootSchema(options: FieldManagerOptions, apiVersion: string | undefined, kind: string | undefined): TypeSchema {
  return options.schema ?? patchSchemaFor(apiVersion, kind);
}

function internalError(message: string): StatusError {
  // A plain Go error reaching the handler: 500 with an empty reason (ErrorToAPIStatus).
  return new StatusError(newStatus(500, '', message));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** schema.GroupVersionKind.String(): `/v1, Kind=Pod`, `coordination.k8s.io/v1, Kind=Lease`. */
function gvkString(apiVersion: unknown, kind: unknown): string {
  const av = typeof apiVersion === 'string' ? apiVersion : '';
  const slash = av.indexOf('/');
  const group = slash >= 0 ? av.slice(0, slash) : '';
  const version = slash >= 0 ? av.slice(slash + 1) : av;
  return `${group}/${version}, Kind=${typeof kind === 'string' ? kind : ''}`;
}

function objectGVKNN(obj: JsonObject): string {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  return `${ns}/${name}; ${gvkString(obj.apiVersion, obj.kind)}`;
}

// ---- Update ----

/** isResetManagedFields: `[]` or `[{}]` in the request clears ownership. */
function isResetManagedFields(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  return mf.length === 1 && isObject(mf[0]) && Object.keys(mf[0]).length === 0;
}

function decodeOrEmpty(entries: unknown): Managed {
  try {
    return decodeManagedFields(Array.isArray(entries) ? (entries as ManagedFieldsEntry[]) : undefined);
  } catch {
    return new Map();
  }
}

/** decodeLiveOrNew: managedFields sent with the new object win (unless a subresource is written). */
function decodeLiveOrNew(oldObj: KubeObject | null, newObj: KubeObject, isSubresource: boolean): Managed {
  const liveMF = oldObj?.metadata?.managedFields;
  if (isSubresource) return decodeOrEmpty(liveMF);
  const newMF = newObj.metadata?.managedFields;
  if (isResetManagedFields(newMF)) return new Map();
  try {
    const managed = decodeManagedFields(newMF);
    if (managed.size > 0) return managed;
  } catch {
    // fall back to the live object's entries
  }
  return decodeOrEmpty(liveMF);
}

/**
 * Records a non-apply write (create when `oldObj` is null, update, json/merge/strategic patch) in
 * managedFields. Returns a copy of `newObj` with metadata.managedFields set (top level and metadata copied,
 * nested values shared with `newObj`). Never throws for object
 * content: when the object does not fit the schema, the live managedFields are kept (UpdateNoErrors).
 * A create without managedFields of its own is recorded in one walk of the new object (create-fields.ts),
 * with exactly the result of the typed compare against the zero object (updateManagedFieldsByCompare).
 */
export function updateManagedFields(
  oldObj: KubeObject | null,
  newObj: KubeObject,
  manager: string,
  operation: 'Update',
  subresource: string | undefined,
  now: Date | string,
  options: FieldManagerOptions = {},
): KubeObject {
  return recordUpdate(oldObj, newObj, manager, operation, subresource, now, options, true);
}

/**
 * updateManagedFields without the create path: a create is recorded by the typed compare against the kind's
 * zero object, like every other write. The reference the create path is tested and measured against.
 */
export function updateManagedFieldsByCompare(
  oldObj: KubeObject | null,
  newObj: KubeObject,
  manager: string,
  operation: 'Update',
  subresource: string | undefined,
  now: Date | string,
  options: FieldManagerOptions = {},
): KubeObject {
  return recordUpdate(oldObj, newObj, manager, operation, subresource, now, options, false);
}

/**
 * A create nobody owns anything of yet (no managedFields sent, or reset): the writer's entry is exactly what the
 * new object sets apart from the zero value, rendered in one walk (createFieldsV1) instead of compare + encode.
 * Undefined when the walk cannot say (a zero value it does not model, an object that does not fit the schema):
 * the general path decides then.
 */
function createEntries(result: JsonObject, schema: TypeSchema, reset: FieldSet, manager: string, operation: 'Update', apiVersion: string, subresource: string | undefined, now: Date | string): ManagedFieldsEntry[] | undefined {
  let fieldsV1: Record<string, unknown> | null;
  try {
    fieldsV1 = createFieldsV1(result, schema, reset, STRIP_SET);
  } catch (e) {
    if (e instanceof TypedValueError || e instanceof CreateFieldsUnsupported) return undefined;
    throw e;
  }
  if (fieldsV1 === null) return [];
  // encodeManagedFields' entry, key for key.
  const e: ManagedFieldsEntry = { manager, operation, apiVersion };
  const time = formatTime(now);
  if (time) e.time = time;
  e.fieldsType = 'FieldsV1';
  e.fieldsV1 = fieldsV1;
  if (subresource) e.subresource = subresource;
  return [e];
}

function recordUpdate(
  oldObj: KubeObject | null,
  newObj: KubeObject,
  manager: string,
  operation: 'Update',
  subresource: string | undefined,
  now: Date | string,
  options: FieldManagerOptions,
  createPath: boolean,
): KubeObject {
  const opts: FieldManagerOptions = { ...options };
  if (subresource !== undefined) opts.subresource = subresource;
  const apiVersion = opts.apiVersion ?? newObj.apiVersion ?? oldObj?.apiVersion ?? '';
  const kind = opts.kind ?? newObj.kind ?? oldObj?.kind;
  const schema = rootSchema(opts, apiVersion, kind);
  const reset = resetSet(opts);
  const result = shallowWithoutManagedFields(newObj);

  const managed = decodeLiveOrNew(oldObj, newObj, !!opts.subresource);
  if (oldObj && managed.size === 0) {
    // skipNonAppliedManager.Update: an existing object nobody tracks (or whose managedFields the request
    // reset) stays untracked until its first apply.
    setManagedFields(result, []);
    return result as unknown as KubeObject;
  }
  if (!oldObj && managed.size === 0 && createPath) {
    // With one entry capUpdateManagers has nothing to merge.
    const entries = createEntries(result, schema, reset, manager, operation, apiVersion, opts.subresource, now);
    if (entries) {
      setManagedFields(result, entries);
      return result as unknown as KubeObject;
    }
  }
  const live = oldObj ? shallowWithoutManagedFields(oldObj) : zeroObject(schema);
  let cmp: Comparison;
  try {
    cmp = compareObjects(live, result, schema, reset);
  } catch (e) {
    if (!(e instanceof TypedValueError)) throw e;
    const liveMF = oldObj?.metadata?.managedFields;
    setManagedFields(result, Array.isArray(liveMF) ? clone(liveMF) : []);
    return result as unknown as KubeObject;
  }
  const changed = cmp.modified.union(cmp.added);

  // The write takes what it changed from everyone (force) and nobody keeps what it removed.
  // (Walking the small changed/removed sets against each manager's: most managers lose nothing, keep their set
  // and their encoded fieldsV1.)
  const lost = changed.union(cmp.removed);
  for (const info of managed.values()) {
    if (lost.intersection(info.set).isEmpty()) continue;
    info.set = info.set.difference(lost);
    delete info.fieldsV1;
  }

  const taken = changed.difference(STRIP_SET);
  const id = managerIdentifier(manager, operation, apiVersion, opts.subresource);
  if (!taken.isEmpty()) {
    const prev = managed.get(id);
    const info: ManagerInfo = { manager, operation, apiVersion, time: formatTime(now), set: prev ? prev.set.union(taken) : taken };
    if (opts.subresource) info.subresource = opts.subresource;
    managed.set(id, info);
  }
  for (const [key, info] of managed) if (info.set.isEmpty()) managed.delete(key);
  capUpdateManagers(managed, opts.maxUpdateManagers ?? DEFAULT_MAX_UPDATE_MANAGERS);
  setManagedFields(result, encodeManagedFields(managed));
  return result as unknown as KubeObject;
}

// ---- Apply ----

/** 422 from ValidatePatchOptions when an apply has no fieldManager. */
function fieldManagerRequired(): StatusError {
  return newInvalid('PatchOptions', '', [fieldRequired('fieldManager', 'is required for apply patch')], 'meta.k8s.io');
}

/** lastAppliedManager.allowedConflictsFromLastApplied: fields the client-side-apply annotation still describes. */
function allowedConflictsFromLastApplied(live: JsonObject | null, schema: TypeSchema, apiVersion: string): FieldSet | undefined {
  const annotations = live && isObject(live.metadata) && isObject(live.metadata.annotations) ? live.metadata.annotations : undefined;
  const raw = annotations?.[LAST_APPLIED_CONFIG_ANNOTATION];
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    const last: unknown = JSON.parse(raw);
    if (!isObject(last) || last.apiVersion !== apiVersion) return undefined;
    // Only fields whose live value differs from the annotation are excluded (live.Compare(lastApplied).Modified).
    return toFieldSet(last, schema).difference(compare(live, last, schema).modified);
  } catch {
    return undefined;
  }
}

/** buildLastApplied: the applied configuration without the annotation itself, as the annotation value. */
function buildLastApplied(applied: JsonObject): string {
  const copy = clone(applied);
  if (isObject(copy.metadata) && isObject(copy.metadata.annotations)) delete copy.metadata.annotations[LAST_APPLIED_CONFIG_ANNOTATION];
  // Go json.Marshal of a map: keys sorted, <, >, &, U+2028 and U+2029 escaped.
  return `${stableStringify(copy, { goHtmlEscape: true })}\n`;
}

/**
 * Server-side apply of `appliedObj` (the decoded apply-patch body) onto `liveObj` (null: create) by
 * `manager`. Throws StatusError: 422 without a fieldManager, 400 for a wrong kind/apiVersion or a body
 * with metadata.managedFields, 409 with FieldManagerConflict causes for conflicts, 500 for a body that
 * does not fit the schema (e.g. a list-map item without its key).
 */
export function apply(liveObj: KubeObject | null, appliedObj: unknown, manager: string, options: ApplyOptions): ApplyResult {
  if (!manager) throw fieldManagerRequired();
  if (!isObject(appliedObj)) {
    throw newBadRequest(`error decoding YAML: json: cannot unmarshal ${Array.isArray(appliedObj) ? 'array' : appliedObj === null ? 'null' : typeof appliedObj} into Go value of type map[string]interface {}`);
  }
  const applied = appliedObj;
  const apiVersion = options.apiVersion ?? liveObj?.apiVersion ?? (typeof applied.apiVersion === 'string' ? applied.apiVersion : '');
  const kind = options.kind ?? liveObj?.kind ?? (typeof applied.kind === 'string' ? applied.kind : '');
  if (applied.apiVersion !== apiVersion || applied.kind !== kind) {
    throw newBadRequest(`invalid object type: ${gvkString(applied.apiVersion, applied.kind)}`);
  }
  if (isObject(applied.metadata) && applied.metadata.managedFields !== undefined && applied.metadata.managedFields !== null) {
    throw newBadRequest('metadata.managedFields must be nil');
  }
  const schema = rootSchema(options, apiVersion, kind);
  const reset = resetSet(options);
  const subresource = options.subresource;

  let managed: Managed;
  try {
    managed = decodeManagedFields(liveObj?.metadata?.managedFields);
  } catch (e) {
    throw internalError(`failed to decode managed fields: ${errorText(e)}`);
  }
  const live = liveObj ? withoutManagedFields(liveObj) : zeroObject(schema);
  if (liveObj && managed.size === 0) {
    // skipNonAppliedManager: an object nobody tracked yet is first owned, as it is, by `before-first-apply`.
    let existing: FieldSet | undefined;
    try {
      const cmp = compareObjects(zeroObject(schema), live, schema, reset);
      existing = cmp.modified.union(cmp.added).difference(STRIP_SET);
    } catch (e) {
      throw internalError(`failed to create manager for existing fields: ${errorText(e)}`);
    }
    if (!existing.isEmpty()) {
      const info: ManagerInfo = { manager: BEFORE_FIRST_APPLY_MANAGER, operation: 'Update', apiVersion, time: formatTime(options.now), set: existing };
      if (subresource) info.subresource = subresource;
      managed.set(managerIdentifier(BEFORE_FIRST_APPLY_MANAGER, 'Update', apiVersion, subresource), info);
    }
  }

  let configSet: FieldSet;
  try {
    configSet = toFieldSet(applied, schema).recursiveDifference(reset);
  } catch (e) {
    throw internalError(`failed to create typed patch object (${objectGVKNN(applied)}): ${errorText(e)}`);
  }
  let merged: JsonObject;
  try {
    merged = merge(live, applied, schema) as JsonObject;
  } catch (e) {
    throw internalError(`failed to create typed live object (${objectGVKNN(live)}): ${errorText(e)}`);
  }
  // The strategy resets these for this endpoint: keep the live values.
  for (const path of options.resetFields ?? defaultResetFields(subresource)) setField(merged, path, clone(getField(live, path)));

  const id = managerIdentifier(manager, 'Apply', apiVersion, subresource);
  const last = managed.get(id);
  const mine: ManagerInfo = { manager, operation: 'Apply', apiVersion, set: configSet };
  if (subresource) mine.subresource = subresource;
  if (last?.time) mine.time = last.time;
  managed.set(id, mine);

  // Prune: what this applier owned last time, omits now, and nobody owns any more, goes away.
  if (last && !last.set.isEmpty()) {
    let owned = new FieldSet();
    for (const info of managed.values()) owned = owned.union(info.set);
    try {
      merged = pruneUnowned(merged, last.set, owned, schema);
    } catch (e) {
      throw internalError(`failed to prune fields: ${errorText(e)}`);
    }
  }

  const cmp = compareObjects(live, merged, schema, reset);
  const changed = cmp.modified.union(cmp.added);
  const conflictSets = new Map<string, FieldSet>();
  for (const [key, info] of managed) {
    if (key === id) continue;
    const c = info.set.intersection(changed);
    if (!c.isEmpty()) conflictSets.set(key, c);
  }
  if (conflictSets.size > 0 && !options.force) {
    let conflicts: Conflict[] = [];
    for (const key of [...conflictSets.keys()].sort()) {
      for (const path of (conflictSets.get(key) as FieldSet).paths()) conflicts.push({ manager: key, path });
    }
    // kubectl's first server-side apply after client-side applies: fields still matching the
    // last-applied annotation may be taken over (lastAppliedManager).
    const allowed = manager === KUBECTL_MANAGER ? allowedConflictsFromLastApplied(live, schema, apiVersion) : undefined;
    if (allowed) conflicts = conflicts.filter((c) => !allowed.has(c.path as FieldPath));
    if (!allowed || conflicts.length > 0) throw newApplyConflictError(conflicts);
  }
  for (const [key, info] of managed) {
    if (key === id) continue;
    const c = conflictSets.get(key);
    info.set = (c ? info.set.difference(c) : info.set).difference(cmp.removed);
    delete info.fieldsV1;
  }
  mine.set = mine.set.difference(STRIP_SET);
  for (const [key, info] of managed) if (info.set.isEmpty()) managed.delete(key);
  // managedFieldsUpdater.Apply: the applier's time moves only when the object changed; a first apply that
  // changes nothing (shared ownership) gets no time at all.
  if (!deepEqual(live, merged)) mine.time = formatTime(options.now);

  // Keep the client-side-apply annotation in sync when kubectl applies server-side (lastAppliedUpdater).
  if (manager === KUBECTL_MANAGER) {
    const annotations = isObject(merged.metadata) && isObject(merged.metadata.annotations) ? merged.metadata.annotations : undefined;
    if (annotations && Object.prototype.hasOwnProperty.call(annotations, LAST_APPLIED_CONFIG_ANNOTATION)) {
      annotations[LAST_APPLIED_CONFIG_ANNOTATION] = buildLastApplied(applied);
    }
  }

  capUpdateManagers(managed, options.maxUpdateManagers ?? DEFAULT_MAX_UPDATE_MANAGERS);
  const entries = encodeManagedFields(managed);
  setManagedFields(merged, entries);
  return { object: merged as unknown as KubeObject, managedFields: clone(entries) };
}

/** The two operations bound to one resource's settings. */
export class FieldManager {
  readonly options: FieldManagerOptions;
  constructor(options: FieldManagerOptions = {}) {
    this.options = { ...options };
  }

  update(oldObj: KubeObject | null, newObj: KubeObject, manager: string, now: Date | string): KubeObject {
    return updateManagedFields(oldObj, newObj, manager, 'Update', this.options.subresource, now, this.options);
  }

  apply(liveObj: KubeObject | null, appliedObj: unknown, manager: string, opts: { force?: boolean; now: Date | string }): ApplyResult {
    const options: ApplyOptions = { ...this.options, now: opts.now };
    if (opts.force !== undefined) options.force = opts.force;
    return apply(liveObj, appliedObj, manager, options);
  }
}

// ---- request helpers ----

/** Go unicode.IsPrint, approximately: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/**
 * prefixFromUserAgent: the User-Agent up to the first '/', without unprintable characters, at most 128
 * bytes. `kubectl.1.32/v1.32.5 (linux/amd64) kubernetes/9894294` → `kubectl.1.32`, `node-fetch` → itself.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of prefix) {
    if (!isPrint(ch)) continue;
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** managerOrUserAgent: the fieldManager query parameter, else the User-Agent prefix. */
export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(userAgent);
}

/** ValidateFieldManager: at most 128 bytes, printable characters only. */
export function validateFieldManager(fieldManager: string | undefined, field = 'fieldManager'): FieldError[] {
  const errs: FieldError[] = [];
  if (!fieldManager) return errs;
  if (Buffer.byteLength(fieldManager, 'utf8') > FIELD_MANAGER_MAX_LENGTH) errs.push(fieldTooLong(field, fieldManager, FIELD_MANAGER_MAX_LENGTH));
  let pos = 0;
  for (const ch of fieldManager) {
    if (!isPrint(ch)) {
      const cp = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
      errs.push(fieldInvalid(field, fieldManager, `invalid character U+${cp} (at position ${pos})`));
    }
    pos += Buffer.byteLength(ch, 'utf8');
  }
  return errs;
}

export const JSON_PATCH_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';
export const APPLY_CBOR_PATCH_TYPE = 'application/apply-patch+cbor';

/**
 * ValidatePatchOptions: apply needs a fieldManager, `force` is only for apply. Throws the 422 kube sends:
 * `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`.
 */
export function validatePatchOptions(patchType: string, options: { fieldManager?: string; force?: boolean }): void {
  const errs: FieldError[] = [];
  const isApply = patchType === APPLY_PATCH_TYPE || patchType === APPLY_CBOR_PATCH_TYPE;
  if (!isApply) {
    if (options.force !== undefined) errs.push(fieldForbidden('force', 'may not be specified for non-apply patch'));
  } else if (!options.fieldManager) {
    errs.push(fieldRequired('fieldManager', 'is required for apply patch'));
  }
  errs.push(...validateFieldManager(options.fieldManager));
  if (errs.length > 0) throw newInvalid('PatchOptions', '', errs, 'meta.k8s.io');
}
