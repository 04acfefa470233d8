import type { KubeObject } from '../../../shared/api/meta.ts';
import type { ClusterRoleBinding, PolicyRule, RoleBinding, RoleRef, Subject } from '../../../shared/api/rbac-v1.ts';
import type { Clock } from '../../../shared/util/clock.ts';
import { realClock } from '../../../shared/util/clock.ts';
import { log } from '../../../shared/util/log.ts';
import { SERVICE_ACCOUNT_USERNAME_PREFIX, type UserInfo } from '../../authentication/user-info.ts';
import type { WatchSource } from '../../endpoints/request-context.ts';
import { compileRule, type CompiledRule } from './rule-matching.ts';

/**
 * In-memory RBAC state, indexed for decisions (the informer-backed listers of kube's RBAC authorizer,
 * pkg/registry/rbac/validation/rule.go DefaultRuleResolver, without its full scans):
 *
 *   roles:        namespace -> name -> compiled rules
 *   clusterRoles: name -> compiled rules
 *   bindings:     subject key -> bindings naming that subject (cluster-wide, and per namespace)
 *
 * A subject key is `u:<user>` or `g:<group>`; a ServiceAccount subject is indexed as the user name it
 * authenticates as (`u:system:serviceaccount:<ns>:<name>`, the namespace defaulting to the RoleBinding's), which
 * is what serviceaccount.MatchesUsername compares. A decision looks up the user's key and one key per group:
 * it never walks bindings that do not name the requester.
 *
 * Fed by the registry's watch caches (start()), or directly with apply() (tests).
 */

export type RBACKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

export interface CompiledRole {
  readonly rules: readonly PolicyRule[];
  readonly compiled: readonly CompiledRule[];
}

export interface BindingEntry {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  readonly name: string;
  /** '' for ClusterRoleBindings. */
  readonly namespace: string;
  readonly roleRef: RoleRef;
  readonly subjects: readonly Subject[];
  readonly keys: readonly string[];
}

/** A rule together with where it came from (for `RBAC: allowed by ...` reasons). */
export type RuleVisitor = (source: BindingEntry | undefined, rule: CompiledRule | undefined, err: string | undefined) => boolean;

const userKey = (name: string): string => `u:${name}`;
const groupKey = (name: string): string => `g:${name}`;

/** The subject keys a binding's subject is found under (none for an unusable subject). */
export function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return userKey(s.name);
    case 'Group':
      return groupKey(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      if (!ns) return undefined;
      return userKey(`${SERVICE_ACCOUNT_USERNAME_PREFIX}${ns}:${s.name}`);
    }
    default:
      return undefined;
  }
}

/** The keys a user is found under: its name and each of its groups. */
export function userKeys(user: UserInfo): string[] {
  const keys = [userKey(user.name)];
  for (const g of user.groups) keys.push(groupKey(g));
  return keys;
}

/** appliesToUser for one subject (used to name the subject in reasons). */
export function subjectAppliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  const key = subjectKey(s, bindingNamespace);
  return key !== undefined && (key === userKey(user.name) || user.groups.some((g) => key === groupKey(g)));
}

function addTo<K, V>(m: Map<string, Map<K, V>>, outer: string, k: K, v: V): void {
  let inner = m.get(outer);
  if (!inner) {
    inner = new Map();
    m.set(outer, inner);
  }
  inner.set(k, v);
}

function removeFrom<K, V>(m: Map<string, Map<K, V>>, outer: string, k: K): void {
  const inner = m.get(outer);
  if (!inner) return;
  inner.delete(k);
  if (inner.size === 0) m.delete(outer);
}

const KEY_ROOTS: Record<RBACKind, string> = {
  Role: '/roles/',
  ClusterRole: '/clusterroles/',
  RoleBinding: '/rolebindings/',
  ClusterRoleBinding: '/clusterrolebindings/',
};

export class RBACIndex {
  readonly #clusterRoles = new Map<string, CompiledRole>();
  /** namespace -> name -> role */
  readonly #roles = new Map<string, Map<string, CompiledRole>>();
  readonly #clusterBindings = new Map<string, BindingEntry>();
  /** subject key -> binding name -> binding */
  readonly #clusterBySubject = new Map<string, Map<string, BindingEntry>>();
  /** `ns/name` -> binding */
  readonly #roleBindings = new Map<string, BindingEntry>();
  /** namespace -> subject key -> binding name -> binding */
  readonly #roleBySubject = new Map<string, Map<string, Map<string, BindingEntry>>>();
  /** Every object by kind and key (the state a re-list replaces). */
  readonly #objects: Record<RBACKind, Map<string, KubeObject>> = { Role: new Map(), ClusterRole: new Map(), RoleBinding: new Map(), ClusterRoleBinding: new Map() };
  readonly #listeners = new Set<() => void>();
  #stop = new AbortController();

