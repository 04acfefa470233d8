import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Pod, PodCondition } from '../../../../shared/api/core-v1.ts';
import { newConflict, newInvalid, StatusError } from '../../../../shared/errors/status-error.ts';
import { validateBinding } from '../../../../shared/api/validation/binding.ts';
import type { GenericStore } from '../../generic/store.ts';
import { rfc3339 } from '../../generic/store.ts';

/**
 * pods/binding (pkg/registry/core/pod/storage BindingREST.assignPod): sets spec.nodeName once and adds
 * PodScheduled=True, in one CAS. Refused with 409 when the pod is already bound or being deleted.
 */
export async function bindPod(
  pods: GenericStore,
  namespace: string,
  binding: KubeObject,
  opts: { dryRun?: boolean; now: number },
): Promise<KubeObject> {
  const name = binding.metadata?.name ?? '';
  const errs = validateBinding(binding);
  if (errs.length) throw newInvalid('Binding', name, errs);
  const target = binding.target as { name: string };
  const uid = binding.metadata?.uid;
  return pods.updateRaw(
    namespace,
    name,
    (cur) => {
      const pod = cur as Pod;
      if (uid && pod.metadata.uid !== uid) {
        throw new StatusError({ ...newConflict('pods', name, '').status, message: `Operation cannot be fulfilled on pods "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid ?? ''}` });
      }
      if (pod.metadata.deletionTimestamp) throw newConflict('pods', name, `pod ${name} is being deleted, cannot be assigned to a host`);
      if (pod.spec?.nodeName) throw newConflict('pods', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      pod.spec.nodeName = target.name;
      const annotations = binding.metadata?.annotations;
      if (annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
      const status = (pod.status ??= {});
      const conditions: PodCondition[] = (status.conditions ??= []);
      const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(opts.now) };
      const i = conditions.findIndex((c) => c.type === 'PodScheduled');
      if (i >= 0) {
        const prev = conditions[i] as PodCondition;
        conditions[i] = prev.status === 'True' ? { ...prev, reason: undefined, message: undefined } : scheduled;
        const c = conditions[i] as PodCondition;
        if (c.reason === undefined) delete c.reason;
        if (c.message === undefined) delete c.message;
      } else {
        conditions.push(scheduled);
      }
      return pod;
    },
    { dryRun: opts.dryRun },
  );
}

/** The Status a successful binding answers with (201). */
export function bindingSuccess(): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}
