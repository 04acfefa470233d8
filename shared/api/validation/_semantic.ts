/**
 * apiequality.Semantic.DeepEqual for decoded JSON, and a go-cmp-flavoured diff for update errors.
 *
 * Kube compares Go structs, where an omitted field, null, an empty list/map and a zero scalar all look the same
 * (empty slices/maps compare equal to nil; omitempty zero values never reach the wire), and quantities compare
 * by value ("1" == "1000m"). normalize() maps JSON onto that view before comparing.
 */
import { canonicalQuantity } from '../quantity.ts';

const QUANTITY_MAPS = new Set(['limits', 'requests', 'overhead', 'capacity', 'allocatable', 'allocatedResources', 'sizeLimit', 'divisor']);

export function normalize(v: unknown, parentKey = ''): unknown {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return undefined;
  if (Array.isArray(v)) {
    const out = v.map((x) => normalize(x) ?? null);
    return out.length ? out : undefined;
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const raw = (v as Record<string, unknown>)[k];
      let n: unknown;
      if (QUANTITY_MAPS.has(parentKey) && (typeof raw === 'string' || typeof raw === 'number')) {
        n = quantityOrRaw(raw);
      } else if ((k === 'sizeLimit' || k === 'divisor') && (typeof raw === 'string' || typeof raw === 'number')) {
        n = quantityOrRaw(raw);
      } else {
        n = normalize(raw, k);
      }
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

function quantityOrRaw(raw: string | number): unknown {
  try {
    const c = canonicalQuantity(raw);
    return c === '0' ? undefined : `q:${c}`;
  } catch {
    return raw;
  }
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

const GO_NAMES: Record<string, string> = {
  dnsPolicy: 'DNSPolicy',
  dnsConfig: 'DNSConfig',
  hostIPC: 'HostIPC',
  hostPID: 'HostPID',
  httpGet: 'HTTPGet',
  tcpSocket: 'TCPSocket',
  grpc: 'GRPC',
  hostIP: 'HostIP',
  os: 'OS',
  tty: 'TTY',
};

function goName(k: string): string {
  return GO_NAMES[k] ?? k.charAt(0).toUpperCase() + k.slice(1);
}

function render(v: unknown): string {
  if (v === undefined) return 'nil';
  if (typeof v === 'string') return v.startsWith('q:') ? `s"${v.slice(2)}"` : JSON.stringify(v);
  return JSON.stringify(v);
}

/**
 * A flat diff of two values in the style of cmp.Diff(old, new): one "-"/"+" pair per changed leaf, Go field
 * names, under a `  <typeName>{` header. Not byte-identical to go-cmp, but it names the changed fields.
 */
export function goStyleDiff(oldV: unknown, newV: unknown, typeName: string): string {
  const lines: string[] = [`  ${typeName}{`];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const aObj = a !== null && typeof a === 'object';
    const bObj = b !== null && typeof b === 'object';
    if (aObj && bObj && Array.isArray(a) === Array.isArray(b)) {
      if (Array.isArray(a) && Array.isArray(b)) {
        const n = Math.max(a.length, b.length);
        for (let i = 0; i < n; i++) walk(a[i], b[i], `${path}[${i}]`);
        return;
      }
      const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
      for (const k of keys) {
        const seg = path === '' ? goName(k) : `${path}.${goName(k)}`;
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seg);
      }
      return;
    }
    lines.push(`- \t${path}: ${render(a)},`);
    lines.push(`+ \t${path}: ${render(b)},`);
  };
  walk(normalize(oldV), normalize(newV), '');
  lines.push('  }');
  return lines.join('\n');
}
