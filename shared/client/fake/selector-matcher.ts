/**
 * Selector matching for the fake client. The tracker takes any `SelectorMatcher`; pass the apiserver's real
 * selection predicate where full selector syntax matters. The default, `equalitySelectorMatcher`, knows the
 * equality-based subset (`a=b`, `a==b`, `a!=b`, plus label existence `a` / `!a`) and throws on set-based
 * syntax (`in`, `notin`) rather than guessing.
 */
import type { KubeObject } from '../../api/meta.ts';

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** True when obj matches both selectors (an empty or absent selector matches everything). */
export type SelectorMatcher = (obj: KubeObject, selectors: Selectors) => boolean;

interface Requirement {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists';
  value: string;
}

function parse(selector: string, kind: 'label' | 'field'): Requirement[] {
  const s = selector.trim();
  if (s === '') return [];
  if (s.includes('(')) {
    throw new Error(`Cannot match ${kind} selector ${JSON.stringify(selector)} as set-based selectors are not supported by equalitySelectorMatcher; pass a full matcher`);
  }
  return s.split(',').map((raw) => {
    const part = raw.trim();
    let m = /^([^=!\s]+)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (m) {
      const op = m[2] === '!=' ? '!=' : '=';
      return { key: m[1] as string, op, value: (m[3] as string).trim() };
    }
    if (kind === 'label') {
      m = /^(!?)\s*([^=!\s]+)$/.exec(part);
      if (m) return { key: m[2] as string, op: m[1] ? '!exists' : 'exists', value: '' };
    }
    throw new Error(`Cannot match ${kind} selector ${JSON.stringify(selector)} as ${JSON.stringify(part)} is not an equality requirement`);
  });
}

/** Reads a dotted field path (`metadata.name`, `spec.nodeName`, `status.phase`) as a string ('' when unset). */
export function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

export const equalitySelectorMatcher: SelectorMatcher = (obj, selectors) => {
  const labels = obj.metadata?.labels ?? {};
  for (const r of parse(selectors.labelSelector ?? '', 'label')) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    if (r.op === 'exists' && !has) return false;
    if (r.op === '!exists' && has) return false;
    if (r.op === '=' && v !== r.value) return false;
    if (r.op === '!=' && v === r.value) return false;
  }
  for (const r of parse(selectors.fieldSelector ?? '', 'field')) {
    const v = fieldValue(obj, r.key);
    if (r.op === '=' && v !== r.value) return false;
    if (r.op === '!=' && v === r.value) return false;
  }
  return true;
};
