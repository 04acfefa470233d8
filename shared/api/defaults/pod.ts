/**
 * Pod defaulting exactly as kube-apiserver's v1 scheme does it (pkg/apis/core/v1/defaults.go SetDefaults_Pod,
 * SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_Probe, SetDefaults_Volume, ... and the declarative
 * +default markers of k8s.io/api/core/v1), plus what decoding/encoding does to the JSON (canonical quantities,
 * serviceAccount mirrored from serviceAccountName, `resources: {}` present on every container).
 *
 * Admission and strategy steps are separate exports: addDefaultTolerations (DefaultTolerationSeconds admission)
 * and initialPodStatus (podStrategy.PrepareForCreate).
 */
import type { Container, Pod, PodQOSClass, PodSpec, PodStatus, Probe, Toleration } from '../core-v1.ts';
import { addQuantities, compareQuantities, parseQuantityExact, type Quantity } from '../quantity.ts';
import { canonicalizeQuantity, defaultResourceList } from './resources.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The tag parsers.ParseImageName would report ("latest" when neither tag nor digest is given, "" on parse errors). */
export function imageTag(image: string): string {
  if (image === '' || /\s/.test(image)) return '';
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag = '';
  let name = rest;
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    name = rest.slice(0, colon);
  }
  // Repository paths are lower case (the registry host may not be); a bad reference fails to parse.
  const path = name.includes('/') && /[.:]|^localhost$/.test(name.slice(0, name.indexOf('/'))) ? name.slice(name.indexOf('/') + 1) : name;
  if (path === '' || /[A-Z]/.test(path) || (tag !== '' && !/^[\w][\w.-]{0,127}$/.test(tag))) return '';
  if (tag === '' && digest === '') return 'latest';
  return tag;
}

/** SetDefaults_Container (+ declarative defaults of its children). */
export function defaultContainer(c: Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const p of c.ports ?? []) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  for (const e of c.env ?? []) {
    if (isObj(e) && isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef) && !e.valueFrom.fieldRef.apiVersion) e.valueFrom.fieldRef.apiVersion = 'v1';
    if (isObj(e) && isObj(e.valueFrom) && isObj(e.valueFrom.resourceFieldRef) && e.valueFrom.resourceFieldRef.divisor !== undefined) {
      e.valueFrom.resourceFieldRef.divisor = canonicalizeQuantity(e.valueFrom.resourceFieldRef.divisor, false) as string;
    }
  }
  if (!isObj(c.resources)) c.resources = {};
  defaultResourceList(c.resources.limits);
  defaultResourceList(c.resources.requests);
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (isObj(probe)) defaultProbe(probe);
  if (isObj(c.lifecycle)) {
    for (const h of [c.lifecycle.postStart, c.lifecycle.preStop]) if (isObj(h) && isObj(h.httpGet)) defaultHTTPGet(h.httpGet as Obj);
  }
}

function defaultHTTPGet(h: Obj): void {
  if (!h.path) h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

/** SetDefaults_Probe + handler defaults. */
export function defaultProbe(p: Probe): void {
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  if (isObj(p.httpGet)) defaultHTTPGet(p.httpGet as unknown as Obj);
  if (isObj(p.grpc) && (p.grpc.service === undefined || p.grpc.service === null)) p.grpc.service = '';
}

const VOLUME_SOURCE_KEYS_IGNORED = new Set(['name']);

/** SetDefaults_Volume and the per-source defaults (modes 0644, hostPath type "", token expiry 1h). */
export function defaultVolume(v: Obj): void {
  const hasSource = Object.keys(v).some((k) => !VOLUME_SOURCE_KEYS_IGNORED.has(k) && v[k] !== undefined && v[k] !== null);
  if (!hasSource) v.emptyDir = {};
  if (isObj(v.emptyDir) && v.emptyDir.sizeLimit !== undefined) v.emptyDir.sizeLimit = canonicalizeQuantity(v.emptyDir.sizeLimit, false);
  if (isObj(v.hostPath) && (v.hostPath.type === undefined || v.hostPath.type === null)) v.hostPath.type = '';
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = v[k];
    if (isObj(s) && (s.defaultMode === undefined || s.defaultMode === null)) s.defaultMode = 0o644;
  }
  const fieldRefs = (items: unknown) => {
    for (const it of Array.isArray(items) ? items : []) if (isObj(it) && isObj(it.fieldRef) && !it.fieldRef.apiVersion) it.fieldRef.apiVersion = 'v1';
  };
  if (isObj(v.downwardAPI)) fieldRefs(v.downwardAPI.items);
  if (isObj(v.projected)) {
    for (const src of Array.isArray(v.projected.sources) ? v.projected.sources : []) {
      if (!isObj(src)) continue;
      if (isObj(src.downwardAPI)) fieldRefs(src.downwardAPI.items);
      if (isObj(src.serviceAccountToken) && (src.serviceAccountToken.expirationSeconds === undefined || src.serviceAccountToken.expirationSeconds === null)) {
        src.serviceAccountToken.expirationSeconds = 3600;
      }
    }
  }
}

/** Requests default to limits for keys only set as limits (SetDefaults_Pod, containers and init containers). */
function defaultRequestsFromLimits(c: Container): void {
  const res = c.resources;
  if (!res || !isObj(res.limits)) return;
  res.requests ??= {};
  for (const [k, v] of Object.entries(res.limits)) if (!(k in res.requests)) res.requests[k] = v;
}

/**
 * Apply kube's v1 defaults to a pod in place: the Pod-only ones of SetDefaults_Pod (requests from limits,
 * enableServiceLinks true, host ports under hostNetwork), then everything defaultPodSpec applies. Status is
 * left alone.
 */
