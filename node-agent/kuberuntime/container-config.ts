/**
 * CRI configs for a pod's sandbox and containers (kubelet kuberuntime_sandbox.go generatePodSandboxConfig,
 * kuberuntime_container.go generateContainerConfig, kubelet_pods.go makeEnvironmentVariables / makeMounts,
 * third_party/forked/golang/expansion for `$(VAR)`).
 */
import type { ConfigMap, Container, EnvVar, Pod, Secret, VolumeMount } from '../../shared/api/core-v1.ts';
import { metadataFieldPathValue } from '../../shared/api/field-path.ts';
import { parseQuantityExact, quantityToNumber } from '../../shared/api/quantity.ts';
import { getOptional, type PodObjectGetter } from '../configmap-secret/object-manager.ts';
import type { ContainerConfig, DnsConfig, KeyValue, Mount, MountPropagation, NamespaceOption, PodSandboxConfig, PortMapping } from '../cri/services.ts';
import { newContainerAnnotations, newContainerLabels, newPodAnnotations, newPodLabels } from './labels.ts';
import { containerResources } from './resources.ts';

/** A problem in the pod spec that stops a container from being created (CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/**
 * Namespace modes of the pod (kuberuntime namespacesForPod): hostNetwork/hostIPC/hostPID give the node's
 * (NODE), shareProcessNamespace one pid namespace for the pod (POD), else each container its own (CONTAINER).
 */
export function namespacesForPod(pod: Pod): NamespaceOption {
  return {
    network: pod.spec.hostNetwork ? 'NODE' : 'POD',
    pid: pod.spec.hostPID ? 'NODE' : pod.spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: pod.spec.hostIPC ? 'NODE' : 'POD',
  };
}

/**
 * A container's namespaces (generateLinuxContainerConfig): the pod's, except that an ephemeral container
 * with a target (`targetId`: the target container's runtime id) joins the target's pid namespace (TARGET)
 * when the pod would give it a pid namespace of its own; with hostPID or shareProcessNamespace it already
 * sees the target's processes and keeps the pod's mode.
 */
export function namespacesForContainer(pod: Pod, targetId?: string): NamespaceOption {
  const ns = namespacesForPod(pod);
  if (targetId && ns.pid === 'CONTAINER') {
    ns.pid = 'TARGET';
    ns.targetId = targetId;
  }
  return ns;
}

/** The pod's hostname (kubelet GeneratePodHostNameAndDomain): spec.hostname or the pod name, <= 63 chars. */
export function podHostname(pod: Pod, nodeHostname: string): string {
  if (pod.spec.hostNetwork) return nodeHostname;
  const h = pod.spec.hostname || pod.metadata.name || '';
  return h.length <= 63 ? h : h.slice(0, 63).replace(/[-.]+$/, '');
}

export interface SandboxConfigOptions {
  attempt: number;
  logDirectory: string;
  cgroupParent: string;
  nodeHostname: string;
  /** The resolver settings (DnsConfigurer.getPodDNS); absent: only dnsPolicy None's dnsConfig is passed. */
  dnsConfig?: DnsConfig;
  /** --cluster-domain, for the pod's domain (spec.subdomain) and setHostnameAsFQDN. @default '' */
  clusterDomain?: string;
}

/** GeneratePodHostNameAndDomain's domain: `<subdomain>.<ns>.svc.<cluster domain>` when both are set, else ''. */
export function podDomain(pod: Pod, clusterDomain: string): string {
  if (!pod.spec.subdomain || !clusterDomain) return '';
  return `${pod.spec.subdomain}.${pod.metadata.namespace ?? ''}.svc.${clusterDomain}`;
}

/**
 * GetNodenameForKernel: the sandbox hostname, the FQDN with setHostnameAsFQDN and a domain; at most 64
 * characters (the kernel's limit) or a ContainerConfigError with kubelet's message.
 */
