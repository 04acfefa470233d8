/**
 * Field selectors (?fieldSelector=): parsing with kube's escaping rules (k8s.io/apimachinery/pkg/fields/selector.go),
 * per-resource selectable fields (pkg/apis/core/v1/conversion.go AddFieldLabelConversionFunc, and each registry's
 * ToSelectableFields / GetAttrs) and matching.
 *
 * Syntax: terms separated by ","; each term is `field=value`, `field==value` or `field!=value`. In values, `\,`
 * `\=` and `\\` stand for the literal characters; an unescaped `,`/`=` or an unknown escape is an error.
 */
import type { KubeObject } from './meta.ts';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  field: string;
  operator: FieldOperator;
  /** Unescaped value. */
  value: string;
}

export interface FieldSelector {
  /** ANDed, sorted by their raw term text as kube does. */
  requirements: FieldRequirement[];
}

export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

/** A field the resource does not support; the HTTP layer answers 400 BadRequest with this message. */
export class UnsupportedFieldLabelError extends FieldSelectorError {
  readonly code = 400;
  readonly label: string;
  constructor(label: string, message: string) {
    super(message);
    this.name = 'UnsupportedFieldLabelError';
    this.label = label;
  }
}

/** Split on unescaped commas; escapes stay in the terms. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS: FieldOperator[] = ['!=', '==', '='];

/** The first operator occurrence splits the term; keys cannot contain escapes. */
function splitTerm(term: string): [string, FieldOperator, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.UnescapeValue. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new FieldSelectorError(`invalid field selector: unescaped character in value: ${c}`);
    else out += c;
  }
  if (inSlash) throw new FieldSelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Parse a field selector (fields.ParseSelector). Empty input selects everything. Throws FieldSelectorError. */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, operator, raw] = split;
    requirements.push({ field, operator, value: unescapeFieldValue(raw) });
  }
  return { requirements };
}

export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
}

export function isEverythingFields(sel: FieldSelector): boolean {
  return sel.requirements.length === 0;
}

/** The value a selector pins `field` to, if any (for indexed lookups such as spec.nodeName or metadata.name). */
export function fieldRequiresExactMatch(sel: FieldSelector, field: string): string | undefined {
  const r = sel.requirements.find((x) => x.field === field && x.operator !== '!=');
  return r?.value;
}

/** A field missing from the set reads as "", exactly like fields.Set.Get. */
export function matchesFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  return sel.requirements.every((r) => {
    const v = fields[r.field] ?? '';
    return r.operator === '!=' ? v !== r.value : v === r.value;
  });
}

/** Build a predicate for objects from a selector and a function computing the object's selectable fields. */
export function fieldSelectorMatcher<T>(sel: FieldSelector, getFields: (obj: T) => Record<string, string>): (obj: T) => boolean {
  if (sel.requirements.length === 0) return () => true;
  return (obj) => matchesFields(sel, getFields(obj));
}

// ---- per-resource field sets ----

