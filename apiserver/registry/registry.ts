import type { KubeObject } from '../../shared/api/meta.ts';
import type { Namespace } from '../../shared/api/core-v1.ts';
import { newMethodNotAllowed } from '../../shared/errors/status-error.ts';
import type { Clock } from '../../shared/util/clock.ts';
import { isStorageError } from '../storage/errors.ts';
import type { Storage } from '../storage/interfaces.ts';
import { Cacher } from '../storage/cacher/cacher.ts';
import { fieldsFor } from '../../shared/api/fields.ts';
import type { ServedResource, SubresourceHandler } from '../endpoints/request-context.ts';
import { handleUpdate, readObject } from '../endpoints/handlers/crud.ts';
import { writeObject } from '../endpoints/handlers/response.ts';
import { scaleHandler } from '../endpoints/handlers/scale.ts';
import { parseDryRun } from '../endpoints/request-context.ts';
import { GenericStore, type CacheReader } from './generic/store.ts';
import type { CreateStrategy, DeleteStrategy, ResourceInfo, UpdateStrategy } from './rest/strategy.ts';
import { immediateDelete, withGarbageCollectionPolicy } from './rest/strategy.ts';
import { podDeleteStrategy, podStatusStrategy, podStrategy } from './core/pod/strategy.ts';
import { podEphemeralContainersStrategy } from './core/pod/ephemeral-containers-strategy.ts';
import { bindPod, bindingSuccess } from './core/pod/binding.ts';
import { podLogHandler } from './core/pod/log.ts';
import { evictPod } from './core/pod/eviction.ts';
import { evictionHandler } from '../endpoints/handlers/eviction.ts';
import type { KubeletClientTLS } from './core/pod/proxy-node.ts';
import { podStreamUpgrade, requireUpgrade } from './core/pod/exec.ts';
import { installProxySubresources } from '../endpoints/handlers/proxy.ts';
import type { ObjectGetter } from './core/service/proxy-location.ts';
import { podPortForwardUpgrade } from './core/pod/portforward.ts';
import { nodeStatusStrategy, nodeStrategy } from './core/node/strategy.ts';
import { namespaceFinalizeStrategy, namespaceStatusStrategy, namespaceStrategy } from './core/namespace/strategy.ts';
import { NamespaceLifecycle, namespaceChecker, validateNamespaceDelete, SYSTEM_NAMESPACES } from './core/namespace/namespace-lifecycle.ts';
import { eventStrategy } from './core/event/strategy.ts';
import { serviceStatusStrategy, serviceStrategy } from './core/service/strategy.ts';
import { ServiceAllocators, serviceStoreHooks, type ServiceAllocatorsOptions } from './core/service/service-allocators.ts';
import { ServiceAllocationRepair } from './core/service/allocation-repair.ts';
import { endpointsStrategy } from './core/endpoints/strategy.ts';
import { endpointSliceStrategy } from './discovery/endpointslice/strategy.ts';
import { ensureKubernetesServiceTargetPort } from './core/service/kubernetes-service-port.ts';
import { leaseStrategy } from './coordination/lease/strategy.ts';
import { jobDeleteStrategy, jobStatusStrategy, jobStrategy } from './batch/job/strategy.ts';
import { cronJobStatusStrategy, cronJobStrategy } from './batch/cronjob/strategy.ts';
import { secretStrategy } from './core/secret/strategy.ts';
import { configMapStrategy } from './core/configmap/strategy.ts';
import { serviceAccountStrategy } from './core/serviceaccount/strategy.ts';
import {
  certificateSigningRequestApprovalStrategy,
  certificateSigningRequestStatusStrategy,
  certificateSigningRequestStrategy,
} from './certificates/certificatesigningrequest/strategy.ts';
import { podDisruptionBudgetStatusStrategy, podDisruptionBudgetStrategy } from './policy/poddisruptionbudget/strategy.ts';
import { clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleStrategy } from './rbac/strategy.ts';
import { PolicyBasedStore, type EscalationDeps, type RBACKindName } from './rbac/policy-based-store.ts';
import { accessReviewHandler } from '../endpoints/handlers/access-review.ts';
import type { ReviewDeps, ReviewKind } from '../authorization/access-review.ts';
import { resourceRegistry } from './resource-registry.ts';
import { APPS_SPECS } from './apps/apps-specs.ts';
import { updateManagedFields } from '../fieldmanager/field-manager.ts';
import type { StoreAdmission, WriteContext } from './generic/store.ts';
import type { AdmissionLookups } from '../admission/lookups.ts';
import { registryLookups } from '../admission/registry-lookups.ts';
import { attributesFor } from '../admission/chain.ts';

