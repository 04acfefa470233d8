import { createHash } from 'node:crypto';
import { APPS_RESOURCES } from './apps-resources.ts';
import { DISCOVERY_RESOURCES, ENDPOINTS_RESOURCE } from './discovery-resources.ts';

/**
 * The one list of served resources. Discovery (/api, /apis, /api/v1, /apis/<g>/<v>, aggregated v2), the
 * printers and the HTTP wiring all read this; nothing else describes what the server serves.
 *
 * The shapes follow metav1.APIResource (k8s.io/apimachinery/pkg/apis/meta/v1/types.go) and what
 * kube-apiserver's installer (k8s.io/apiserver/pkg/endpoints/installer.go) reports for each resource: verbs,
 * short names, categories and subresources were checked against a real 1.31 `/api/v1` response and the
 * kubernetes/kubernetes `api/discovery/*.json` golden files.
 */

/** A standard API verb as reported in discovery. */
export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface GroupVersion {
  /** `""` for the legacy core group. */
  group: string;
  version: string;
}

export interface GroupVersionKind extends GroupVersion {
  kind: string;
}

export interface SubresourceEntry {
  /** The path segment after the object name: `status`, `log`, `exec`. */
  name: string;
  /** The kind the endpoint returns (legacy discovery `kind`, aggregated `responseKind.kind`). */
  kind: string;
  /**
   * Set only when the subresource speaks a kind of another group/version than its parent (pods/eviction is
   * policy/v1 Eviction, deployments/scale is autoscaling/v1 Scale). Discovery then reports group/version.
   */
  group?: string;
  version?: string;
  /** Subresources may use non-standard verbs (proxy subresources do), hence string. */
  verbs: readonly string[];
}

export interface ResourceEntry {
  group: string;
  version: string;
  /** Plural, lower case: `pods`. */
  resource: string;
  singularName: string;
  kind: string;
  /** Absent for resources that cannot be listed (the top-level `bindings`). */
  listKind?: string;
  namespaced: boolean;
  /** Sorted, as kube-apiserver reports them. */
  verbs: readonly Verb[];
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly SubresourceEntry[];
  /**
   * base64(sha256("<group>/<version>/<kind>")[:8]) of the storage version, as in
   * k8s.io/apiserver/pkg/endpoints/discovery/storageversionhash.go. Absent for resources without storage.
   */
  storageVersionHash?: string;
}

/** What a definition below specifies; the registry fills in the derived fields. */
export interface ResourceDefinition {
  group: string;
  version: string;
  resource: string;
  singularName: string;
  kind: string;
  listKind?: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames?: readonly string[];
  categories?: readonly string[];
  subresources?: readonly SubresourceEntry[];
  /**
   * The GVK objects are stored as, for the storage version hash. Defaults to the served GVK; `null` means the
   * resource has no storage of its own (bindings), so no hash is reported. events.k8s.io/v1 events, when
   * added, are stored as core v1 Event and share its hash.
   */
  storage?: GroupVersionKind | null;
}

/** storageversionhash.go: the first 8 bytes of sha256 over "group/version/kind", base64. */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** "v1" for the core group, "coordination.k8s.io/v1" otherwise. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

/** The standard verb set of a fully featured storage (create, delete, deletecollection, get, list, patch, update, watch). */
const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** get/patch/update: the verbs of every `status` subresource. */
const STATUS_VERBS = ['get', 'patch', 'update'] as const;
/** The verbs of the connect-style `proxy` subresources (GET/HEAD, POST, PUT, PATCH, DELETE). */
const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'] as const;

/**
 * The resources kubelab serves. Order inside a group/version does not matter (discovery sorts); the order of
 * groups is the order /apis lists them in (kube lists by group priority).
 */
