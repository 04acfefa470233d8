import { newNotAcceptable } from '../../../shared/errors/status-error.ts';
import { PROTOBUF_CONTENT_TYPE } from '../../../shared/protobuf/envelope.ts';

/** One entry of an Accept header: `application/json;as=Table;v=v1;g=meta.k8s.io`, with its q-value. */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/**
 * Parses an Accept header in the order a client prefers (goautoneg.ParseAccept, which kube's negotiation uses):
 * by q-value, highest first; at equal q, specific types before `type/*` before `*\/*`; otherwise in header order.
 * Entries with q=0 are dropped (not acceptable).
 */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const out: (MediaRange & { index: number })[] = [];
  const parts = header.split(',');
  for (let index = 0; index < parts.length; index++) {
    const [typ, ...params] = (parts[index] as string).split(';').map((s) => s.trim());
    if (!typ) continue;
    const p: Record<string, string> = {};
    let q = 1;
    for (const kv of params) {
      const eq = kv.indexOf('=');
      if (eq <= 0) continue;
      const key = kv.slice(0, eq).trim().toLowerCase();
      const value = kv.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (key === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? n : 1;
      } else p[key] = value;
    }
    if (q <= 0) continue;
    out.push({ type: typ.toLowerCase(), params: p, q, index });
  }
  const specificity = (t: string) => (t === '*/*' ? 0 : t.endsWith('/*') ? 1 : 2);
  out.sort((a, b) => b.q - a.q || specificity(b.type) - specificity(a.type) || a.index - b.index);
  return out.map(({ type, params, q }) => ({ type, params, q }));
}

export type WireFormat = 'json' | 'yaml' | 'protobuf';

/** What an object response is rendered as. */
export type OutputKind =
  | { as: 'object'; format: WireFormat }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'PartialObjectMetadata'; version: 'v1' | 'v1beta1'; format?: 'json' | 'protobuf' };

/** The serializers kube-apiserver offers for built-in kinds, in its order (the first one answers `*\/*`). */
const SERIALIZERS: { type: string; format: WireFormat }[] = [
  { type: 'application/json', format: 'json' },
  { type: 'application/yaml', format: 'yaml' },
  { type: PROTOBUF_CONTENT_TYPE, format: 'protobuf' },
];

/** The serializer a media range picks: exact, `application/*` or `*\/*` (the first offered). */
function serializerFor(type: string): WireFormat | undefined {
  if (type === '*/*' || type === 'application/*') return 'json';
  return SERIALIZERS.find((s) => s.type === type)?.format;
}

export const NOT_ACCEPTABLE_MESSAGE = `only the following media types are accepted: ${SERIALIZERS.map((s) => s.type).join(', ')}`;

/**
 * Picks the first acceptable rendering in the client's order (kube's NegotiateOutputMediaType). `as=Table` is a
 * transform of JSON or YAML only (upstream's AllowsMediaTypeTransform: a protobuf Table clause is skipped);
 * PartialObjectMetadata(List) comes in JSON or protobuf. Nothing acceptable -> 406.
 */
export function negotiateOutput(accept: string | undefined): OutputKind {
  if (!accept || accept.replace(/[\s,]/g, '') === '') return { as: 'object', format: 'json' };
  const ranges = parseAccept(accept);
  for (const r of ranges) {
    const format = serializerFor(r.type);
    if (!format) continue;
    const as = r.params['as'];
    if (as) {
      const g = r.params['g'];
      const v = r.params['v'];
      if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) continue;
      if (as === 'Table') {
        // Tables are rendered as JSON here (kube also offers YAML); a protobuf Table is not served upstream.
        if (format !== 'json') continue;
        return { as: 'Table', version: v };
      }
      if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && format !== 'yaml') {
        return { as: 'PartialObjectMetadata', version: v, format: format === 'protobuf' ? 'protobuf' : 'json' };
      }
      continue;
    }
    return { as: 'object', format };
  }
  throw newNotAcceptable(NOT_ACCEPTABLE_MESSAGE);
}

/** Whether a response negotiated as `out` is protobuf (objects, lists, watch events, errors). */
export function isProtobufOutput(out: OutputKind): boolean {
  return (out.as === 'object' || out.as === 'PartialObjectMetadata') && out.format === 'protobuf';
}