/**
 * managedFields for every non-apply write (create, update, patch; server-side apply records its own): the
 * writer becomes owner of the fields it set or changed, after defaulting, as kube's FieldManager does.
 */
function recordManagedFields(obj: KubeObject, old: KubeObject | null, ctx: WriteContext, info: ResourceInfo, clock: Clock): void {
  if (ctx.operation === 'Apply' || !ctx.fieldManager) return;
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  const updated = updateManagedFields(old, obj, ctx.fieldManager, 'Update', ctx.subresource, new Date(clock.now()), { apiVersion, kind: info.kind });
  if (updated.metadata.managedFields && updated.metadata.managedFields.length > 0) obj.metadata.managedFields = updated.metadata.managedFields;
  else delete obj.metadata.managedFields;
}

export interface RegistryOptions {
  /**
   * Builds the admission chain the stores run (apiserver/admission/admission-plugins.ts), given lookups over
   * this registry's own stores. None: no admission plugins (NamespaceLifecycle and the strategies' admit
   * steps still apply).
   */
  admission?: (lookups: AdmissionLookups) => StoreAdmission;
  /** See RegistryAuthorization; a fresh empty one by default (filled in by setupAuthorization). */
  authorization?: RegistryAuthorization;
  /** The `kubernetes` Service's targetPort: the API servers' --advertise-port (default 6443). */
  kubernetesServiceTargetPort?: number;
  /** --service-cluster-ip-range, --service-node-port-range (kube's defaults when absent); repair interval. */
  services?: Omit<ServiceAllocatorsOptions, 'storage'> & { repairIntervalMs?: number };
}

export interface ResourceSpec {
  group: string;
  version: string;
  resource: string;
  keyRoot: string;
  strategy: CreateStrategy & UpdateStrategy;
  statusStrategy?: UpdateStrategy;
  /** Other get/update/patch subresources with their own strategy (certificatesigningrequests/approval). */
  subresourceStrategies?: Record<string, UpdateStrategy>;
  deleteStrategy?: DeleteStrategy;
  /** DELETE answers with the removed object instead of a Status (ReturnDeletedObject). */
  returnDeletedObject?: boolean;
  /** RBAC kinds get the escalation-checking store. */
  rbacKind?: RBACKindName;
  /** Serves the `scale` subresource (autoscaling/v1 Scale over spec.replicas): deployments, replicasets, statefulsets. */
  scalable?: boolean;
}

/**
 * What the registry needs from authorization, filled in by the composition root once the authorizers exist
 * (they are built over this registry's watch caches): escalation checks for RBAC writes, and the authorizer and
 * rule resolver the access reviews answer with. Empty: no checks, reviews allow everything (loopback dev server).
 */
export interface RegistryAuthorization {
  escalation: EscalationDeps;
  reviews?: ReviewDeps;
}