export const BUILTIN_RESOURCES: readonly ResourceDefinition[] = [
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    listKind: 'PodList',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: PROXY_VERBS },
      { name: 'status', kind: 'Pod', verbs: STATUS_VERBS },
    ],
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    singularName: 'node',
    kind: 'Node',
    listKind: 'NodeList',
    namespaced: false,
    verbs: ALL_VERBS,
    shortNames: ['no'],
    subresources: [
      { name: 'proxy', kind: 'NodeProxyOptions', verbs: PROXY_VERBS },
      { name: 'status', kind: 'Node', verbs: STATUS_VERBS },
    ],
  },
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singularName: 'namespace',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    namespaced: false,
    // Namespaces have no deletecollection upstream.
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [
      { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
      { name: 'status', kind: 'Namespace', verbs: STATUS_VERBS },
    ],
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    singularName: 'event',
    kind: 'Event',
    listKind: 'EventList',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['ev'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    singularName: 'service',
    kind: 'Service',
    listKind: 'ServiceList',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [
      { name: 'proxy', kind: 'ServiceProxyOptions', verbs: PROXY_VERBS },
      { name: 'status', kind: 'Service', verbs: STATUS_VERBS },
    ],
  },
  ENDPOINTS_RESOURCE,
  {
    group: '',
    version: 'v1',
    resource: 'secrets',
    singularName: 'secret',
    kind: 'Secret',
    listKind: 'SecretList',
    namespaced: true,
    verbs: ALL_VERBS,
  },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    singularName: 'configmap',
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    singularName: 'serviceaccount',
    kind: 'ServiceAccount',
    listKind: 'ServiceAccountList',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['sa'],
    // TokenRequest (served when the API server has a signing key: apiserver/authentication/token-request.ts).
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  },
  {
    // The top-level binding resource (POST /api/v1/namespaces/{ns}/bindings): create only, no storage hash.
    group: '',
    version: 'v1',
    resource: 'bindings',
    singularName: 'binding',
    kind: 'Binding',
    namespaced: true,
    verbs: ['create'],
    storage: null,
  },
  // apps/v1 (kube-apiserver lists apps right after the core group).
  ...APPS_RESOURCES,
  // authentication.k8s.io/v1 reviews: create only, nothing stored (apiserver/authentication/review-handlers.ts).
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'selfsubjectreviews',
    singularName: 'selfsubjectreview',
    kind: 'SelfSubjectReview',
    namespaced: false,
    verbs: ['create'],
    storage: null,
  },
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'tokenreviews',
    singularName: 'tokenreview',
    kind: 'TokenReview',
    namespaced: false,
    verbs: ['create'],
    storage: null,
  },
  // authorization.k8s.io/v1: the access reviews, create-only and without storage.
  ...(['localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews'] as const).map(
    (resource): ResourceDefinition => {
      const kinds: Record<string, string> = {
        localsubjectaccessreviews: 'LocalSubjectAccessReview',
        selfsubjectaccessreviews: 'SelfSubjectAccessReview',
        selfsubjectrulesreviews: 'SelfSubjectRulesReview',
        subjectaccessreviews: 'SubjectAccessReview',
      };
      return {
        group: 'authorization.k8s.io',
        version: 'v1',
        resource,
        singularName: resource.slice(0, -1),
        kind: kinds[resource] as string,
        namespaced: resource === 'localsubjectaccessreviews',
        verbs: ['create'],
        storage: null,
      };
    },
  ),
  // batch/v1 (kube lists batch after autoscaling, before certificates.k8s.io).
  {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    singularName: 'job',
    kind: 'Job',
    listKind: 'JobList',
    namespaced: true,
    verbs: ALL_VERBS,
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'Job', verbs: STATUS_VERBS }],
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    singularName: 'cronjob',
    kind: 'CronJob',
    listKind: 'CronJobList',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'CronJob', verbs: STATUS_VERBS }],
  },
  {
    // /apis lists groups in kube-apiserver's priority order: certificates.k8s.io before coordination.k8s.io.
    group: 'certificates.k8s.io',
    version: 'v1',
    resource: 'certificatesigningrequests',
    singularName: 'certificatesigningrequest',
    kind: 'CertificateSigningRequest',
    listKind: 'CertificateSigningRequestList',
    namespaced: false,
    verbs: ALL_VERBS,
    shortNames: ['csr'],
    subresources: [
      { name: 'approval', kind: 'CertificateSigningRequest', verbs: STATUS_VERBS },
      { name: 'status', kind: 'CertificateSigningRequest', verbs: STATUS_VERBS },
    ],
  },
  {
    // policy/v1 sits between certificates.k8s.io and rbac.authorization.k8s.io in kube's /apis order.
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    singularName: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    listKind: 'PodDisruptionBudgetList',
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: ['pdb'],
    subresources: [{ name: 'status', kind: 'PodDisruptionBudget', verbs: STATUS_VERBS }],
  },
  // rbac.authorization.k8s.io/v1
  ...(
    [
      ['clusterrolebindings', 'ClusterRoleBinding', false],
      ['clusterroles', 'ClusterRole', false],
      ['rolebindings', 'RoleBinding', true],
      ['roles', 'Role', true],
    ] as const
  ).map(
    ([resource, kind, namespaced]): ResourceDefinition => ({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      resource,
      singularName: resource.slice(0, -1),
      kind,
      listKind: `${kind}List`,
      namespaced,
      verbs: ALL_VERBS,
    }),
  ),
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    singularName: 'lease',
    kind: 'Lease',
    listKind: 'LeaseList',
    namespaced: true,
    verbs: ALL_VERBS,
  },
  ...DISCOVERY_RESOURCES,
];

function sortedCopy<T extends string>(xs: readonly T[]): T[] {
  return [...xs].sort();
}

