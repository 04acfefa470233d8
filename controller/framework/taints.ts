/**
 * Taint and toleration matching as the controllers need it (k8s.io/api/core/v1 toleration.go, taint.go and
 * pkg/apis/core/v1/helper GetMatchingTolerations).
 */
import type { Taint, TaintEffect, Toleration } from '../../shared/api/core-v1.ts';

export type TaintLike = Pick<Taint, 'key' | 'effect'> & { value?: string | undefined; timeAdded?: string | undefined };

/**
 * Toleration.ToleratesTaint: effects match (an empty toleration effect matches all), keys match (an empty key
 * with Exists matches all), and for Equal (the default operator) the values are equal.
 */
export function toleratesTaint(t: Toleration, taint: TaintLike): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/**
 * For each taint, the first toleration that tolerates it (GetMatchingTolerations). `allTolerated` is false as
 * soon as one taint has none; `used[i]` then is undefined for that taint.
 */
export function getMatchingTolerations(taints: readonly TaintLike[], tolerations: readonly Toleration[]): { allTolerated: boolean; used: (Toleration | undefined)[] } {
  const used: (Toleration | undefined)[] = [];
  let allTolerated = true;
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) allTolerated = false;
    used.push(t);
  }
  return { allTolerated, used };
}

/** Taint.MatchTaint: same key and effect (the value and timeAdded do not matter). */
export function matchTaint(a: TaintLike, b: TaintLike): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: readonly TaintLike[] | undefined, template: TaintLike): boolean {
  return (taints ?? []).some((t) => matchTaint(t, template));
}

export function taintsWithEffect<T extends TaintLike>(taints: readonly T[] | undefined, effect: TaintEffect): T[] {
  return (taints ?? []).filter((t) => t.effect === effect);
}
