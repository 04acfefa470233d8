import type { Namespace } from '../../../../shared/api/core-v1.ts';
import { defaultNamespace } from '../../../../shared/api/defaults/namespace.ts';
import { validateNamespace, validateNamespaceFinalizeUpdate, validateNamespaceStatusUpdate, validateNamespaceUpdate } from '../../../../shared/api/validation/namespace.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';
import { keepStatus, resetObjectMetaForStatus } from '../../generic/reset-meta.ts';

/**
 * pkg/registry/core/namespace/strategy.go: a new namespace is Active with the `kubernetes` finalizer; the main
 * resource cannot change status or spec.finalizers (only /finalize can).
 */
export const namespaceStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate(obj) {
    const ns = obj as Namespace;
    defaultNamespace(ns);
    ns.status = { phase: 'Active' };
    const finalizers = [...(ns.spec?.finalizers ?? [])];
    if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
    ns.spec = { ...(ns.spec ?? {}), finalizers };
  },
  validate: (obj) => validateNamespace(obj as Namespace),
  prepareForUpdate(obj, old) {
    keepStatus(obj, old);
    const ns = obj as Namespace;
    ns.spec = { ...(ns.spec ?? {}), finalizers: (old as Namespace).spec?.finalizers ?? [] };
    if (ns.spec.finalizers?.length === 0) delete ns.spec.finalizers;
  },
  validateUpdate: (obj, old) => validateNamespaceUpdate(obj as Namespace, old as Namespace),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

export const namespaceStatusStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    obj.spec = old.spec;
    resetObjectMetaForStatus(obj, old);
  },
  validateUpdate: (obj, old) => validateNamespaceStatusUpdate(obj as Namespace, old as Namespace),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};

/** namespaces/finalize: writes only spec.finalizers. */
export const namespaceFinalizeStrategy: UpdateStrategy = {
  prepareForUpdate(obj, old) {
    const finalizers = (obj as Namespace).spec?.finalizers;
    obj.status = old.status;
    obj.spec = { ...((old as Namespace).spec ?? {}), finalizers: finalizers ?? [] };
    resetObjectMetaForStatus(obj, old);
  },
  validateUpdate: (obj, old) => validateNamespaceFinalizeUpdate(obj as Namespace, old as Namespace),
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