function toEntry(def: ResourceDefinition): ResourceEntry {
  const storage = def.storage === undefined ? { group: def.group, version: def.version, kind: def.kind } : def.storage;
  const entry: ResourceEntry = {
    group: def.group,
    version: def.version,
    resource: def.resource,
    singularName: def.singularName,
    kind: def.kind,
    namespaced: def.namespaced,
    verbs: sortedCopy(def.verbs),
    shortNames: [...(def.shortNames ?? [])],
    categories: [...(def.categories ?? [])],
    subresources: [...(def.subresources ?? [])]
      .map((s) => ({ ...s, verbs: sortedCopy(s.verbs) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
  if (def.listKind !== undefined) entry.listKind = def.listKind;
  if (storage) entry.storageVersionHash = storageVersionHash(storage.group, storage.version, storage.kind);
  return entry;
}

function gvKey(group: string, version: string): string {
  return `${group}/${version}`;
}

/** A group as /apis lists it: its versions, preferred first. */
export interface GroupInfo {
  name: string;
  /** Versions in preference order; the first is the preferred version. */
  versions: string[];
}

/**
 * Lookups over a fixed list of resources. Build a private one in tests; the server uses `resourceRegistry`.
 */
export class ResourceRegistry {
  readonly entries: readonly ResourceEntry[];
  private readonly byGVR = new Map<string, ResourceEntry>();
  private readonly byGVK = new Map<string, ResourceEntry>();
  private readonly gvOrder: GroupVersion[] = [];

  constructor(definitions: readonly ResourceDefinition[]) {
    const entries: ResourceEntry[] = [];
    for (const def of definitions) {
      const e = toEntry(def);
      const rKey = `${gvKey(e.group, e.version)}/${e.resource}`;
      if (this.byGVR.has(rKey)) throw new Error(`resource registry: duplicate resource ${rKey}`);
      this.byGVR.set(rKey, e);
      const kKey = `${gvKey(e.group, e.version)}/${e.kind}`;
      // A kind served by two resources of one group/version is legal upstream; the first one wins here.
      if (!this.byGVK.has(kKey)) this.byGVK.set(kKey, e);
      if (!this.gvOrder.some((gv) => gv.group === e.group && gv.version === e.version)) {
        this.gvOrder.push({ group: e.group, version: e.version });
      }
      entries.push(e);
    }
    this.entries = entries;
  }

  /** The resource served at /api(s)/<group>/<version>/<resource>, or undefined. */
  lookup(group: string, version: string, resource: string): ResourceEntry | undefined {
    return this.byGVR.get(`${gvKey(group, version)}/${resource}`);
  }

  /** A subresource of a served resource (`pods`, `log`), or undefined. */
  lookupSubresource(group: string, version: string, resource: string, subresource: string): SubresourceEntry | undefined {
    return this.lookup(group, version, resource)?.subresources.find((s) => s.name === subresource);
  }

  /** The resource serving an exact group/version/kind, or undefined. */
  lookupKind(group: string, version: string, kind: string): ResourceEntry | undefined {
    return this.byGVK.get(`${gvKey(group, version)}/${kind}`);
  }

  /** Every resource of a kind across groups and versions, in registry order (`Event` may be core and events.k8s.io). */
  resourcesForKind(kind: string, group?: string): ResourceEntry[] {
    return this.entries.filter((e) => e.kind === kind && (group === undefined || e.group === group));
  }

  /**
   * Resolves what a user may type (plural, singular, short name, case-insensitive) within an optional group,
   * as kubectl's RESTMapper does. Useful for CLIs and tests; the server routes by plural only.
   */
  resolve(name: string, group?: string): ResourceEntry | undefined {
    const n = name.toLowerCase();
    return this.entries.find(
      (e) =>
        (group === undefined || e.group === group) &&
        (e.resource === n || e.singularName === n || e.shortNames.includes(n) || e.kind.toLowerCase() === n),
    );
  }

  /** Every served group/version in registry order; the core group (`""`) first when present. */
  groupVersions(): GroupVersion[] {
    const core = this.gvOrder.filter((gv) => gv.group === '');
    const rest = this.gvOrder.filter((gv) => gv.group !== '');
    return [...core, ...rest].map((gv) => ({ ...gv }));
  }

  /** Resources of one group/version, in registry order (discovery builders sort). */
  resourcesIn(group: string, version: string): ResourceEntry[] {
    return this.entries.filter((e) => e.group === group && e.version === version);
  }

  /** Versions of the legacy core group (served under /api). */
  coreVersions(): string[] {
    return this.gvOrder.filter((gv) => gv.group === '').map((gv) => gv.version);
  }

  /** The named (non-core) groups in /apis order with their versions, preferred first. */
  groups(): GroupInfo[] {
    const out: GroupInfo[] = [];
    for (const gv of this.gvOrder) {
      if (gv.group === '') continue;
      let g = out.find((x) => x.name === gv.group);
      if (!g) {
        g = { name: gv.group, versions: [] };
        out.push(g);
      }
      g.versions.push(gv.version);
    }
    return out;
  }

  /** One named group, or undefined (also for `""`). */
  group(name: string): GroupInfo | undefined {
    return this.groups().find((g) => g.name === name);
  }

  /** True when the group/version is served (core: `("", "v1")`). */
  servesGroupVersion(group: string, version: string): boolean {
    return this.gvOrder.some((gv) => gv.group === group && gv.version === version);
  }
}

/** The registry of everything kubelab serves. */
export const resourceRegistry = new ResourceRegistry(BUILTIN_RESOURCES);
