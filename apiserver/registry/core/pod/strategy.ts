import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import { addDefaultTolerations, applyPriorityAdmission, defaultPod, podQOSClass } from '../../../../shared/api/defaults/pod.ts';
import { validatePod, validatePodUpdate, validatePodStatusUpdate } from '../../../../shared/api/validation/pod.ts';
import { newForbidden } from '../../../../shared/errors/status-error.ts';
import type { CreateStrategy, DeleteStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { resetObjectMetaForStatus } from '../../generic/reset-meta.ts';

/** pkg/registry/core/pod/strategy.go podStrategy. */
export const podStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate(obj: KubeObject) {
    const pod = obj as Pod;
    defaultPod(pod);
    pod.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
  },
  // Admission runs after managedFields are recorded: the fields it adds belong to no manager (as in kube),
  // so a server-side apply that prunes what its manager owned never removes them.
  admit(obj: KubeObject) {
    const pod = obj as Pod;
    // DefaultTolerationSeconds admission: tolerate not-ready/unreachable NoExecute for 300 s.
    addDefaultTolerations(pod, 300);
    // Priority admission: priority 0 and preemptionPolicy PreemptLowerPriority unless a class says otherwise.
    const refused = applyPriorityAdmission(pod);
    if (refused) throw newForbidden('pods', pod.metadata.name ?? '', refused);
  },
  validate: (obj) => validatePod(obj as Pod),
  prepareForUpdate(obj, old) {
    const pod = obj as Pod;
    const oldSpec = (old as Pod).spec;
    defaultPod(pod);
    pod.status = (old as Pod).status;
    // Admission runs on updates of pods too (not of their subresources): DefaultTolerationSeconds adds its
    // tolerations again (plugin/pkg/admission/defaulttolerationseconds, Create and Update), Priority keeps
    // the priority and preemptionPolicy it set on create when the new object leaves them out
    // (plugin/pkg/admission/priority admitPod). Without this a PUT of a manifest (kubectl replace -f) was
    // refused: "existing toleration can not be modified" and "pod updates may not change fields".
    addDefaultTolerations(pod, 300);
    if (pod.spec && oldSpec) {
      if (pod.spec.priority === undefined && oldSpec.priority !== undefined) pod.spec.priority = oldSpec.priority;
      if (pod.spec.preemptionPolicy === undefined && oldSpec.preemptionPolicy !== undefined) pod.spec.preemptionPolicy = oldSpec.preemptionPolicy;
    }
  },
  validateUpdate: (obj, old) => validatePodUpdate(obj as Pod, old as Pod),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** podStatusStrategy: writes only status (and keeps spec and most of metadata from the stored pod). */
export const podStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
    resetObjectMetaForStatus(obj, old);
  },
  validateUpdate: (obj, old) => validatePodStatusUpdate(obj as Pod, old as Pod),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/**
 * podStrategy.CheckGracefulDelete: the requested period, else spec.terminationGracePeriodSeconds; 0 for a pod
 * that is not bound to a node or already terminated (nobody would finish it); negative becomes 1.
 */
export const podDeleteStrategy: DeleteStrategy = {
  gracePeriod(obj, requested) {
    const pod = obj as Pod;
    let period = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
    if (!pod.spec?.nodeName) period = 0;
    const phase = pod.status?.phase;
    if (phase === 'Failed' || phase === 'Succeeded') period = 0;
    if (period < 0) period = 1;
    return period;
  },
};
