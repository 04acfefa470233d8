/** policy/v1 definitions (PodDisruptionBudget, Eviction), spread into SCHEMAS by schemas.ts. */
import { API_VERSION, INT_OR_STRING, KIND, META, enumStr, int32, int64, kindObject, listKind, obj, ref, refArr, refV, str, type Schema } from './schema-builders.ts';

export const POLICY = 'io.k8s.api.policy.v1.';

/** The served policy/v1 kinds with their definition names. */
export const POLICY_V1_KINDS: Readonly<Record<string, string>> = {
  PodDisruptionBudget: `${POLICY}PodDisruptionBudget`,
  PodDisruptionBudgetList: `${POLICY}PodDisruptionBudgetList`,
  Eviction: `${POLICY}Eviction`,
  Status: `${META}Status`,
  DeleteOptions: `${META}DeleteOptions`,
  WatchEvent: `${META}WatchEvent`,
};

const intOrString = (description: string): Schema => ref(INT_OR_STRING, description);

export const POLICY_SCHEMAS: Readonly<Record<string, Schema>> = {
  [`${POLICY}PodDisruptionBudgetSpec`]: obj('PodDisruptionBudgetSpec is a description of a PodDisruptionBudget.', {
    maxUnavailable: intOrString(
      'An eviction is allowed if at most "maxUnavailable" pods selected by "selector" are unavailable after the eviction, i.e. even in absence of the evicted pod. For example, one can prevent all voluntary evictions by specifying 0. This is a mutually exclusive setting with "minAvailable".',
    ),
    minAvailable: intOrString(
      'An eviction is allowed if at least "minAvailable" pods selected by "selector" will still be available after the eviction, i.e. even in the absence of the evicted pod.  So for example you can prevent all voluntary evictions by specifying "100%".',
    ),
    selector: ref(
      `${META}LabelSelector`,
      'Label query over pods whose evictions are managed by the disruption budget. A null selector will match no pods, while an empty ({}) selector will select all pods within the namespace.',
      { 'x-kubernetes-patch-strategy': 'replace' },
    ),
    unhealthyPodEvictionPolicy: enumStr(
      'UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be considered for eviction. Current implementation considers healthy pods, as pods that have status.conditions item with type="Ready",status="True".\n\nValid policies are IfHealthyBudget and AlwaysAllow. If no policy is specified, the default behavior will be used, which corresponds to the IfHealthyBudget policy.',
      {
        AlwaysAllow: 'policy means that all running pods (status.phase="Running"), but not yet healthy are considered disrupted and can be evicted regardless of whether the criteria in a PDB is met. This means perspective running pods of a disrupted application might not get a chance to become healthy. Healthy pods will be subject to the PDB for eviction.',
        IfHealthyBudget: 'policy means that running pods (status.phase="Running"), but not yet healthy can be evicted only if the guarded application is not disrupted (status.currentHealthy is at least equal to status.desiredHealthy). Healthy pods will be subject to the PDB for eviction.',
      },
    ),
  }),
  [`${POLICY}PodDisruptionBudgetStatus`]: obj(
    'PodDisruptionBudgetStatus represents information about the status of a PodDisruptionBudget. Status may trail the actual state of a system.',
    {
      conditions: refArr(
        `${META}Condition`,
        'Conditions contain conditions for PDB. The disruption controller sets the DisruptionAllowed condition: True when there are enough pods to allow disruptions (reason SufficientPods), False when there are not (InsufficientPods) or when the status could not be computed (SyncFailed).',
        { listType: 'map', mapKeys: ['type'], mergeKey: 'type', strategy: 'merge' },
      ),
      currentHealthy: int32('current number of healthy pods', { default: 0 }),
      desiredHealthy: int32('minimum desired number of healthy pods', { default: 0 }),
      disruptedPods: {
        type: 'object',
        additionalProperties: ref(`${META}Time`, ''),
        description:
          'DisruptedPods contains information about pods whose eviction was processed by the API server eviction subresource handler but has not yet been observed by the PodDisruptionBudget controller. A pod will be in this map from the time when the API server processed the eviction request to the time when the pod is seen by PDB controller as having been marked for deletion (or after a timeout). The key in the map is the name of the pod and the value is the time when the API server processed the eviction request.',
      },
      disruptionsAllowed: int32('Number of pod disruptions that are currently allowed.', { default: 0 }),
      expectedPods: int32('total number of pods counted by this disruption budget', { default: 0 }),
      observedGeneration: int64(
        "Most recent generation observed when updating this PDB status. DisruptionsAllowed and other status information is valid only if observedGeneration equals to PDB's object generation.",
      ),
    },
    ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'],
  ),
  [`${POLICY}PodDisruptionBudget`]: kindObject('policy', 'v1', 'PodDisruptionBudget', 'PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods', {
    spec: refV(`${POLICY}PodDisruptionBudgetSpec`, 'Specification of the desired behavior of the PodDisruptionBudget.'),
    status: refV(`${POLICY}PodDisruptionBudgetStatus`, 'Most recently observed status of the PodDisruptionBudget.'),
  }),
  [`${POLICY}PodDisruptionBudgetList`]: listKind('policy', 'v1', 'PodDisruptionBudgetList', `${POLICY}PodDisruptionBudget`, 'PodDisruptionBudgetList is a collection of PodDisruptionBudgets.'),
  [`${POLICY}Eviction`]: obj(
    'Eviction evicts a pod from its node subject to certain policies and safety constraints. This is a subresource of Pod.  A request to cause such an eviction is created by POSTing to .../pods/<pod name>/evictions.',
    {
      apiVersion: str(API_VERSION),
      deleteOptions: ref(`${META}DeleteOptions`, 'DeleteOptions may be provided'),
      kind: str(KIND),
      metadata: refV(`${META}ObjectMeta`, 'ObjectMeta describes the pod that is being evicted.'),
    },
    undefined,
    { 'x-kubernetes-group-version-kind': [{ group: 'policy', kind: 'Eviction', version: 'v1' }] },
  ),
  };