export function defaultPod(pod: Pod): Pod {
  if (!isObj(pod.spec)) pod.spec = { containers: [] };
  const spec = pod.spec;
  const containers = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])];

  // SetDefaults_Pod
  for (const c of containers) if (isObj(c)) defaultRequestsFromLimits(c);
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const c of containers) for (const p of (isObj(c) ? c.ports : undefined) ?? []) if (isObj(p) && !p.hostPort) p.hostPort = p.containerPort;
  }
  defaultPodSpec(spec);
  return pod;
}

/**
 * The defaults every PodSpec gets, in a Pod or in a template (Deployment, ReplicaSet, Job, ...): SetDefaults_PodSpec
 * (restartPolicy Always, terminationGracePeriodSeconds 30, dnsPolicy ClusterFirst, schedulerName default-scheduler,
 * securityContext {}) and the container, probe, port, volume and resource defaults below it. Templates do not get
 * the Pod-only ones (enableServiceLinks, requests from limits, host ports since 1.28).
 */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  const containers = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])];
  const ephemeral = Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : [];
  // SetDefaults_PodSpec
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  // Conversion keeps the deprecated serviceAccount field in step with serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;

  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) if (isObj(v)) defaultVolume(v);
  for (const c of [...containers, ...ephemeral]) if (isObj(c)) defaultContainer(c);
  if (isObj(spec.overhead)) defaultResourceList(spec.overhead);
  return spec;
}

/** What podStrategy.PrepareForCreate stores as status: Pending plus the computed QoS class. */
export function initialPodStatus(pod: Pod): PodStatus {
  return { phase: 'Pending', qosClass: podQOSClass(pod) };
}

function positive(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const q = parseQuantityExact(v);
    return q.nanos > 0n ? q : undefined;
  } catch {
    return undefined;
  }
}

/**
 * qos.GetPodQOS / ComputePodQOS: only cpu and memory count, over containers and init containers.
 * BestEffort: no positive request or limit at all. Guaranteed: every container limits both cpu and memory and
 * the summed requests equal the summed limits. Otherwise Burstable.
 */
export function podQOSClass(pod: Pod): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const spec = isObj(pod.spec) ? pod.spec : ({ containers: [] } as Pod['spec']);
  const all = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  for (const c of all) {
    const res = isObj(c) && isObj(c.resources) ? c.resources : {};
    for (const [name, v] of Object.entries(isObj(res.requests) ? res.requests : {})) {
      if (name !== 'cpu' && name !== 'memory') continue;
      const q = positive(v);
      if (q) requests.set(name, requests.has(name) ? addQuantities(requests.get(name)!, q) : q);
    }
    const found = new Set<string>();
    for (const [name, v] of Object.entries(isObj(res.limits) ? res.limits : {})) {
      if (name !== 'cpu' && name !== 'memory') continue;
      const q = positive(v);
      if (!q) continue;
      found.add(name);
      limits.set(name, limits.has(name) ? addQuantities(limits.get(name)!, q) : q);
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';

/**
 * The DefaultTolerationSeconds admission plugin (create only): unless the pod already tolerates them, add
 * `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable` NoExecute tolerations (Exists) for
 * `seconds` (kube's default 300).
 */
export function addDefaultTolerations(pod: Pod, seconds = 300): Pod {
  if (!isObj(pod.spec)) return pod;
  const tolerations: Toleration[] = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : [];
  const tolerates = (k: string) =>
    tolerations.some((t) => isObj(t) && (t.key === k || !t.key) && (t.effect === 'NoExecute' || !t.effect));
  const add: Toleration[] = [];
  if (!tolerates(NOT_READY_TAINT_KEY)) add.push({ key: NOT_READY_TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  if (!tolerates(UNREACHABLE_TAINT_KEY)) add.push({ key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  if (add.length) pod.spec.tolerations = [...tolerations, ...add];
  return pod;
}

export interface PriorityClassInfo {
  value: number;
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never';
}

/** The PriorityClasses every cluster is bootstrapped with (pkg/apis/scheduling SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, PriorityClassInfo>> = {
  'system-node-critical': { value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' },
  'system-cluster-critical': { value: 2000000000, preemptionPolicy: 'PreemptLowerPriority' },
};

/**
 * The Priority admission plugin (create only; plugin/pkg/admission/priority): resolves
 * spec.priorityClassName into spec.priority and spec.preemptionPolicy. Without a class the pod gets priority 0
 * and PreemptLowerPriority (no global default class). Returns the reason for a 403 Forbidden
 * (`pods "web" is forbidden: <reason>`) or undefined when admitted.
 */
export function applyPriorityAdmission(pod: Pod, classes: Readonly<Record<string, PriorityClassInfo>> = SYSTEM_PRIORITY_CLASSES): string | undefined {
  if (!isObj(pod.spec)) return undefined;
  const spec = pod.spec;
  let priority = 0;
  let policy: PriorityClassInfo['preemptionPolicy'] = 'PreemptLowerPriority';
  if (spec.priorityClassName) {
    const pc = classes[spec.priorityClassName];
    if (!pc) return `no PriorityClass with name ${spec.priorityClassName} was found`;
    priority = pc.value;
    policy = pc.preemptionPolicy ?? 'PreemptLowerPriority';
  }
  if (typeof spec.priority === 'number' && spec.priority !== priority) {
    return `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`;
  }
  spec.priority = priority;
  spec.preemptionPolicy ??= policy;
  return undefined;
}
