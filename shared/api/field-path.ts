/**
 * k8s.io/kubernetes/pkg/fieldpath: the object-metadata field paths that env fieldRef and downwardAPI volumes
 * share (metadata.name, namespace, uid, labels, annotations, and a single `metadata.labels['k']` /
 * `metadata.annotations['k']`). Pod spec and status fields are each caller's own (the kubelet answers them
 * from different sources for env and for volumes).
 */
import type { ObjectMeta } from './meta.ts';

/** fieldpath.FormatMap: `key="value"` lines (Go %q quoting), sorted by key. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

/** fieldpath.ExtractFieldPathAsString for metadata paths; undefined for a path it does not know. */
export function metadataFieldPathValue(meta: ObjectMeta, fieldPath: string): string | undefined {
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (sub) return (sub[1] === 'labels' ? meta.labels : meta.annotations)?.[sub[2] ?? ''] ?? '';
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    default:
      return undefined;
  }
}
