import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import { defaultPodSpec } from '../../../../shared/api/defaults/pod.ts';
import { validatePodEphemeralContainersUpdate } from '../../../../shared/api/validation/ephemeral-containers-update.ts';
import type { UpdateStrategy } from '../../rest/strategy.ts';
import { resetObjectMetaForStatus } from '../../generic/reset-meta.ts';

/**
 * pkg/registry/core/pod/strategy.go podEphemeralContainersStrategy, behind `pods/ephemeralcontainers`
 * (GET, PUT, PATCH: storage.go EphemeralContainersREST). dropNonEphemeralContainerUpdates: only
 * spec.ephemeralContainers is taken from the request; the rest of the spec, the status and the metadata a
 * status write keeps come from the stored pod. The new ephemeral containers get the container defaults kube
 * applies when it decodes the body (imagePullPolicy, terminationMessagePath/Policy).
 */
export const podEphemeralContainersStrategy: UpdateStrategy = {
  prepareForUpdate(obj: KubeObject, old: KubeObject) {
    const pod = obj as Pod;
    const stored = old as Pod;
    const ephemeralContainers = pod.spec?.ephemeralContainers;
    const spec = structuredClone(stored.spec ?? { containers: [] });
    if (ephemeralContainers === undefined || ephemeralContainers === null) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = ephemeralContainers;
    defaultPodSpec(spec);
    pod.spec = spec;
    if (stored.status === undefined) delete pod.status;
    else pod.status = stored.status;
    resetObjectMetaForStatus(obj, old);
  },
  validateUpdate: (obj, old) => validatePodEphemeralContainersUpdate(obj, old),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
