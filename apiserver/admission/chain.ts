import type { KubeObject } from '../../shared/api/meta.ts';
import { newForbidden, type StatusError } from '../../shared/errors/status-error.ts';
import type { AdmissionAttributes, MutationInterface, ValidationInterface } from './admission.ts';

/** A plugin: mutating, validating, or both (k8s.io/apiserver pkg/admission.Interface). */
export type AdmissionPlugin = Partial<MutationInterface> & Partial<ValidationInterface> & { readonly name: string; handles(a: AdmissionAttributes): boolean };

/**
 * The admission chain (k8s.io/apiserver pkg/admission chainAdmissionHandler): `admit` runs every mutating
 * plugin that handles the request, in order; `validate` runs every validating one. The first refusal (a thrown
 * StatusError) stops the chain and is the request's answer.
 */
export class AdmissionChain {
  readonly plugins: readonly AdmissionPlugin[];
  readonly #mutating: AdmissionPlugin[];
  readonly #validating: AdmissionPlugin[];

  constructor(plugins: readonly AdmissionPlugin[]) {
    this.plugins = plugins;
    this.#mutating = plugins.filter((p) => typeof p.admit === 'function');
    this.#validating = plugins.filter((p) => typeof p.validate === 'function');
  }

  get names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.#mutating) if (p.handles(a)) await p.admit?.(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.#validating) if (p.handles(a)) await p.validate?.(a);
  }
}

/** The qualified resource of the request ("pods", "leases.coordination.k8s.io"). */
export function qualifiedResource(a: AdmissionAttributes): string {
  return a.resource.group ? `${a.resource.resource}.${a.resource.group}` : a.resource.resource;
}

/**
 * admission.NewForbidden: 403 `<resource> "<name>" is forbidden: <message>`. The name is the request's, else
 * the object's generateName (its name is not generated yet when a client sends generateName), else its name.
 */
export function forbidden(a: AdmissionAttributes, message: string): StatusError {
  const meta = (a.object ?? a.oldObject)?.metadata;
  const name = a.name || meta?.generateName || meta?.name || '';
  return newForbidden(qualifiedResource(a), name, message);
}

/** Builds attributes for a write on a store's resource. */
export function attributesFor(
  info: { group: string; version: string; resource: string; kind: string },
  operation: AdmissionAttributes['operation'],
  fields: { namespace?: string; name: string; subresource?: string; object?: KubeObject; oldObject?: KubeObject; user: AdmissionAttributes['user']; dryRun?: boolean; warnings?: string[] },
): AdmissionAttributes {
  return {
    operation,
    kind: { group: info.group, version: info.version, kind: info.kind },
    resource: { group: info.group, version: info.version, resource: info.resource },
    subresource: fields.subresource ?? '',
    namespace: fields.namespace ?? '',
    name: fields.name,
    object: fields.object,
    oldObject: fields.oldObject,
    user: fields.user,
    dryRun: fields.dryRun ?? false,
    warnings: fields.warnings ?? [],
  };
}