export function kernelHostname(pod: Pod, nodeHostname: string, clusterDomain: string): string {
  const host = podHostname(pod, nodeHostname);
  const domain = podDomain(pod, clusterDomain);
  if (!pod.spec.setHostnameAsFQDN || !domain) return host;
  const fqdn = `${host}.${domain}`;
  if (fqdn.length > 64) throw new ContainerConfigError(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (64 characters is the max, ${fqdn.length} characters requested)`);
  return fqdn;
}

export function generatePodSandboxConfig(pod: Pod, o: SandboxConfigOptions): PodSandboxConfig {
  const ports: PortMapping[] = [];
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const m: PortMapping = { protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort };
      if (p.hostIP) m.hostIp = p.hostIP;
      ports.push(m);
    }
  }
  const sc = pod.spec.securityContext;
  const privileged = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) => c.securityContext?.privileged);
  const config: PodSandboxConfig = {
    metadata: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', namespace: pod.metadata.namespace ?? '', attempt: o.attempt },
    // Host-network pods keep the node's UTS namespace: runc refuses a hostname without a private one.
    hostname: pod.spec.hostNetwork ? '' : kernelHostname(pod, o.nodeHostname, o.clusterDomain ?? ''),
    logDirectory: o.logDirectory,
    labels: newPodLabels(pod),
    annotations: newPodAnnotations(pod),
    linux: {
      cgroupParent: o.cgroupParent,
      securityContext: {
        namespaceOptions: namespacesForPod(pod),
        ...(sc?.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
        ...(sc?.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
        ...(sc?.supplementalGroups?.length ? { supplementalGroups: [...sc.supplementalGroups] } : {}),
        ...(privileged ? { privileged: true } : {}),
      },
      ...(sc?.sysctls?.length ? { sysctls: Object.fromEntries(sc.sysctls.map((s) => [s.name, s.value])) } : {}),
    },
  };
  if (ports.length) config.portMappings = ports;
  if (o.dnsConfig) config.dnsConfig = o.dnsConfig;
  else if (pod.spec.dnsPolicy === 'None' && pod.spec.dnsConfig) {
    const d = pod.spec.dnsConfig;
    config.dnsConfig = {
      servers: [...(d.nameservers ?? [])],
      searches: [...(d.searches ?? [])],
      options: (d.options ?? []).map((x) => (x.value !== undefined ? `${x.name}:${x.value}` : (x.name ?? ''))),
    };
  }
  return config;
}

/**
 * `$(VAR)` expansion (expansion.Expand): a defined VAR is replaced, `$$` gives a literal `$`, and anything
 * else (undefined names, unclosed references) is left as written.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const v = lookup(name);
      out += v !== undefined ? v : `$(${name})`;
      i = end;
      continue;
    }
    out += ch;
  }
  return out;
}

export interface EnvContext {
  nodeName: string;
  hostIP: string;
  podIPs: string[];
  /** Node allocatable (defaults for resourceFieldRef limits). */
  allocatable: { cpu: number; memory: number };
}

function fieldRefValue(pod: Pod, path: string, ctx: EnvContext): string {
  const meta = metadataFieldPathValue(pod.metadata, path);
  if (meta !== undefined) return meta;
  switch (path) {
    case 'spec.nodeName':
      return pod.spec.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
      return ctx.hostIP;
    case 'status.hostIPs':
      return ctx.hostIP;
    case 'status.podIP':
      return ctx.podIPs[0] ?? '';
    case 'status.podIPs':
      return ctx.podIPs.join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${JSON.stringify(path)}`);
  }
}

/** A container's resource for a resourceFieldRef (limits default to the node's allocatable), divided and rounded up. */
export function resourceFieldRefValue(container: Container, resource: string, divisor: string | number | undefined, allocatable: EnvContext['allocatable']): string {
  const div = divisor !== undefined ? quantityToNumber(parseQuantityExact(divisor)) : 1;
  const get = (list: Record<string, string | number> | undefined, name: string) => (list?.[name] !== undefined ? quantityToNumber(parseQuantityExact(list[name] as string | number)) : undefined);
  let v: number;
  switch (resource) {
    case 'limits.cpu':
      v = get(container.resources?.limits, 'cpu') ?? allocatable.cpu;
      break;
    case 'limits.memory':
      v = get(container.resources?.limits, 'memory') ?? allocatable.memory;
      break;
    case 'requests.cpu':
      v = get(container.resources?.requests, 'cpu') ?? 0;
      break;
    case 'requests.memory':
      v = get(container.resources?.requests, 'memory') ?? 0;
      break;
    default:
      throw new ContainerConfigError(`unsupported resourceFieldRef ${JSON.stringify(resource)}`);
  }
  return String(Math.ceil(v / (div || 1)));
}

