import { newNotAcceptable } from '../../../shared/errors/status-error.ts';

/** One entry of an Accept header: `application/json;as=Table;v=v1;g=meta.k8s.io`. */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [typ, ...params] = part.split(';').map((s) => s.trim());
    if (!typ) continue;
    const p: Record<string, string> = {};
    for (const kv of params) {
      const eq = kv.indexOf('=');
      if (eq > 0) p[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    out.push({ type: typ.toLowerCase(), params: p });
  }
  return out;
}

/** What an object response is rendered as. */
export type OutputKind =
  | { as: 'object'; format: 'json' | 'yaml' }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'PartialObjectMetadata'; version: 'v1' | 'v1beta1' };

const JSONISH = new Set(['application/json', '*/*', 'application/*', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch']);

/**
 * Picks the first acceptable rendering in the client's order (k8s negotiation: Table and
 * PartialObjectMetadata are `as=` transforms of JSON). Protobuf is not served: clients that list it also list
 * JSON, which we answer with. Nothing acceptable -> 406.
 */
export function negotiateOutput(accept: string | undefined): OutputKind {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return { as: 'object', format: 'json' };
  for (const r of ranges) {
    const as = r.params['as'];
    if (as) {
      if (r.type !== 'application/json' && r.type !== '*/*') continue;
      const g = r.params['g'];
      const v = r.params['v'];
      if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) continue;
      if (as === 'Table') return { as: 'Table', version: v };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { as: 'PartialObjectMetadata', version: v };
      continue;
    }
    if (r.type === 'application/yaml') return { as: 'object', format: 'yaml' };
    if (JSONISH.has(r.type)) {
      if (r.type === 'application/vnd.kubernetes.protobuf' && ranges.length === 1) continue;
      return { as: 'object', format: 'json' };
    }
  }
  throw newNotAcceptable(`only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`);
}