/** Labels kube-apiserver accepts in ?fieldSelector= per resource (plural, with group for non-core). */
export const SUPPORTED_FIELD_LABELS: Readonly<Record<string, readonly string[]>> = {
  pods: [
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  nodes: ['metadata.name', 'spec.unschedulable'],
  namespaces: ['metadata.name', 'status.phase'],
  events: [
    'metadata.name',
    'metadata.namespace',
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  services: ['metadata.name', 'metadata.namespace', 'spec.clusterIP', 'spec.type'],
  secrets: ['metadata.name', 'metadata.namespace', 'type'],
  certificatesigningrequests: ['metadata.name', 'spec.signerName'],
  replicationcontrollers: ['metadata.name', 'metadata.namespace', 'status.replicas'],
  jobs: ['metadata.name', 'metadata.namespace', 'status.successful'],
  // apps/v1 registers a conversion for StatefulSet only (a leftover status.successful); other apps kinds take the meta default.
  statefulsets: ['metadata.name', 'metadata.namespace', 'status.successful'],
};

/** Legacy aliases a resource rewrites (old v1 clients sent spec.host for pods). */
const FIELD_LABEL_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  pods: { 'spec.host': 'spec.nodeName' },
};

/** Conversion functions with their own wording (batch/v1 Job). */
const UNSUPPORTED_LABEL_MESSAGES: Readonly<Record<string, (label: string) => string>> = {
  jobs: (label) => `field label ${JSON.stringify(label)} not supported for batchv1.Job`,
  statefulsets: (label) => `field label not supported for appsv1.StatefulSet: ${label}`,
};

/** Resources with their own conversion function answer "field label not supported"; others use the meta default. */
function checkLabel(resource: string, label: string): string {
  const alias = FIELD_LABEL_ALIASES[resource]?.[label];
  if (alias) return alias;
  const supported = SUPPORTED_FIELD_LABELS[resource];
  if (supported) {
    if (supported.includes(label)) return label;
    const custom = UNSUPPORTED_LABEL_MESSAGES[resource];
    throw new UnsupportedFieldLabelError(label, custom ? custom(label) : `field label not supported: ${label}`);
  }
  // runtime.DefaultMetaV1FieldSelectorConversion (leases and every kind without its own conversion).
  if (label === 'metadata.name' || label === 'metadata.namespace') return label;
  throw new UnsupportedFieldLabelError(label, `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
}

/**
 * Validate a parsed selector against a resource's supported labels and apply aliases (the apiserver's
 * FieldSelector.Transform(ConvertFieldLabel) step). Throws UnsupportedFieldLabelError (HTTP 400).
 * `resource` is the plural resource name, e.g. "pods", "leases".
 */
export function convertFieldSelector(resource: string, sel: FieldSelector): FieldSelector {
  return { requirements: sel.requirements.map((r) => ({ ...r, field: checkLabel(resource, r.field) })) };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function get(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function metaFields(obj: KubeObject, namespaced: boolean): Record<string, string> {
  const f: Record<string, string> = { 'metadata.name': str(obj.metadata?.name) };
  if (namespaced) f['metadata.namespace'] = str(obj.metadata?.namespace);
  return f;
}

/**
 * The selectable fields of an object (each registry's ToSelectableFields). Unknown resources expose
 * metadata.name and metadata.namespace. Values are strings; booleans print as "true"/"false".
 */
export function fieldsFor(resource: string, obj: KubeObject): Record<string, string> {
  switch (resource) {
    case 'pods': {
      const podIPs = get(obj, 'status', 'podIPs');
      const firstIP = Array.isArray(podIPs) && podIPs.length > 0 ? str(get(podIPs[0], 'ip')) : str(get(obj, 'status', 'podIP'));
      return {
        ...metaFields(obj, true),
        'spec.nodeName': str(get(obj, 'spec', 'nodeName')),
        'spec.restartPolicy': str(get(obj, 'spec', 'restartPolicy')),
        'spec.schedulerName': str(get(obj, 'spec', 'schedulerName')),
        'spec.serviceAccountName': str(get(obj, 'spec', 'serviceAccountName')),
        'spec.hostNetwork': get(obj, 'spec', 'hostNetwork') === true ? 'true' : 'false',
        'status.phase': str(get(obj, 'status', 'phase')),
        'status.podIP': firstIP,
        'status.nominatedNodeName': str(get(obj, 'status', 'nominatedNodeName')),
      };
    }
    case 'nodes':
      return { ...metaFields(obj, false), 'spec.unschedulable': get(obj, 'spec', 'unschedulable') === true ? 'true' : 'false' };
    case 'namespaces':
      return { ...metaFields(obj, false), 'status.phase': str(get(obj, 'status', 'phase')) };
    case 'events': {
      const io = (k: string) => str(get(obj, 'involvedObject', k));
      const source = str(get(obj, 'source', 'component')) || str(get(obj, 'reportingComponent'));
      return {
        ...metaFields(obj, true),
        'involvedObject.kind': io('kind'),
        'involvedObject.namespace': io('namespace'),
        'involvedObject.name': io('name'),
        'involvedObject.uid': io('uid'),
        'involvedObject.apiVersion': io('apiVersion'),
        'involvedObject.resourceVersion': io('resourceVersion'),
        'involvedObject.fieldPath': io('fieldPath'),
        reason: str(get(obj, 'reason')),
        reportingComponent: str(get(obj, 'reportingComponent')),
        source,
        type: str(get(obj, 'type')),
      };
    }
    case 'services':
      return { ...metaFields(obj, true), 'spec.clusterIP': str(get(obj, 'spec', 'clusterIP')), 'spec.type': str(get(obj, 'spec', 'type')) };
    case 'secrets':
      return { ...metaFields(obj, true), type: str(get(obj, 'type')) };
    case 'jobs':
      return { ...metaFields(obj, true), 'status.successful': String(Number(get(obj, 'status', 'succeeded') ?? 0)) };
    case 'certificatesigningrequests':
      return { ...metaFields(obj, false), 'spec.signerName': str(get(obj, 'spec', 'signerName')) };
    default:
      return metaFields(obj, true);
  }
}

/** Parse + convert + build the object predicate for one resource. Throws FieldSelectorError / UnsupportedFieldLabelError. */
export function compileFieldSelector(resource: string, selector: string): (obj: KubeObject) => boolean {
  const sel = convertFieldSelector(resource, parseFieldSelector(selector));
  return fieldSelectorMatcher(sel, (o: KubeObject) => fieldsFor(resource, o));
}
