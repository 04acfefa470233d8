/**
 * ClusterRole aggregation (kube-controller-manager pkg/controller/clusterroleaggregation): a ClusterRole with
 * an `aggregationRule` gets as `rules` the union of the rules of every other ClusterRole matching any of its
 * clusterRoleSelectors (in name order, duplicates dropped). Any ClusterRole change requeues every aggregated
 * role; the write is a merge patch of `rules` only when they differ.
 */
import type { KubeObject } from '../../shared/api/meta.ts';
import type { ClusterRole, PolicyRule } from '../../shared/api/rbac-v1.ts';
import { labelSelectorFromMeta, matches } from '../../shared/api/labels.ts';
import type { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import type { ResourceDescriptor } from '../../shared/client/interfaces.ts';
import { isNotFound } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { Controller } from '../framework/controller.ts';

export const clusterRolesResource: ResourceDescriptor = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false };

export interface ClusterRoleAggregationControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  clock?: Clock;
  log?: Logger;
}

/** A rule's identity: two rules with the same verbs, groups, resources, names and URLs are the same rule. */
const ruleKey = (r: PolicyRule): string => JSON.stringify([r.verbs ?? [], r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);

/** The rules an aggregated role should have, given every ClusterRole (pure; exported for tests). */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) => {
    try {
      return labelSelectorFromMeta(s);
    } catch {
      return undefined;
    }
  });
  const matched = all
    .filter((c) => c.metadata.name !== role.metadata.name && selectors.some((s) => s !== undefined && matches(s, c.metadata.labels)))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const c of matched) {
    for (const r of c.rules ?? []) {
      const k = ruleKey(r);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}

/** The rules compared as a list of rule keys (a key is JSON, so it has no newline). */
const normalize = (rules: readonly PolicyRule[] | null | undefined): string => (rules ?? []).map(ruleKey).join('\n');

export class ClusterRoleAggregationController {
  readonly #clientset: Clientset;
  readonly #informer: SharedIndexInformer<ClusterRole>;
  readonly #controller: Controller;
  readonly #log: Logger;

  constructor(options: ClusterRoleAggregationControllerOptions) {
    this.#clientset = options.clientset;
    this.#log = (options.log ?? rootLog).with({ controller: 'clusterrole-aggregation' });
    this.#informer = options.informerFactory.informerFor<ClusterRole>(clusterRolesResource);
    this.#controller = new Controller({
      name: 'clusterrole-aggregation',
      reconciler: { reconcile: (key, signal) => this.#reconcile(key, signal) },
      clock: options.clock ?? realClock,
      ...(options.log ? { log: options.log } : {}),
    });
    const enqueueAll = () => {
      for (const c of this.#informer.lister.list()) if (c.aggregationRule) this.#controller.enqueue(c.metadata.name ?? '');
    };
    this.#informer.addEventHandler({ onAdd: enqueueAll, onUpdate: enqueueAll, onDelete: enqueueAll });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.#controller.run(signal, { hasSynced: [() => this.#informer.hasSynced()] });
  }

  async #reconcile(name: string, signal: AbortSignal): Promise<void> {
    const role = this.#informer.lister.get(name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.#informer.lister.list());
    if (normalize(rules) === normalize(role.rules)) return;
    try {
      await this.#clientset
        .resource<KubeObject>(clusterRolesResource)
        .patch('', name, 'application/merge-patch+json', { rules }, { signal });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    this.#log.info('Aggregated ClusterRole rules', { name, rules: rules.length });
  }
}
