import type { PolicyRule } from '../../../shared/api/rbac-v1.ts';
import { NODES_GROUP, NODE_USER_PREFIX, type UserInfo } from '../../authentication/user-info.ts';
import type { AuthorizationAttributes, AuthorizationResult, Authorizer, RuleResolver } from '../authorizer.ts';
import { nodeRules } from '../rbac/bootstrap-policy.ts';
import { compileRule, ruleAllows, type CompiledRule } from '../rbac/rule-matching.ts';
import type { NodeGraph, VertexType } from './node-graph.ts';
import { fieldSelectorExactMatch } from '../forbidden.ts';

/**
 * The Node authorizer (plugin/pkg/auth/authorizer/node/node_authorizer.go): for `system:node:<name>` in
 * `system:nodes`, secrets, configmaps, persistentvolumeclaims and serviceaccount tokens only when a pod bound
 * to that node references them (NodeGraph); its own Lease in kube-node-lease; everything else by the
 * system:node rules (NodeRules). Never denies outright: NoOpinion (with a reason) lets RBAC decide.
 */

const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** NodeIdentity: the node name of a node user, undefined for anyone else ('' = a node of unknown name). */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  if (!user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

const noOpinion = (reason: string): AuthorizationResult => ({ decision: 'NoOpinion', reason });
const ALLOW: AuthorizationResult = { decision: 'Allow', reason: '' };

export class NodeAuthorizer implements Authorizer, RuleResolver {
  readonly #graph: NodeGraph;
  readonly #rules: readonly CompiledRule[];

  constructor(graph: NodeGraph, rules: PolicyRule[] = nodeRules()) {
    this.#graph = graph;
    this.#rules = rules.map(compileRule);
  }

  authorize(attrs: AuthorizationAttributes): AuthorizationResult {
    const nodeName = nodeIdentity(attrs.user);
    if (nodeName === undefined) return noOpinion('');
    if (nodeName === '') return noOpinion(`unknown node for user ${JSON.stringify(attrs.user.name)}`);
    if (attrs.isResourceRequest) {
      const gr = `${attrs.apiGroup}/${attrs.resource}`;
      switch (gr) {
        case '/secrets':
          return this.#readNamespaced(nodeName, 'secret', attrs);
        case '/configmaps':
          return this.#readNamespaced(nodeName, 'configmap', attrs);
        case '/persistentvolumeclaims':
          if (attrs.subresource === 'status') return this.#statusUpdate(nodeName, 'pvc', attrs);
          return this.#get(nodeName, 'pvc', attrs);
        case '/serviceaccounts':
          return this.#serviceAccount(nodeName, attrs);
        case 'coordination.k8s.io/leases':
          return this.#lease(nodeName, attrs);
        case '/pods':
          return this.#pod(nodeName, attrs);
        case '/nodes':
          return this.#node(nodeName, attrs);
      }
    }
    for (const r of this.#rules) if (ruleAllows(attrs, r)) return ALLOW;
    return noOpinion('');
  }

  #path(nodeName: string, type: VertexType, attrs: AuthorizationAttributes): AuthorizationResult {
    if (!attrs.name) return noOpinion('No Object name found');
    if (this.#graph.hasPathFrom(nodeName, type, attrs.namespace, attrs.name)) return ALLOW;
    return noOpinion(`no relationship found between node '${nodeName}' and this object`);
  }

  #readNamespaced(nodeName: string, type: VertexType, attrs: AuthorizationAttributes): AuthorizationResult {
    if (attrs.verb !== 'get' && attrs.verb !== 'list' && attrs.verb !== 'watch') return noOpinion('can only read resources of this type');
    if (attrs.subresource) return noOpinion('cannot read subresource');
    if (!attrs.namespace) return noOpinion('can only read namespaced object of this type');
    return this.#path(nodeName, type, attrs);
  }

  #get(nodeName: string, type: VertexType, attrs: AuthorizationAttributes): AuthorizationResult {
    if (attrs.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (attrs.subresource) return noOpinion('cannot get subresource');
    return this.#path(nodeName, type, attrs);
  }

  #statusUpdate(nodeName: string, type: VertexType, attrs: AuthorizationAttributes): AuthorizationResult {
    if (attrs.verb !== 'update' && attrs.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    if (attrs.subresource !== 'status') return noOpinion('can only update status subresource');
    return this.#path(nodeName, type, attrs);
  }

  /** The pods' ServiceAccounts: `get` them and `create` their tokens. */
  #serviceAccount(nodeName: string, attrs: AuthorizationAttributes): AuthorizationResult {
    if (attrs.verb === 'get' && !attrs.subresource) return this.#path(nodeName, 'serviceaccount', attrs);
    if (attrs.verb !== 'create' || !attrs.name) return noOpinion('can only create tokens for individual service accounts');
    if (attrs.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.#path(nodeName, 'serviceaccount', attrs);
  }

  /**
   * authorizePod (AuthorizeNodeWithSelectors, on by default since 1.32): get a pod bound to the node; list/watch
   * only with `spec.nodeName=<node>` (or one pod by name); create/delete (mirror pods) and status/eviction writes
   * (NodeRestriction narrows them); nothing else.
   */
  #pod(nodeName: string, attrs: AuthorizationAttributes): AuthorizationResult {
    switch (attrs.subresource) {
      case '':
        switch (attrs.verb) {
          case 'get':
            return this.#podOnNode(nodeName, attrs);
          case 'list':
          case 'watch':
            if (fieldSelectorExactMatch(attrs.fieldSelector, 'spec.nodeName') === nodeName) return ALLOW;
            if (attrs.name) return this.#podOnNode(nodeName, attrs);
            return noOpinion('can only list/watch pods with spec.nodeName field selector');
          case 'create':
          case 'delete':
            return ALLOW;
        }
        break;
      case 'status':
        if (attrs.verb === 'update' || attrs.verb === 'patch') return ALLOW;
        break;
      case 'eviction':
        if (attrs.verb === 'create') return ALLOW;
        break;
    }
    return noOpinion('');
  }

  #podOnNode(nodeName: string, attrs: AuthorizationAttributes): AuthorizationResult {
    if (!attrs.name || !attrs.namespace) return noOpinion('No Object name found');
    if (this.#graph.podOnNode(nodeName, attrs.namespace, attrs.name)) return ALLOW;
    return noOpinion(`no relationship found between node '${nodeName}' and this object`);
  }

  /** authorizeNode: its own Node object to read (by name, even before it exists), writes left to NodeRestriction. */
  #node(nodeName: string, attrs: AuthorizationAttributes): AuthorizationResult {
    if (attrs.subresource === '') {
      switch (attrs.verb) {
        case 'create':
        case 'update':
        case 'patch':
          return ALLOW;
        case 'get':
        case 'list':
        case 'watch':
          if (attrs.name === nodeName) return ALLOW;
          if (!attrs.name) return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
          return noOpinion(`node '${nodeName}' cannot read '${attrs.name}', only its own Node object`);
      }
    } else if (attrs.subresource === 'status' && (attrs.verb === 'update' || attrs.verb === 'patch')) {
      return ALLOW;
    }
    return noOpinion('');
  }

  #lease(nodeName: string, attrs: AuthorizationAttributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (attrs.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    if (attrs.verb !== 'create' && attrs.name !== nodeName) return noOpinion('can only access node lease with the same name as the requesting node');
    return ALLOW;
  }

  /** Nodes' permissions are not enumerable (they depend on the graph). */
  async rulesFor(user: UserInfo): ReturnType<RuleResolver['rulesFor']> {
    if (nodeIdentity(user) !== undefined) {
      return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
    }
    return { resourceRules: [], nonResourceRules: [], incomplete: false };
  }
}
