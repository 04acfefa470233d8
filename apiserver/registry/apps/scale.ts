/**
 * The `scale` subresource of Deployments, ReplicaSets and StatefulSets (pkg/registry/apps/<kind>/storage ScaleREST):
 * an autoscaling/v1 Scale view of the workload. Reads convert the stored object; writes turn the workload into a
 * Scale, let the request change it (PUT body or patch), validate it, and carry spec.replicas and the
 * resourceVersion precondition back onto the workload, which the workload's own strategy then updates.
 */
import type { Scale } from '../../../shared/api/autoscaling-v1.ts';
import { labelSelectorFromMeta, toString as selectorString, type MetaLabelSelector } from '../../../shared/api/labels.ts';
import { deepCopy, type KubeObject } from '../../../shared/api/meta.ts';
import { validateObjectMeta } from '../../../shared/api/validation/meta.ts';
import { nameIsDNSSubdomain } from '../../../shared/api/validation/names.ts';
import { fieldInvalid, newBadRequest, newInvalid, newNotFound, type FieldError } from '../../../shared/errors/status-error.ts';
import type { GenericStore, UpdateOptions } from '../generic/store.ts';

export const AUTOSCALING_V1 = 'autoscaling/v1';

interface Workload extends KubeObject {
  spec?: { replicas?: number; selector?: MetaLabelSelector };
  status?: { replicas?: number };
}

/** scaleFromDeployment / scaleFromReplicaSet / scaleFromStatefulSet: the same projection for the three kinds. */
export function scaleFromWorkload(obj: KubeObject): Scale {
  const w = obj as Workload;
  let selector: string;
  try {
    selector = selectorString(labelSelectorFromMeta(w.spec?.selector));
  } catch (e) {
    // LabelSelectorAsSelector failed: upstream returns the error (an internal error) from the GET.
    throw newBadRequest(e instanceof Error ? e.message : String(e));
  }
  const m = w.metadata;
  const metadata: Scale['metadata'] = { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
  return {
    kind: 'Scale',
    apiVersion: AUTOSCALING_V1,
    metadata,
    // autoscaling/v1 ScaleSpec.replicas is omitempty: 0 is not written.
    spec: w.spec?.replicas ? { replicas: w.spec.replicas } : {},
    status: { replicas: w.status?.replicas ?? 0, selector },
  };
}

/** autoscaling validation.ValidateScale: metadata (a namespaced DNS subdomain name) and replicas >= 0. */
export function validateScale(scale: Scale): FieldError[] {
  const errs = validateObjectMeta(scale.metadata, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const replicas = scale.spec?.replicas ?? 0;
  if (typeof replicas === 'number' && replicas < 0) errs.push(fieldInvalid('spec.replicas', replicas, 'must be greater than or equal to 0'));
  return errs;
}

/** GET .../<resource>/<name>/scale. */
export async function getScale(store: GenericStore, namespace: string | undefined, name: string): Promise<Scale> {
  return scaleFromWorkload(await store.get(namespace, name));
}

/**
 * PUT/PATCH .../<resource>/<name>/scale: `change` receives the current Scale and returns the requested one
 * (inside the store's CAS loop, so a patch applies to the latest state). Returns the Scale of the stored result.
 */
export async function updateScale(
  store: GenericStore,
  namespace: string | undefined,
  name: string,
  change: (current: Scale) => Scale,
  opts: Omit<UpdateOptions, 'strategy' | 'subresource' | 'forceAllowCreate'>,
): Promise<Scale> {
  const { object } = await store.update(
    namespace,
    name,
    (current) => {
      if (!current) throw newNotFound(store.qualifiedResource, name);
      const scale = change(scaleFromWorkload(current));
      scale.metadata ??= {};
      // The Scale names the workload of the URL (the handler's checkName, before anything else).
      if (scale.metadata.name && scale.metadata.name !== name) {
        throw newBadRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`);
      }
      if (scale.metadata.namespace && namespace && scale.metadata.namespace !== namespace) {
        throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      scale.metadata.namespace = current.metadata.namespace;
      scale.metadata.name = current.metadata.name;
      const errs = validateScale(scale);
      if (errs.length) throw newInvalid('Scale', name, errs, 'autoscaling');
      const next = deepCopy(current) as Workload;
      next.spec = { ...(next.spec ?? {}) };
      // An absent spec.replicas is the int32 zero value: scale to 0, as upstream.
      next.spec.replicas = scale.spec?.replicas ?? 0;
      // The Scale's resourceVersion is the precondition (empty: unconditional, as upstream).
      next.metadata.resourceVersion = scale.metadata.resourceVersion ?? '';
      return next;
    },
    { ...opts, subresource: 'scale' },
  );
  return scaleFromWorkload(object);
}
