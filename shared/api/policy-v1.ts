/** policy/v1 wire types (k8s.io/api/policy/v1/types.go): PodDisruptionBudget and Eviction. */
import type { ConditionStatus, IntOrString, LabelSelector, Time } from './core-v1.ts';
import type { KubeList, KubeObject, ObjectMeta } from './meta.ts';

export type UnhealthyPodEvictionPolicyType = 'IfHealthyBudget' | 'AlwaysAllow';

export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrString;
  selector?: LabelSelector;
  maxUnavailable?: IntOrString;
  unhealthyPodEvictionPolicy?: UnhealthyPodEvictionPolicyType;
}

export interface PodDisruptionBudgetCondition {
  type: 'DisruptionAllowed' | string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pods being evicted, by name, with the time the eviction was admitted (the controller forgets them after 2 minutes). */
  disruptedPods?: Record<string, Time>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: PodDisruptionBudgetCondition[];
}

export interface PodDisruptionBudget extends KubeObject {
  apiVersion?: 'policy/v1';
  kind?: 'PodDisruptionBudget';
  metadata: ObjectMeta;
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}
export type PodDisruptionBudgetList = KubeList<PodDisruptionBudget>;

/** POSTed to pods/{name}/eviction (policy/v1; policy/v1beta1 bodies are accepted the same). */
export interface Eviction extends KubeObject {
  apiVersion?: 'policy/v1' | 'policy/v1beta1';
  kind?: 'Eviction';
  metadata: ObjectMeta;
  deleteOptions?: Record<string, unknown>;
}
