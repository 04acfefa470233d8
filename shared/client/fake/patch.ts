/**
 * Patch application for the fake client: JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386), and an
 * approximation of strategic merge patch good enough for controller tests: lists whose field name has a known
 * patch merge key in the core API (containers/env/volumes by name, conditions and addresses by type, ports
 * by containerPort, volumeMounts by mountPath, ownerReferences by uid) are merged by that key with
 * `$patch: delete` / `$patch: replace` honoured, `finalizers` merge as a set with
 * `$deleteFromPrimitiveList/finalizers`, `$setElementOrder/*` and `$retainKeys` are ignored, every other list
 * is replaced.
 */
import { newBadRequest, StatusError, newStatus } from '../../errors/status-error.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v) as Json;
  }
  return out;
}

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  conditions: 'type',
  addresses: 'type',
  ownerReferences: 'uid',
};
const SET_LISTS = new Set(['finalizers']);

/** Approximate strategic merge patch (see file comment). */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.some((d) => d === x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    const key = MERGE_KEYS[k];
    if (Array.isArray(v) && key && (Array.isArray(cur) || cur === undefined)) {
      out[k] = mergeKeyedList(cur ?? [], v, key);
    } else if (Array.isArray(v) && SET_LISTS.has(k) && (Array.isArray(cur) || cur === undefined)) {
      const merged = [...(cur ?? [])];
      for (const x of v) if (!merged.some((y) => y === x)) merged.push(x);
      out[k] = merged;
    } else if (isObject(v)) {
      out[k] = applyStrategicMergePatch(cur, v) as Json;
    } else {
      out[k] = structuredClone(v);
    }
  }
  return out;
}

function mergeKeyedList(current: Json[], patch: Json[], key: string): Json[] {
  const out = [...current];
  for (const el of patch) {
    if (!isObject(el) || !(key in el)) {
      out.push(structuredClone(el));
      continue;
    }
    const idx = out.findIndex((c) => isObject(c) && c[key] === el[key]);
    if (el['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = applyStrategicMergePatch(out[idx], el) as Json;
    else out.push(applyStrategicMergePatch({}, el) as Json);
  }
  return out;
}

interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function invalidPatch(message: string): StatusError {
  return new StatusError(newStatus(422, 'Invalid', message));
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw invalidPatch(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], pointer: string): { parent: JsonObject | Json[]; last: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw invalidPatch(`doc is missing path: ${JSON.stringify(pointer)}`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw invalidPatch(`doc is missing path: ${JSON.stringify(pointer)}`);
  return { parent: cur, last: tokens[tokens.length - 1] as string };
}

function getAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const t of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

function arrayIndex(arr: Json[], token: string, allowEnd: boolean, pointer: string): number {
  if (allowEnd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw invalidPatch(`invalid array index in ${JSON.stringify(pointer)}`);
  const i = Number(token);
  if (i > arr.length || (!allowEnd && i >= arr.length)) throw invalidPatch(`array index out of bounds in ${JSON.stringify(pointer)}`);
  return i;
}

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, pointer), 0, structuredClone(value) as Json);
  else parent[last] = structuredClone(value) as Json;
  return doc;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw invalidPatch('cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, pointer), 1);
  else {
    if (!(last in parent)) throw invalidPatch(`unable to remove nonexistent key: ${last}: missing value`);
    delete parent[last];
  }
  return doc;
}

/** RFC 6902. Errors are 422 Invalid Status errors, as the apiserver reports failing JSON patches. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw newBadRequest('json patch must be an array of operations');
  let doc: unknown = structuredClone(target);
  for (const raw of patch as JsonPatchOp[]) {
    if (!isObject(raw as unknown) || typeof raw.path !== 'string') throw invalidPatch('invalid JSON patch operation');
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value);
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        if (getAt(doc, raw.path) === undefined) throw invalidPatch(`replace operation does not apply: doc is missing key: ${raw.path}`);
        doc = addAt(removeAt(doc, raw.path), raw.path, raw.value);
        break;
      case 'move': {
        const v = getAt(doc, raw.from ?? '');
        if (v === undefined) throw invalidPatch(`move operation does not apply: doc is missing from path: ${raw.from}`);
        doc = addAt(removeAt(doc, raw.from ?? ''), raw.path, v);
        break;
      }
      case 'copy': {
        const v = getAt(doc, raw.from ?? '');
        if (v === undefined) throw invalidPatch(`copy operation does not apply: doc is missing from path: ${raw.from}`);
        doc = addAt(doc, raw.path, v);
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) throw invalidPatch(`testing value ${raw.path} failed`);
        break;
      default:
        throw invalidPatch(`Unexpected kind: ${String((raw as { op?: unknown }).op)}`);
    }
  }
  return doc;
}