const SPECS: ResourceSpec[] = [
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    keyRoot: '/pods',
    strategy: podStrategy,
    statusStrategy: podStatusStrategy,
    subresourceStrategies: { ephemeralcontainers: podEphemeralContainersStrategy },
    deleteStrategy: podDeleteStrategy,
    returnDeletedObject: true,
  },
  { group: '', version: 'v1', resource: 'nodes', keyRoot: '/minions', strategy: nodeStrategy, statusStrategy: nodeStatusStrategy },
  { group: '', version: 'v1', resource: 'namespaces', keyRoot: '/namespaces', strategy: namespaceStrategy, statusStrategy: namespaceStatusStrategy },
  { group: '', version: 'v1', resource: 'events', keyRoot: '/events', strategy: eventStrategy, deleteStrategy: withGarbageCollectionPolicy(immediateDelete, 'Unsupported') },
  { group: '', version: 'v1', resource: 'services', keyRoot: '/services/specs', strategy: serviceStrategy, statusStrategy: serviceStatusStrategy, returnDeletedObject: true },
  { group: '', version: 'v1', resource: 'endpoints', keyRoot: '/services/endpoints', strategy: endpointsStrategy },
  { group: '', version: 'v1', resource: 'secrets', keyRoot: '/secrets', strategy: secretStrategy },
  { group: '', version: 'v1', resource: 'configmaps', keyRoot: '/configmaps', strategy: configMapStrategy },
  { group: '', version: 'v1', resource: 'serviceaccounts', keyRoot: '/serviceaccounts', strategy: serviceAccountStrategy, returnDeletedObject: true },
  ...APPS_SPECS,
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', keyRoot: '/leases', strategy: leaseStrategy },
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', keyRoot: '/endpointslices', strategy: endpointSliceStrategy },
  { group: 'batch', version: 'v1', resource: 'jobs', keyRoot: '/jobs', strategy: jobStrategy, statusStrategy: jobStatusStrategy, deleteStrategy: jobDeleteStrategy },
  { group: 'batch', version: 'v1', resource: 'cronjobs', keyRoot: '/cronjobs', strategy: cronJobStrategy, statusStrategy: cronJobStatusStrategy },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    resource: 'certificatesigningrequests',
    keyRoot: '/certificatesigningrequests',
    strategy: certificateSigningRequestStrategy,
    statusStrategy: certificateSigningRequestStatusStrategy,
    subresourceStrategies: { approval: certificateSigningRequestApprovalStrategy },
  },
  { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', keyRoot: '/poddisruptionbudgets', strategy: podDisruptionBudgetStrategy, statusStrategy: podDisruptionBudgetStatusStrategy },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', keyRoot: '/roles', strategy: roleStrategy, rbacKind: 'Role' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', keyRoot: '/clusterroles', strategy: clusterRoleStrategy, rbacKind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', keyRoot: '/rolebindings', strategy: roleBindingStrategy, rbacKind: 'RoleBinding' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', keyRoot: '/clusterrolebindings', strategy: clusterRoleBindingStrategy, rbacKind: 'ClusterRoleBinding' },
];

const ACCESS_REVIEWS: [string, ReviewKind][] = [
  ['subjectaccessreviews', 'SubjectAccessReview'],
  ['localsubjectaccessreviews', 'LocalSubjectAccessReview'],
  ['selfsubjectaccessreviews', 'SelfSubjectAccessReview'],
  ['selfsubjectrulesreviews', 'SelfSubjectRulesReview'],
];

/**
 * Everything the apiserver serves, built over one Storage: per resource a Cacher (watch cache) and a
 * GenericStore with its strategies; subresources; the namespace lifecycle. Keys follow kube-apiserver's
 * layout (`/pods/<ns>/<name>`, `/minions/<name>`, ...) under the backend's own prefix.
 */
export class Registry {
  readonly #served = new Map<string, ServedResource>();
  readonly #cachers: Cacher[] = [];
  readonly stores = new Map<string, GenericStore>();
  readonly #lifecycle: NamespaceLifecycle;
  readonly #clock: Clock;
  readonly #storage: Storage;
  readonly #kubernetesServiceTargetPort: number;
  /** ClusterIP and NodePort allocation (core/service/service-allocators.ts) and its repair loops. */
  readonly serviceAllocators: ServiceAllocators;
  readonly #serviceRepair: ServiceAllocationRepair;
  #ready = false;
  #stopWatching: AbortController = new AbortController();

  /** Filled in by the composition root (see RegistryAuthorization). */
  readonly authorization: RegistryAuthorization;