  // ---- reads ----

  clusterRole(name: string): CompiledRole | undefined {
    return this.#clusterRoles.get(name);
  }

  role(namespace: string, name: string): CompiledRole | undefined {
    return this.#roles.get(namespace)?.get(name);
  }

  /** Every ClusterRole object (the aggregation controller and tests read them). */
  clusterRoleObjects(): KubeObject[] {
    return [...this.#objects.ClusterRole.values()];
  }

  /** GetRoleReferenceRules: the referenced role's rules, or kube's lister error. */
  roleRefRules(ref: RoleRef, bindingNamespace: string): { role?: CompiledRole; err?: string } {
    if (ref.kind === 'ClusterRole') {
      const r = this.#clusterRoles.get(ref.name);
      return r ? { role: r } : { err: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    if (ref.kind === 'Role') {
      const r = bindingNamespace ? this.role(bindingNamespace, ref.name) : undefined;
      return r ? { role: r } : { err: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    return { err: `unsupported role reference kind: "${ref.kind}"` };
  }

  /**
   * VisitRulesFor: the rules of every ClusterRoleBinding naming the user, then (namespace given) of every
   * RoleBinding in that namespace naming it; the visitor returns false to stop.
   */
  visitRulesFor(user: UserInfo, namespace: string, visitor: RuleVisitor): void {
    const keys = userKeys(user);
    const seen = keys.length > 1 ? new Set<BindingEntry>() : undefined;
    for (const key of keys) {
      const bindings = this.#clusterBySubject.get(key);
      if (!bindings) continue;
      for (const b of bindings.values()) {
        if (!this.#visitBinding(b, '', seen, visitor)) return;
      }
    }
    if (!namespace) return;
    const nsIndex = this.#roleBySubject.get(namespace);
    if (!nsIndex) return;
    for (const key of keys) {
      const bindings = nsIndex.get(key);
      if (!bindings) continue;
      for (const b of bindings.values()) {
        if (!this.#visitBinding(b, namespace, seen, visitor)) return;
      }
    }
  }

  #visitBinding(b: BindingEntry, namespace: string, seen: Set<BindingEntry> | undefined, visitor: RuleVisitor): boolean {
    if (seen) {
      if (seen.has(b)) return true;
      seen.add(b);
    }
    const { role, err } = this.roleRefRules(b.roleRef, namespace);
    if (!role) return visitor(undefined, undefined, err);
    for (const r of role.compiled) if (!visitor(b, r, undefined)) return false;
    return true;
  }

  /** RulesFor: every rule that applies to the user in the namespace, and the resolution errors. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_s, rule, err) => {
      if (rule) rules.push(rule.rule);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }

  // ---- writes ----

  /** Applies one watch event (ADDED/MODIFIED set the object, DELETED removes it). */
  apply(kind: RBACKind, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    const key = kind === 'Role' || kind === 'RoleBinding' ? `${ns}/${name}` : name;
    this.#remove(kind, key);
    if (type !== 'DELETED') this.#add(kind, key, obj);
    for (const l of this.#listeners) l();
  }

  /** Replaces every object of one kind (a fresh list after a watch restart). */
  replace(kind: RBACKind, objects: KubeObject[]): void {
    for (const key of [...this.#objects[kind].keys()]) this.#remove(kind, key);
    for (const o of objects) {
      const ns = o.metadata.namespace ?? '';
      const name = o.metadata.name ?? '';
      this.#add(kind, kind === 'Role' || kind === 'RoleBinding' ? `${ns}/${name}` : name, o);
    }
    for (const l of this.#listeners) l();
  }

  /** Called after every change (the aggregation controller and the node graph do not need it; tests may). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #add(kind: RBACKind, key: string, obj: KubeObject): void {
    this.#objects[kind].set(key, obj);
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    switch (kind) {
      case 'ClusterRole':
      case 'Role': {
        const rules = ((obj as { rules?: PolicyRule[] | null }).rules ?? []).filter((r): r is PolicyRule => !!r && typeof r === 'object');
        const role: CompiledRole = { rules, compiled: rules.map(compileRule) };
        if (kind === 'ClusterRole') this.#clusterRoles.set(name, role);
        else addTo(this.#roles, ns, name, role);
        return;
      }
      case 'ClusterRoleBinding':
      case 'RoleBinding': {
        const b = obj as RoleBinding | ClusterRoleBinding;
        const bindingNs = kind === 'RoleBinding' ? ns : '';
        const subjects = (b.subjects ?? []).filter((s): s is Subject => !!s && typeof s === 'object');
        const keys = [...new Set(subjects.map((s) => subjectKey(s, bindingNs)).filter((k): k is string => k !== undefined))];
        const entry: BindingEntry = { kind, name, namespace: bindingNs, roleRef: b.roleRef ?? { apiGroup: '', kind: '', name: '' }, subjects, keys };
        if (kind === 'ClusterRoleBinding') {
          this.#clusterBindings.set(name, entry);
          for (const k of keys) addTo(this.#clusterBySubject, k, name, entry);
        } else {
          this.#roleBindings.set(key, entry);
          let nsIndex = this.#roleBySubject.get(ns);
          if (!nsIndex) {
            nsIndex = new Map();
            this.#roleBySubject.set(ns, nsIndex);
          }
          for (const k of keys) addTo(nsIndex, k, name, entry);
        }
        return;
      }
    }
  }

  #remove(kind: RBACKind, key: string): void {
    const obj = this.#objects[kind].get(key);
    if (!obj) return;
    this.#objects[kind].delete(key);
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    switch (kind) {
      case 'ClusterRole':
        this.#clusterRoles.delete(name);
        return;
      case 'Role':
        removeFrom(this.#roles, ns, name);
        return;
      case 'ClusterRoleBinding': {
        const entry = this.#clusterBindings.get(name);
        this.#clusterBindings.delete(name);
        for (const k of entry?.keys ?? []) removeFrom(this.#clusterBySubject, k, name);
        return;
      }
      case 'RoleBinding': {
        const entry = this.#roleBindings.get(key);
        this.#roleBindings.delete(key);
        const nsIndex = this.#roleBySubject.get(ns);
        if (!nsIndex) return;
        for (const k of entry?.keys ?? []) removeFrom(nsIndex, k, name);
        if (nsIndex.size === 0) this.#roleBySubject.delete(ns);
        return;
      }
    }
  }

  // ---- feeding from the watch caches ----

  /**
   * Follows the four RBAC watch caches; resolves once each has delivered its initial state. A watcher that
   * ends (slow, cache reset) is re-opened and its kind re-listed from the initial events.
   */
  start(sources: Record<RBACKind, WatchSource>, clock: Clock = realClock): Promise<void> {
    const signal = this.#stop.signal;
    const synced = (Object.keys(KEY_ROOTS) as RBACKind[]).map(
      (kind) =>
        new Promise<void>((resolve) => {
          void this.#follow(kind, sources[kind], signal, clock, resolve);
        }),
    );
    return Promise.all(synced).then(() => undefined);
  }

  async #follow(kind: RBACKind, source: WatchSource, signal: AbortSignal, clock: Clock, onSynced: () => void): Promise<void> {
    while (!signal.aborted) {
      try {
        const w = await source.watchCached({ prefix: KEY_ROOTS[kind], revision: 'latest', sendInitialEvents: true, bookmarks: true, signal });
        let initial: KubeObject[] | undefined = [];
        for await (const ev of w) {
          if (ev.type === 'BOOKMARK') {
            if (initial && ev.value.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true') {
              this.replace(kind, initial);
              initial = undefined;
              onSynced();
            }
            continue;
          }
          if (initial) {
            if (ev.type !== 'DELETED') initial.push(ev.value.object);
            continue;
          }
          this.apply(kind, ev.type, ev.value.object);
        }
      } catch (e) {
        if (signal.aborted) return;
        log.warn('RBAC index: watch failed, restarting', { kind, error: String(e) });
      }
      if (signal.aborted) return;
      await clock.sleep(100, signal).catch(() => undefined);
    }
  }

  stop(): void {
    this.#stop.abort();
    this.#stop = new AbortController();
  }
}
