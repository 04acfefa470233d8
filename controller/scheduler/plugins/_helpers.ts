/**
 * Helpers shared by the plugins in this folder (not imported from outside it).
 */
import type { Taint, TaintEffect, Toleration } from '../../../shared/api/core-v1.ts';
import { MAX_NODE_SCORE, newStatus, type Code, type Status } from '../framework/interface.ts';

/** v1.Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go). */
export function toleratesTaint(t: Toleration, taint: { key: string; value?: string | undefined; effect: TaintEffect }): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** v1helper.TolerationsTolerateTaint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: { key: string; value?: string | undefined; effect: TaintEffect }): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint none of the tolerations tolerate (FindMatchingUntoleratedTaint). */
export function findUntoleratedHardTaint(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): Taint | undefined {
  for (const taint of taints) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

const taintStatusCache = new Map<string, Status>();

/**
 * TaintToleration's rejection for one taint, "node(s) had untolerated taint {key: value}" (kube 1.32 wording),
 * UnschedulableAndUnresolvable. Statuses are interned so a cluster of tainted nodes allocates nothing per node.
 */
export function untoleratedTaintStatus(key: string, value: string | undefined): Status {
  const k = `${key}\u0000${value ?? ''}`;
  let s = taintStatusCache.get(k);
  if (!s) {
    if (taintStatusCache.size > 10_000) taintStatusCache.clear();
    s = newStatus('UnschedulableAndUnresolvable', `node(s) had untolerated taint {${key}: ${value ?? ''}}`);
    taintStatusCache.set(k, s);
  }
  return s;
}

/** An interned status for a fixed reason list (statuses are immutable, so sharing them is safe). */
const fixedStatusCache = new Map<string, Status>();
export function internedStatus(code: Code, reasons: readonly string[]): Status {
  const k = `${code}\u0000${reasons.join('\u0000')}`;
  let s = fixedStatusCache.get(k);
  if (!s) {
    if (fixedStatusCache.size > 10_000) fixedStatusCache.clear();
    s = newStatus(code, ...reasons);
    fixedStatusCache.set(k, s);
  }
  return s;
}

/**
 * helper.DefaultNormalizeScore: scale to [0, maxPriority] by the maximum (integer division, as in Go); with
 * `reverse`, higher raw scores become lower. All-zero raw scores stay 0, or become maxPriority when reversed.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: Float64Array): void {
  let max = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((maxPriority * scores[i]!) / max);
    scores[i] = reverse ? maxPriority - s : s;
  }
}

export { MAX_NODE_SCORE };