/** utilvalidation.IsEnvVarName (the C identifier rule plus `-` and `.`). */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export interface EnvSources {
  /** Reads the pod's Secrets and ConfigMaps (kubelet's secret and configMap managers). */
  objects?: PodObjectGetter;
  /** envFrom keys that are not valid variable names were skipped: InvalidEnvironmentVariableNames event. */
  onInvalidKeys?: (message: string) => void;
  /**
   * The Service variables (service-env.ts serviceEnvVarMap): `$(VAR)` may refer to them, and those the
   * container does not define itself come last (kubelet's "Append remaining service env vars").
   */
  serviceEnv?: Map<string, string>;
}

/**
 * makeEnvironmentVariables: `envFrom` sources first (their valid keys, with the prefix), then `env` in order
 * (overriding), each value expanded against the variables before it. A missing Secret or ConfigMap or key
 * is an error (CreateContainerConfigError) unless optional; messages as kubelet's:
 * `secret "s" not found`, `couldn't find key k in Secret ns/s`.
 */
export async function makeEnvironment(pod: Pod, container: Container, ctx: EnvContext, sources: EnvSources = {}): Promise<KeyValue[]> {
  const ns = pod.metadata.namespace ?? '';
  const values = new Map<string, string>();
  const order: string[] = [];
  const set = (k: string, v: string) => {
    if (!values.has(k)) order.push(k);
    values.set(k, v);
  };
  const secrets = new Map<string, Secret>();
  const configMaps = new Map<string, ConfigMap>();
  const objects = sources.objects;
  const getSecret = async (name: string): Promise<Secret> => {
    let s = secrets.get(name);
    if (!s) {
      if (!objects) throw new ContainerConfigError(`couldn't get secret ${ns}/${name}, no kubeClient defined`);
      s = await objects.getSecret(ns, name);
      secrets.set(name, s);
    }
    return s;
  };
  const getConfigMap = async (name: string): Promise<ConfigMap> => {
    let c = configMaps.get(name);
    if (!c) {
      if (!objects) throw new ContainerConfigError(`couldn't get configMap ${ns}/${name}, no kubeClient defined`);
      c = await objects.getConfigMap(ns, name);
      configMaps.set(name, c);
    }
    return c;
  };
  for (const from of container.envFrom ?? []) {
    let data: Record<string, string>;
    let what: string;
    let name: string;
    if (from.configMapRef) {
      name = from.configMapRef.name ?? '';
      what = 'configMap';
      const cm = await getOptional(() => getConfigMap(name), from.configMapRef.optional);
      if (!cm) continue;
      data = cm.data ?? {};
    } else if (from.secretRef) {
      name = from.secretRef.name ?? '';
      what = 'secret';
      const s = await getOptional(() => getSecret(name), from.secretRef.optional);
      if (!s) continue;
      data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } else continue;
    const invalid: string[] = [];
    for (const [key, v] of Object.entries(data)) {
      const k = (from.prefix ?? '') + key;
      if (!ENV_VAR_NAME.test(k)) {
        invalid.push(k);
        continue;
      }
      set(k, v);
    }
    if (invalid.length) {
      invalid.sort();
      sources.onInvalidKeys?.(`Keys [${invalid.join(', ')}] from the EnvFrom ${what} ${ns}/${name} were skipped since they are considered invalid environment variable names.`);
    }
  }
  for (const e of container.env ?? ([] as EnvVar[])) {
    let v: string;
    if (e.valueFrom) {
      const f = e.valueFrom;
      if (f.fieldRef) v = fieldRefValue(pod, f.fieldRef.fieldPath, ctx);
      else if (f.resourceFieldRef) v = resourceFieldRefValue(container, f.resourceFieldRef.resource, f.resourceFieldRef.divisor, ctx.allocatable);
      else if (f.configMapKeyRef) {
        const ref = f.configMapKeyRef;
        const cm = await getOptional(() => getConfigMap(ref.name ?? ''), ref.optional);
        if (!cm) continue;
        const found = cm.data?.[ref.key];
        if (found === undefined) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name ?? ''}`);
        }
        v = found;
      } else if (f.secretKeyRef) {
        const ref = f.secretKeyRef;
        const s = await getOptional(() => getSecret(ref.name ?? ''), ref.optional);
        if (!s) continue;
        const found = s.data?.[ref.key];
        if (found === undefined) {
          if (ref.optional) continue;
          throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name ?? ''}`);
        }
        v = Buffer.from(found, 'base64').toString('utf8');
      } else v = '';
    } else {
      v = expandVars(e.value ?? '', (n) => values.get(n) ?? sources.serviceEnv?.get(n));
    }
    set(e.name, v);
  }
  for (const [k, v] of sources.serviceEnv ?? []) if (!values.has(k)) set(k, v);
  return order.map((k) => ({ key: k, value: values.get(k) ?? '' }));
}