  constructor(storage: Storage, clock: Clock, options: RegistryOptions = {}) {
    this.#clock = clock;
    this.#storage = storage;
    this.#kubernetesServiceTargetPort = options.kubernetesServiceTargetPort ?? 6443;
    this.authorization = options.authorization ?? { escalation: {} };
    this.serviceAllocators = new ServiceAllocators({ storage, ...options.services });
    // The chain is built once the stores exist (its lookups read them); stores call it through this proxy.
    let chain: StoreAdmission | undefined;
    const admission: StoreAdmission | undefined = options.admission
      ? { admit: async (a) => chain?.admit(a), validate: async (a) => chain?.validate(a) }
      : undefined;
    this.admission = admission;
    const byResource = new Map<string, { store: GenericStore; cacher: Cacher; spec: ResourceSpec }>();
    let namespaceCacher: Cacher | undefined;
    let namespaceStore: GenericStore | undefined;
    const lookupNamespace = async (name: string): Promise<Namespace | null> => {
      if (namespaceCacher) {
        const cached = await namespaceCacher.listFromCache('/namespaces/', { predicate: (a) => a.fields['metadata.name'] === name });
        const hit = cached.items[0];
        if (hit) return hit as Namespace;
      }
      try {
        return (await storage.get(`/namespaces/${name}`)) as Namespace;
      } catch (e) {
        if (isStorageError(e, 'KeyNotFound')) return null;
        throw e;
      }
    };
    const checkNamespace = namespaceChecker(lookupNamespace);
    for (const spec of SPECS) {
      const entry = resourceRegistry.lookup(spec.group, spec.version, spec.resource);
      if (!entry) throw new Error(`resource ${spec.resource} is not in the resource registry`);
      const info: ResourceInfo = { group: spec.group, version: spec.version, resource: spec.resource, kind: entry.kind, namespaced: entry.namespaced };
      const cacher = new Cacher({
        storage,
        resourcePrefix: `${spec.keyRoot}/`,
        clock,
        attrs: (o) => ({ labels: o.metadata.labels, fields: fieldsFor(spec.resource, o) }),
        bookmarkTypeMeta: { kind: entry.kind, apiVersion: spec.group ? `${spec.group}/${spec.version}` : spec.version },
      });
      const cache: CacheReader = {
        listFromCache: (prefix, o) => cacher.listFromCache(prefix, o),
        currentCacheRevision: () => cacher.currentCacheRevision(),
      };
      const isNamespaces = spec.resource === 'namespaces';
      const storeOptions = {
        info,
        storage,
        cache,
        keyRoot: spec.keyRoot,
        createStrategy: spec.strategy,
        updateStrategy: spec.strategy,
        deleteStrategy: spec.deleteStrategy ?? immediateDelete,
        returnDeletedObject: spec.returnDeletedObject ?? false,
        checkNamespace: info.namespaced ? checkNamespace : undefined,
        clock,
        admission,
        onWrite: (obj: KubeObject, old: KubeObject | null, ctx: WriteContext) => recordManagedFields(obj, old, ctx, info, clock),
        ...(isNamespaces
          ? {
              holdsDeletion: (o: KubeObject) => ((o as Namespace).spec?.finalizers?.length ?? 0) > 0,
              onDeleting: (o: KubeObject) => {
                (o as Namespace).status = { ...((o as Namespace).status ?? {}), phase: 'Terminating' };
              },
              validateDelete: validateNamespaceDelete,
            }
          : {}),
        ...(spec.resource === 'services' ? serviceStoreHooks(this.serviceAllocators) : {}),
      };
      const store = spec.rbacKind ? new PolicyBasedStore(storeOptions, spec.rbacKind, this.authorization.escalation) : new GenericStore(storeOptions);
      if (isNamespaces) {
        namespaceCacher = cacher;
        namespaceStore = store;
      }
      this.#cachers.push(cacher);
      this.stores.set(spec.resource, store);
      byResource.set(spec.resource, { store, cacher, spec });
      this.#served.set(`${spec.group}/${spec.version}/${spec.resource}`, {
        store,
        statusStrategy: spec.statusStrategy,
        ...(spec.subresourceStrategies ? { updateSubresources: spec.subresourceStrategies } : {}),
        watch: cacher,
        subresources: spec.scalable ? { scale: scaleHandler() } : {},
      });
    }
    chain = options.admission?.(registryLookups(this.stores));
    const pods = byResource.get('pods');
    if (!pods || !namespaceStore) throw new Error('pods and namespaces must be served');
    const podStore = pods.store;
    const bindingHandler: SubresourceHandler = async (ctx) => {
      if (ctx.info.verb !== 'create') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
      const binding = await readObject(ctx, 'Binding');
      if (ctx.info.name) binding.metadata.name ??= ctx.info.name;
      if (ctx.info.name && binding.metadata.name !== ctx.info.name) {
        binding.metadata.name = ctx.info.name;
      }
      const dryRun = parseDryRun(ctx.query);
      if (admission) {
        // pods/binding (and the top-level bindings resource) go through admission like any create.
        const viaPods = ctx.info.resource === 'pods';
        const attrs = attributesFor({ group: '', version: 'v1', resource: viaPods ? 'pods' : 'bindings', kind: 'Binding' }, 'CREATE', {
          namespace: ctx.info.namespace,
          name: binding.metadata.name ?? '',
          subresource: viaPods ? 'binding' : '',
          object: binding,
          user: ctx.user,
          dryRun,
        });
        await admission.admit(attrs);
        await admission.validate(attrs);
      }
      await bindPod(podStore, ctx.info.namespace, binding, { dryRun, now: this.#clock.now() });
      writeObject(ctx.res, 201, bindingSuccess(), 'format' in ctx.output ? ctx.output.format : undefined);
    };
    const podsServed = this.#served.get('/v1/pods');
    if (podsServed?.subresources) podsServed.subresources['binding'] = bindingHandler;
    // pods/eviction: delete unless a PodDisruptionBudget forbids it (core/pod/eviction.ts).
    const pdbStore = byResource.get('poddisruptionbudgets')?.store;
    if (podsServed?.subresources && pdbStore) {
      const deps = { pods: podStore, podStatusStrategy, podDisruptionBudgets: pdbStore, podDisruptionBudgetStatusStrategy, clock };
      podsServed.subresources['eviction'] = evictionHandler((ns, name, eviction, o) => evictPod(deps, ns, name, eviction, o), () => this.admission);
    }
    // pods/log, pods/exec, pods/attach: proxied to the node agent (core/pod/log.ts, exec.ts).
    const nodesStore = byResource.get('nodes')?.store;
    if (podsServed?.subresources && nodesStore) {
      const proxyDeps = { pods: podStore, nodes: nodesStore, kubeletTLS: () => this.kubeletTLS };
      podsServed.subresources['log'] = podLogHandler(proxyDeps);
      podsServed.upgrades = { exec: podStreamUpgrade(proxyDeps, 'exec'), attach: podStreamUpgrade(proxyDeps, 'attach') };
      for (const kind of ['exec', 'attach'] as const) podsServed.subresources[kind] = requireUpgrade(podsServed.upgrades[kind]);
      // pods/portforward: spliced (or SPDY-in-WebSocket tunnelled) to the agent's /portForward (core/pod/portforward.ts).
      podsServed.upgrades['portforward'] = podPortForwardUpgrade(proxyDeps);
      podsServed.subresources['portforward'] = requireUpgrade(podsServed.upgrades['portforward']);
    }
    // pods/proxy, services/proxy, nodes/proxy (endpoints/handlers/proxy.ts).
    if (nodesStore) {
      const endpoints = () => this.serviceProxyEndpoints ?? this.stores.get('endpoints');
      const proxyDeps = { pods: podStore, nodes: nodesStore, services: byResource.get('services')?.store, endpoints, kubeletTLS: () => this.kubeletTLS, allowLoopback: () => this.proxyAllowsLoopback };
      installProxySubresources((g, v, r) => this.lookup(g, v, r), proxyDeps);
    }
    // The top-level `bindings` resource: POST /api/v1/namespaces/{ns}/bindings.
    this.#served.set('/v1/bindings', {
      store: new GenericStore({
        info: { group: '', version: 'v1', resource: 'bindings', kind: 'Binding', namespaced: true },
        storage,
        keyRoot: '/bindings',
        createStrategy: podStrategy,
        updateStrategy: podStrategy,
        deleteStrategy: immediateDelete,
      }),
      watch: pods.cacher,
      verbs: { create: bindingHandler },
    });
    // authorization.k8s.io/v1 access reviews: create only, nothing stored.
    for (const [resource, kind] of ACCESS_REVIEWS) {
      this.#served.set(`authorization.k8s.io/v1/${resource}`, {
        store: new GenericStore({
          info: { group: 'authorization.k8s.io', version: 'v1', resource, kind, namespaced: resource === 'localsubjectaccessreviews' },
          storage,
          keyRoot: `/${resource}`,
          createStrategy: podStrategy,
          updateStrategy: podStrategy,
          deleteStrategy: immediateDelete,
        }),
        watch: pods.cacher,
        verbs: { create: accessReviewHandler(kind, () => this.authorization.reviews) },
      });
    }
    const nsServed = this.#served.get('/v1/namespaces');
    if (nsServed?.subresources) {
      nsServed.subresources['finalize'] = async (ctx) => {
        if (ctx.info.verb !== 'update') throw newMethodNotAllowed('the server does not allow this method on the requested resource');
        await handleUpdate(ctx, namespaceFinalizeStrategy);
      };
    }
    const content = [...byResource.values()].filter((r) => r.store.info.namespaced).map((r) => r.store);
    this.#lifecycle = new NamespaceLifecycle({ namespaces: namespaceStore, content, clock });
    this.#serviceRepair = new ServiceAllocationRepair({
      allocators: this.serviceAllocators,
      storage,
      events: this.stores.get('events'),
      clock,
      intervalMs: options.services?.repairIntervalMs,
    });
  }

  /**
   * Serves a create-only resource without storage (TokenReview, SelfSubjectReview: `verbs: { create }`, as
   * the top-level `bindings`). The store only describes the resource (scope, kind); nothing is written.
   */
  serveCreateOnly(info: ResourceInfo, create: SubresourceHandler): void {
    const store = new GenericStore({
      info,
      storage: this.#storage,
      keyRoot: `/${info.resource}`,
      createStrategy: podStrategy,
      updateStrategy: podStrategy,
      deleteStrategy: immediateDelete,
    });
    const noWatch = { watchCached: () => Promise.reject(newMethodNotAllowed('the server does not allow this method on the requested resource')) };
    this.#served.set(`${info.group}/${info.version}/${info.resource}`, { store, watch: noWatch, verbs: { create } });
  }

  /** The admission chain the stores run, for handlers that write outside a store (serviceaccounts/token). */
  readonly admission: StoreAdmission | undefined;

  /** Adds a subresource handler (serviceaccounts/token); false when the resource is not served. */
  addSubresource(group: string, version: string, resource: string, name: string, handler: SubresourceHandler): boolean {
    const served = this.#served.get(`${group}/${version}/${resource}`);
    if (!served) return false;
    served.subresources = { ...(served.subresources ?? {}), [name]: handler };
    return true;
  }

  /** How pods/log, exec and attach reach node agents (--kubelet-client-*; absent: plain HTTP). */
  kubeletTLS: KubeletClientTLS | undefined;

  /** Tests only: pods/proxy also reaches loopback pod IPs (kube answers `address not allowed`). */
  proxyAllowsLoopback = false;

  /** Tests only: where services/proxy reads Endpoints instead of the `endpoints` store. */
  serviceProxyEndpoints: ObjectGetter | undefined;

  lookup(group: string, version: string, resource: string): ServedResource | undefined {
    return this.#served.get(`${group}/${version}/${resource}`);
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Fills every watch cache, creates the system namespaces, starts the namespace lifecycle. */
  async start(): Promise<void> {
    await Promise.all(this.#cachers.map((c) => c.start()));
    const namespaces = this.stores.get('namespaces');
    if (!namespaces) throw new Error('namespaces not served');
    for (const name of SYSTEM_NAMESPACES) {
      try {
        await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch (e) {
        if (!(e instanceof Error && (e as { status?: { reason?: string } }).status?.reason === 'AlreadyExists')) throw e;
      }
    }
    // Values held by Services stored without an allocation record are recorded before anything allocates.
    await this.#serviceRepair.runOnce();
    await this.#ensureKubernetesService();
    this.#serviceRepair.start();
    this.#watchNamespaces();
    this.#lifecycle.kick();
    this.#ready = true;
  }

  /** The `kubernetes` Service with the first address of --service-cluster-ip-range (another API server may win the race). */
  async #ensureKubernetesService(): Promise<void> {
    const services = this.stores.get('services');
    if (!services) return;
    const exists = () => services.get('default', 'kubernetes').then(() => true, () => false);
    // Another API server (or an earlier run) made it: only its target port is ours to set.
    if (await exists()) return ensureKubernetesServiceTargetPort(services, this.#kubernetesServiceTargetPort);
    const ip = this.serviceAllocators.apiServerServiceIP;
    try {
      await services.create('default', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: this.#kubernetesServiceTargetPort }] },
      });
    } catch (e) {
      if (!(await exists())) throw e;
      await ensureKubernetesServiceTargetPort(services, this.#kubernetesServiceTargetPort);
    }
  }

  /** Namespace changes drive the namespace lifecycle (level-based; it also resyncs while any terminates). */
  #watchNamespaces(): void {
    const served = this.#served.get('/v1/namespaces');
    if (!served) return;
    const signal = this.#stopWatching.signal;
    void (async () => {
      while (!signal.aborted) {
        try {
          const w = await served.watch.watchCached({ prefix: '/namespaces/', revision: 0, sendInitialEvents: false, signal });
          for await (const _ of w) this.#lifecycle.kick();
        } catch {
          if (signal.aborted) return;
          await this.#clock.sleep(1000, signal).catch(() => undefined);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#serviceRepair.stop();
    this.#stopWatching.abort();
    this.#lifecycle.stop();
    for (const c of this.#cachers) c.stop();
  }
}

/** The resources served through SPECS with their create strategy (tests hold shared tables such as shared/api/generation.ts to them). */
export function servedStrategies(): { group: string; resource: string; strategy: CreateStrategy }[] {
  return SPECS.map((s) => ({ group: s.group, resource: s.resource, strategy: s.strategy }));
}
