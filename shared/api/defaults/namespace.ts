/**
 * Namespace defaulting: SetDefaults_Namespace (the kubernetes.io/metadata.name label) and
 * SetDefaults_NamespaceStatus (phase Active), plus the create-time `kubernetes` finalizer of the namespace
 * strategy (pkg/registry/core/namespace/strategy.go PrepareForCreate).
 */
import type { Namespace } from '../core-v1.ts';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Scheme defaults only (safe on update): name label and phase Active when unset. */
export function setNamespaceSchemeDefaults(ns: Namespace): Namespace {
  const name = ns.metadata?.name;
  if (name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels[NAMESPACE_NAME_LABEL] = name;
  }
  ns.spec ??= {};
  ns.status ??= {};
  if (!ns.status.phase) ns.status.phase = 'Active';
  return ns;
}

/** Create-time defaults: scheme defaults plus the `kubernetes` finalizer appended when missing. */
export function defaultNamespace(ns: Namespace): Namespace {
  setNamespaceSchemeDefaults(ns);
  const finalizers = ns.spec!.finalizers ?? [];
  if (!finalizers.includes('kubernetes')) ns.spec!.finalizers = [...finalizers, 'kubernetes'];
  return ns;
}
