/**
 * SetDefaults_ResourceList: kube rounds every quantity up to milli precision and, because it re-encodes the
 * object, stores it in canonical form ("1000m" -> "1", 1 -> "1", "0.5" -> "500m"). Unparseable values are left
 * alone for validation to report.
 */
import { parseQuantityExact, quantityToString } from '../quantity.ts';

export function canonicalizeQuantity(v: unknown, roundToMilli = true): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  try {
    const q = parseQuantityExact(v);
    if (roundToMilli) {
      const r = q.nanos % 1_000_000n;
      if (r !== 0n) q.nanos += q.nanos > 0n ? 1_000_000n - r : -r;
    }
    return quantityToString(q);
  } catch {
    return v;
  }
}

/** Canonicalize a ResourceList in place. */
export function defaultResourceList(rl: unknown): void {
  if (rl === null || typeof rl !== 'object' || Array.isArray(rl)) return;
  const m = rl as Record<string, unknown>;
  for (const k of Object.keys(m)) m[k] = canonicalizeQuantity(m[k]);
}
