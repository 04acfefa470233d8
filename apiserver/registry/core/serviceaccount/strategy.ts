import type { KubeObject } from '../../../../shared/api/meta.ts';
import type { ServiceAccount } from '../../../../shared/api/core-v1.ts';
import { validateServiceAccount, validateServiceAccountUpdate } from '../../../../shared/api/validation/secret.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/** The deprecated annotation that limited a pod's secrets to the ServiceAccount's list. */
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

/** cleanSecretReferences: a secret reference keeps only its name. */
function cleanSecretReferences(obj: KubeObject): void {
  const sa = obj as ServiceAccount;
  if (Array.isArray(sa.secrets)) sa.secrets = sa.secrets.map((s) => (s && typeof s === 'object' && s.name !== undefined ? { name: s.name } : {}));
}

/** warnIfHasEnforceMountableSecretsAnnotation: only when the write newly sets the annotation. */
function warnings(obj: KubeObject, old?: KubeObject): string[] {
  if (old?.metadata.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION] !== undefined) return [];
  return obj.metadata.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION] !== undefined
    ? [`metadata.annotations[${ENFORCE_MOUNTABLE_SECRETS_ANNOTATION}]: deprecated in v1.32+; prefer separate namespaces to isolate access to mounted secrets`]
    : [];
}

/** pkg/registry/core/serviceaccount/strategy.go. */
export const serviceAccountStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate: cleanSecretReferences,
  validate: validateServiceAccount,
  warningsOnCreate: (obj) => warnings(obj),
  prepareForUpdate: (obj) => cleanSecretReferences(obj),
  validateUpdate: validateServiceAccountUpdate,
  warningsOnUpdate: (obj, old) => warnings(obj, old),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
