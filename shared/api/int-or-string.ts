/**
 * k8s.io/apimachinery/pkg/util/intstr helpers: the one place an IntOrString becomes a number. maxSurge and
 * maxUnavailable (Deployment, DaemonSet, StatefulSet), a PDB's minAvailable/maxUnavailable.
 *
 *   getScaledValueFromIntOrPercent('25%', 10, true)    // 3
 *   getScaledValueFromIntOrPercent('25%', 10, false)   // 2
 *   getScaledValueFromIntOrPercent(4, 10, true)        // 4
 */
import type { IntOrString } from './core-v1.ts';

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as is; "N%" is N percent of total, rounded up or down. Throws
 * upstream's errors: no value, a string without '%' ("invalid type: string is not a percentage") or a percent
 * that is no integer.
 */
export function getScaledValueFromIntOrPercent(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return v;
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const s = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(s)}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const scaled = (Number(s) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
