import type { KubeObject } from '../../../shared/api/meta.ts';
import type { FieldError } from '../../../shared/errors/status-error.ts';
import type { UserInfo } from '../../authentication/user-info.ts';

/**
 * Per-resource behaviour, in the fixed order prepare -> validate -> canonicalize (k8s.io/apiserver
 * pkg/registry/rest/create.go BeforeCreate, update.go BeforeUpdate). The status subresource is a second
 * strategy object, not a flag.
 */
export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower case: `pods`. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

/**
 * What a strategy may know of the request (upstream reads it from the request context): who writes (CSRs
 * record the requester) and the store clock's now (condition timestamps).
 */
export interface StrategyContext {
  user?: UserInfo;
  /** Milliseconds since the epoch. */
  now: number;
}

export interface CreateStrategy {
  /** Clears fields the client may not set on create (status for most kinds), sets defaults. Mutates obj. */
  prepareForCreate(obj: KubeObject, ctx?: StrategyContext): void;
  /**
   * Mutating admission for creates (DefaultTolerationSeconds, Priority), run after managedFields are
   * recorded and before validation, as kube-apiserver does: what admission adds has no field manager.
   * May throw a StatusError. Optional.
   */
  admit?(obj: KubeObject): void;
  /** Validation of a new object (metadata included). */
  validate(obj: KubeObject): FieldError[];
  /** Normalizes after validation (e.g. sorts). Optional. */
  canonicalize?(obj: KubeObject): void;
  /** Warnings to return in Warning headers. Optional. */
  warningsOnCreate?(obj: KubeObject): string[];
  /**
   * The kind tracks metadata.generation (upstream's PrepareForCreate sets it to 1 and PrepareForUpdate bumps it
   * when the spec changes: CRDs, custom resources, Deployments, ReplicaSets, ...). Unset for kinds that leave it
   * alone (pods, nodes, namespaces, services, configmaps, secrets, leases, events, RBAC, CSRs in 1.32): the
   * store then neither sets nor bumps it, and an update keeps the stored value.
   */
  tracksGeneration?: boolean;
}

export interface UpdateStrategy {
  /** Copies fields this endpoint may not change from old (status for the main resource, spec for /status). */
  prepareForUpdate(obj: KubeObject, old: KubeObject, ctx?: StrategyContext): void;
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  canonicalize?(obj: KubeObject): void;
  /** PUT/PATCH of a missing object creates it (leases, events do; pods do not). */
  allowCreateOnUpdate: boolean;
  /** PUT without metadata.resourceVersion is accepted (last write wins). */
  allowUnconditionalUpdate: boolean;
  warningsOnUpdate?(obj: KubeObject, old: KubeObject): string[];
}

export interface DeleteStrategy {
  /**
   * Graceful deletion: returns the grace period to apply (seconds), or 0 to delete at once. Called with the
   * requested period (undefined when the client gave none). Kinds without graceful deletion return 0.
   */
  gracePeriod(obj: KubeObject, requested: number | undefined): number;
  /**
   * The policy applied to dependents when a DELETE names none (rest.GarbageCollectionDeleteStrategy's
   * DefaultGarbageCollectionPolicy). Absent: DeleteDependents.
   */
  defaultGarbageCollectionPolicy?(): GarbageCollectionPolicy;
  /** Warnings for a DELETE that names no propagation policy (batch/v1 Jobs warn that pods are orphaned). Optional. */
  warningsOnDefaultPropagation?(): string[];
}

/** The field values a field selector can match on (fields.Set), per kind. */
export type FieldsFn = (obj: KubeObject) => Record<string, string>;

export const immediateDelete: DeleteStrategy = { gracePeriod: () => 0 };

/**
 * What a DELETE does to dependents when the client names no policy (rest.GarbageCollectionPolicy):
 * DeleteDependents (the default for every kind that declares nothing) lets the garbage collector delete them
 * in the background; OrphanDependents puts the `orphan` finalizer on the object (batch/v1 Jobs, v1
 * ReplicationControllers, for compatibility); Unsupported ignores propagationPolicy and orphanDependents
 * altogether (events).
 */
export type GarbageCollectionPolicy = 'DeleteDependents' | 'OrphanDependents' | 'Unsupported';

/** A DeleteStrategy that also declares its default GC policy (rest.GarbageCollectionDeleteStrategy). */
export function withGarbageCollectionPolicy(strategy: DeleteStrategy, policy: GarbageCollectionPolicy): DeleteStrategy {
  return { ...strategy, defaultGarbageCollectionPolicy: () => policy };
}
