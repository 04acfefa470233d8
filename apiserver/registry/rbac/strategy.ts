import type { KubeObject } from '../../../shared/api/meta.ts';
import {
  defaultRBACObject,
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateClusterRoleUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateRoleUpdate,
} from '../../../shared/api/validation/rbac.ts';
import type { FieldError } from '../../../shared/errors/status-error.ts';
import type { CreateStrategy, UpdateStrategy } from '../rest/strategy.ts';

/**
 * pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/strategy.go: no status, create on update
 * and unconditional updates allowed (kubectl auth reconcile and the bootstrap reconciler rely on both).
 */
function rbacStrategy(validate: (o: KubeObject) => FieldError[], validateUpdate: (o: KubeObject, old: KubeObject) => FieldError[]): CreateStrategy & UpdateStrategy {
  return {
    prepareForCreate: (obj) => defaultRBACObject(obj),
    validate,
    prepareForUpdate: (obj) => defaultRBACObject(obj),
    validateUpdate,
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
  };
}

export const roleStrategy = rbacStrategy(validateRole, validateRoleUpdate);
export const clusterRoleStrategy = rbacStrategy(validateClusterRole, validateClusterRoleUpdate);
export const roleBindingStrategy = rbacStrategy(validateRoleBinding, validateRoleBindingUpdate);
export const clusterRoleBindingStrategy = rbacStrategy(validateClusterRoleBinding, validateClusterRoleBindingUpdate);
