import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import type { Registry } from '../registry/registry.ts';
import type { GenericStore } from '../registry/generic/store.ts';
import type { Authorizer as ServerAuthorizer } from '../server/server.ts';
import type { Authorizer, RuleResolver } from './authorizer.ts';
import { requestAuthorizer } from './forbidden.ts';
import { NodeAuthorizer } from './node/node-authorizer.ts';
import { NodeGraph } from './node/node-graph.ts';
import { reconcileBootstrapPolicy } from './rbac/bootstrap-reconciler.ts';
import { RBACAuthorizer } from './rbac/rbac-authorizer.ts';
import { RBACIndex } from './rbac/rbac-index.ts';
import {
  alwaysAllowAuthorizer,
  alwaysDenyAuthorizer,
  privilegedGroupAuthorizer,
  UnionAuthorizer,
  UnionRuleResolver,
  type AuthorizationMode,
} from './union.ts';

/**
 * Builds the authorization of a running registry (kube-apiserver's BuildAuthorizer + the RBAC post-start
 * hook): reconciles the bootstrap policy, fills the RBAC index and the node graph from the watch caches, and
 * returns the chain `system:masters, <modes in order>` plus what the server and registry need from it.
 */
export interface ServerAuthorization {
  /** The whole chain (privileged group first). */
  authorizer: Authorizer;
  ruleResolver: RuleResolver;
  /** The server's `authorize` option; undefined when every request is allowed anyway (AlwaysAllow alone). */
  authorize: ServerAuthorizer | undefined;
  index: RBACIndex;
  stop(): void;
}

const RBAC_GROUP_VERSION = ['rbac.authorization.k8s.io', 'v1'] as const;

function rbacStore(registry: Registry, resource: string): GenericStore {
  const s = registry.stores.get(resource);
  if (!s) throw new Error(`${resource} not served`);
  return s;
}

export async function setupAuthorization(registry: Registry, modes: readonly AuthorizationMode[], clock: Clock = realClock): Promise<ServerAuthorization> {
  await reconcileBootstrapPolicy({
    roles: rbacStore(registry, 'roles'),
    clusterRoles: rbacStore(registry, 'clusterroles'),
    roleBindings: rbacStore(registry, 'rolebindings'),
    clusterRoleBindings: rbacStore(registry, 'clusterrolebindings'),
  });
  const source = (resource: string) => {
    const served = registry.lookup(RBAC_GROUP_VERSION[0], RBAC_GROUP_VERSION[1], resource);
    if (!served) throw new Error(`${resource} not served`);
    return served.watch;
  };
  const index = new RBACIndex();
  const graph = new NodeGraph();
  const pods = registry.lookup('', 'v1', 'pods');
  if (!pods) throw new Error('pods not served');
  await Promise.all([
    index.start({ Role: source('roles'), ClusterRole: source('clusterroles'), RoleBinding: source('rolebindings'), ClusterRoleBinding: source('clusterrolebindings') }, clock),
    modes.includes('Node') ? graph.start(pods.watch, clock) : Promise.resolve(),
  ]);
  const authorizers: Authorizer[] = [privilegedGroupAuthorizer];
  const resolvers: RuleResolver[] = [];
  for (const m of modes) {
    switch (m) {
      case 'AlwaysAllow':
        authorizers.push(alwaysAllowAuthorizer);
        resolvers.push(alwaysAllowAuthorizer);
        break;
      case 'AlwaysDeny':
        authorizers.push(alwaysDenyAuthorizer);
        resolvers.push(alwaysDenyAuthorizer);
        break;
      case 'Node': {
        const n = new NodeAuthorizer(graph);
        authorizers.push(n);
        resolvers.push(n);
        break;
      }
      case 'RBAC': {
        const r = new RBACAuthorizer(index);
        authorizers.push(r);
        resolvers.push(r);
        break;
      }
    }
  }
  const authorizer = new UnionAuthorizer(authorizers);
  const ruleResolver = new UnionRuleResolver(resolvers);
  registry.authorization.escalation.authorizer = authorizer;
  registry.authorization.escalation.rulesFor = (user, namespace) => index.rulesFor(user, namespace);
  registry.authorization.escalation.roleRefRules = (ref, namespace) => {
    const { role, err } = index.roleRefRules(ref, namespace);
    return role ? { rules: role.rules } : { err };
  };
  registry.authorization.reviews = { authorizer, ruleResolver };
  const onlyAllow = modes.length === 1 && modes[0] === 'AlwaysAllow';
  return {
    authorizer,
    ruleResolver,
    authorize: onlyAllow ? undefined : requestAuthorizer(authorizer),
    index,
    stop() {
      index.stop();
      graph.stop();
    },
  };
}