function propagation(vm: VolumeMount): MountPropagation | undefined {
  switch (vm.mountPropagation) {
    case 'HostToContainer':
      return 'PROPAGATION_HOST_TO_CONTAINER';
    case 'Bidirectional':
      return 'PROPAGATION_BIDIRECTIONAL';
    default:
      return undefined;
  }
}

export interface MountSource {
  hostPath: string;
  readOnly: boolean;
}

/** makeMounts: one CRI mount per volumeMount; `resolve` gives the host path (with subPath applied). */
export async function makeMounts(
  container: Container,
  resolve: (vm: VolumeMount) => Promise<MountSource>,
): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const src = await resolve(vm);
    const m: Mount = { containerPath: vm.mountPath, hostPath: src.hostPath };
    if (vm.readOnly || src.readOnly) m.readonly = true;
    const p = propagation(vm);
    if (p) m.propagation = p;
    mounts.push(m);
  }
  return mounts;
}

export interface ContainerConfigOptions {
  restartCount: number;
  image: string;
  env: KeyValue[];
  mounts: Mount[];
  memoryCapacity: number;
  /** Runtime id of an ephemeral container's target (its targetContainerName): pid namespace TARGET. */
  pidTargetId?: string;
}

export function generateContainerConfig(pod: Pod, container: Container, o: ContainerConfigOptions): ContainerConfig {
  const lookup = (n: string) => o.env.find((e) => e.key === n)?.value;
  const sc = container.securityContext;
  const psc = pod.spec.securityContext;
  const runAsUser = sc?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? psc?.runAsGroup;
  const config: ContainerConfig = {
    metadata: { name: container.name, attempt: o.restartCount },
    image: { image: o.image },
    labels: newContainerLabels(container, pod),
    annotations: newContainerAnnotations(container, pod, o.restartCount),
    logPath: `${container.name}/${o.restartCount}.log`,
    envs: o.env,
    mounts: o.mounts,
    linux: {
      resources: containerResources(pod, container, o.memoryCapacity),
      securityContext: {
        namespaceOptions: namespacesForContainer(pod, o.pidTargetId),
        ...(sc?.privileged ? { privileged: true } : {}),
        ...(runAsUser !== undefined ? { runAsUser } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup } : {}),
        ...(sc?.readOnlyRootFilesystem ? { readonlyRootfs: true } : {}),
        ...(psc?.supplementalGroups?.length ? { supplementalGroups: [...psc.supplementalGroups] } : {}),
        ...(sc?.allowPrivilegeEscalation === false ? { noNewPrivs: true } : {}),
        ...(sc?.capabilities ? { capabilities: { addCapabilities: [...(sc.capabilities.add ?? [])], dropCapabilities: [...(sc.capabilities.drop ?? [])] } } : {}),
      },
    },
  };
  if (container.command?.length) config.command = container.command.map((s) => expandVars(s, lookup));
  if (container.args?.length) config.args = container.args.map((s) => expandVars(s, lookup));
  if (container.workingDir) config.workingDir = container.workingDir;
  if (container.stdin) config.stdin = true;
  if (container.stdinOnce) config.stdinOnce = true;
  if (container.tty) config.tty = true;
  return config;
}
