import type { Level, LevelVersion, Version } from './policy.ts';

/**
 * The Pod Security Standards checks (k8s.io/pod-security-admission/policy), each with the reason and detail
 * wording upstream uses. Pods are read loosely typed: a check sees what the client sent after defaulting.
 */

// Loose views of the pod fields the checks read.
interface SeLinux {
  type?: string;
  user?: string;
  role?: string;
}
interface Profile {
  type?: string;
}
interface ContainerSecurity {
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seLinuxOptions?: SeLinux;
  runAsUser?: number;
  runAsNonRoot?: boolean;
  allowPrivilegeEscalation?: boolean;
  procMount?: string;
  seccompProfile?: Profile;
  appArmorProfile?: Profile;
  windowsOptions?: { hostProcess?: boolean };
}
export interface CheckContainer {
  name: string;
  ports?: { hostPort?: number }[];
  securityContext?: ContainerSecurity;
}
export interface CheckPodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  os?: { name?: string };
  securityContext?: {
    seLinuxOptions?: SeLinux;
    runAsUser?: number;
    runAsNonRoot?: boolean;
    seccompProfile?: Profile;
    appArmorProfile?: Profile;
    sysctls?: { name: string }[];
    windowsOptions?: { hostProcess?: boolean };
  };
  volumes?: Record<string, unknown>[];
  initContainers?: CheckContainer[];
  containers?: CheckContainer[];
  ephemeralContainers?: CheckContainer[];
}
export interface CheckPodMeta {
  annotations?: Record<string, string>;
}

export interface CheckResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
}
type CheckPod = (meta: CheckPodMeta, spec: CheckPodSpec) => CheckResult;

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** A baseline check that a restricted check replaces (only evaluated at baseline). */
  overlap?: boolean;
  /** Increasing minimum versions (minor of 1.x), each with the behaviour from that version on. */
  versions: { min: number; check: CheckPod }[];
}

const ALLOWED: CheckResult = { allowed: true };
const deny = (reason: string, detail: string): CheckResult => ({ allowed: false, reason, detail });

export function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}
export function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}
const containersOf = (n: number) => pluralize('container', 'containers', n);
/** Go's sort.Strings order (byte-wise). */
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** visitContainers: init containers, containers, ephemeral containers. */
function visit(spec: CheckPodSpec, fn: (c: CheckContainer) => void): void {
  for (const c of spec.initContainers ?? []) fn(c);
  for (const c of spec.containers ?? []) fn(c);
  for (const c of spec.ephemeralContainers ?? []) fn(c);
}

const isWindows = (spec: CheckPodSpec) => spec.os?.name === 'windows';

// ---- baseline ----

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorProfile(meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const okType = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !okType(podProfile.type)) {
    setters.push('pod');
    badValues.add(podProfile.type ?? '');
  }
  const bad: string[] = [];
  visit(spec, (c) => {
    const p = c.securityContext?.appArmorProfile;
    if (p && !okType(p.type)) {
      bad.push(c.name);
      badValues.add(p.type ?? '');
    }
  });
  if (bad.length) setters.push(`${containersOf(bad.length)} ${joinQuote(bad)}`);
  const annotations: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === '' || v === 'runtime/default' || v.startsWith('localhost/'))) {
      annotations.push(`${k}=${JSON.stringify(v)}`);
    }
  }
  const values = sorted(badValues);
  if (annotations.length) {
    values.push(...sorted(annotations));
    setters.push(pluralize('annotation', 'annotations', annotations.length));
  }
  if (!setters.length) return ALLOWED;
  return deny(pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length), `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`);
}

function hostNamespaces(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const used: string[] = [];
  if (spec.hostNetwork) used.push('hostNetwork=true');
  if (spec.hostPID) used.push('hostPID=true');
  if (spec.hostIPC) used.push('hostIPC=true');
  if (!used.length) return ALLOWED;
  return deny('host namespaces', used.join(', '));
}

function hostPorts(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const bad: string[] = [];
  const ports = new Set<string>();
  visit(spec, (c) => {
    let valid = true;
    for (const p of c.ports ?? []) {
      if (p.hostPort) {
        valid = false;
        ports.add(String(p.hostPort));
      }
    }
    if (!valid) bad.push(c.name);
  });
  if (!bad.length) return ALLOWED;
  return deny(
    'hostPort',
    `${containersOf(bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${sorted(ports).join(', ')}`,
  );
}

function privileged(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.privileged === true) bad.push(c.name);
  });
  if (!bad.length) return ALLOWED;
  return deny('privileged', `${containersOf(bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true`);
}

function procMount(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const bad: string[] = [];
  const types = new Set<string>();
  visit(spec, (c) => {
    const pm = c.securityContext?.procMount;
    if (pm !== undefined && pm !== null && pm !== 'Default') {
      bad.push(c.name);
      types.add(pm);
    }
  });
  if (!bad.length) return ALLOWED;
  return deny('procMount', `${containersOf(bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}`);
}

const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

/**
 * seLinuxOptions: v1.31 allows container_engine_t and always reports a user or role; before it, user and role
 * were reported only next to a bad type (upstream's seLinuxOptions_1_0 behaviour, kept for those versions).
 */
function seLinuxOptions(allowedTypes: ReadonlySet<string>, userRoleAlone: boolean): CheckPod {
  return (_meta, spec) => {
    const setters: string[] = [];
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: SeLinux): boolean => {
      let ok = true;
      if (!allowedTypes.has(o.type ?? '')) {
        ok = false;
        badTypes.add(o.type ?? '');
      }
      if (o.user) {
        ok = false;
        setUser = true;
      }
      if (o.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const pod = spec.securityContext?.seLinuxOptions;
    if (pod && !valid(pod)) setters.push('pod');
    const bad: string[] = [];
    visit(spec, (c) => {
      const o = c.securityContext?.seLinuxOptions;
      if (o && !valid(o)) bad.push(c.name);
    });
    if (bad.length) setters.push(`${containersOf(bad.length)} ${joinQuote(bad)}`);
    if (!setters.length) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sorted(badTypes))}`);
    if (badTypes.size || userRoleAlone) {
      if (setUser) data.push('user may not be set');
      if (setRole) data.push('role may not be set');
    }
    return deny('seLinuxOptions', `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  };
}

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowedList: readonly string[]): CheckPod {
  const allowed = new Set(allowedList);
  return (_meta, spec) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowed.has(n));
    if (!bad.length) return ALLOWED;
    return deny('forbidden sysctls', bad.join(', '));
  };
}

function windowsHostProcess(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess === true) bad.push(c.name);
  });
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  if (bad.length) setters.push(`${containersOf(bad.length)} ${joinQuote(bad)}`);
  if (!setters.length) return ALLOWED;
  return deny('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`);
}

const CAPABILITIES_BASELINE = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

function capabilitiesBaseline(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const bad: string[] = [];
  const caps = new Set<string>();
  visit(spec, (c) => {
    let valid = true;
    for (const cap of c.securityContext?.capabilities?.add ?? []) {
      if (!CAPABILITIES_BASELINE.has(cap)) {
        valid = false;
        caps.add(cap);
      }
    }
    if (!valid) bad.push(c.name);
  });
  if (!bad.length) return ALLOWED;
  return deny('non-default capabilities', `${containersOf(bad.length)} ${joinQuote(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
}

function hostPathVolumes(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => String(v.name));
  if (!bad.length) return ALLOWED;
  return deny('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`);
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const validSeccomp = (t: string | undefined) => t === 'Localhost' || t === 'RuntimeDefault';

function seccompBaseline_1_0(meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const okValue = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const bad = new Set<string>();
  const a = meta.annotations ?? {};
  const podValue = a[SECCOMP_POD_ANNOTATION];
  if (podValue !== undefined && !okValue(podValue)) bad.add(`${SECCOMP_POD_ANNOTATION}=${JSON.stringify(podValue)}`);
  visit(spec, (c) => {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
    const v = a[key];
    if (v !== undefined && !okValue(v)) bad.add(`${key}=${JSON.stringify(v)}`);
  });
  if (!bad.size) return ALLOWED;
  return deny('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', bad.size)} ${sorted(bad).join(', ')}`);
}

function seccompBaseline_1_19(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const setters: string[] = [];
  const values = new Set<string>();
  const pod = spec.securityContext?.seccompProfile;
  if (pod && !validSeccomp(pod.type)) {
    setters.push('pod');
    values.add(pod.type ?? '');
  }
  const bad: string[] = [];
  visit(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p && !validSeccomp(p.type)) {
      bad.push(c.name);
      values.add(p.type ?? '');
    }
  });
  if (bad.length) setters.push(`${containersOf(bad.length)} ${joinQuote(bad)}`);
  if (!setters.length) return ALLOWED;
  return deny('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}`);
}

// ---- restricted ----

function allowPrivilegeEscalation(skipWindows: boolean): CheckPod {
  return (_meta, spec) => {
    if (skipWindows && isWindows(spec)) return ALLOWED;
    const bad: string[] = [];
    visit(spec, (c) => {
      if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name);
    });
    if (!bad.length) return ALLOWED;
    return deny('allowPrivilegeEscalation != false', `${containersOf(bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`);
  };
}

function capabilitiesRestricted(skipWindows: boolean): CheckPod {
  return (_meta, spec) => {
    if (skipWindows && isWindows(spec)) return ALLOWED;
    const missingDrop: string[] = [];
    const adding: string[] = [];
    const caps = new Set<string>();
    visit(spec, (c) => {
      const capabilities = c.securityContext?.capabilities;
      if (!capabilities) {
        missingDrop.push(c.name);
        return;
      }
      if (!(capabilities.drop ?? []).includes('ALL')) missingDrop.push(c.name);
      let addedForbidden = false;
      for (const cap of capabilities.add ?? []) {
        if (cap !== 'NET_BIND_SERVICE') {
          addedForbidden = true;
          caps.add(cap);
        }
      }
      if (addedForbidden) adding.push(c.name);
    });
    const details: string[] = [];
    if (missingDrop.length) details.push(`${containersOf(missingDrop.length)} ${joinQuote(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (adding.length) details.push(`${containersOf(adding.length)} ${joinQuote(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
    if (!details.length) return ALLOWED;
    return deny('unrestricted capabilities', details.join('; '));
  };
}

const ALLOWED_RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
/** The restricted volume types in the order upstream tests them; the first one a volume sets names it. */
const RESTRICTED_VOLUME_TYPES: [field: string, name: string][] = [
  ['hostPath', 'hostPath'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['gitRepo', 'gitRepo'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['rbd', 'rbd'],
  ['flexVolume', 'flexVolume'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephfs'],
  ['flocker', 'flocker'],
  ['fc', 'fc'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['quobyte', 'quobyte'],
  ['azureDisk', 'azureDisk'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['scaleIO', 'scaleIO'],
  ['storageos', 'storageos'],
];

function restrictedVolumes(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes ?? []) {
    if (ALLOWED_RESTRICTED_VOLUMES.some((f) => v[f] != null)) continue;
    bad.push(String(v.name));
    const t = RESTRICTED_VOLUME_TYPES.find(([f]) => v[f] != null);
    types.add(t ? t[1] : 'unknown');
  }
  if (!bad.length) return ALLOWED;
  return deny(
    'restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote(sorted(types))}`,
  );
}

function runAsNonRoot(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const setters: string[] = [];
  let podNonRoot = false;
  const pod = spec.securityContext?.runAsNonRoot;
  if (pod === false) setters.push('pod');
  else if (pod === true) podNonRoot = true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  visit(spec, (c) => {
    const v = c.securityContext?.runAsNonRoot;
    if (v === true || v === false) {
      if (v === false) explicit.push(c.name);
    } else if (!podNonRoot) {
      implicit.push(c.name);
    }
  });
  if (explicit.length) setters.push(`${containersOf(explicit.length)} ${joinQuote(explicit)}`);
  if (setters.length) return deny('runAsNonRoot != true', `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicit.length) return deny('runAsNonRoot != true', `pod or ${containersOf(implicit.length)} ${joinQuote(implicit)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
}

function runAsUser(_meta: CheckPodMeta, spec: CheckPodSpec): CheckResult {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad: string[] = [];
  visit(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) bad.push(c.name);
  });
  if (bad.length) setters.push(`${containersOf(bad.length)} ${joinQuote(bad)}`);
  if (!setters.length) return ALLOWED;
  return deny('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`);
}

function seccompRestricted(skipWindows: boolean): CheckPod {
  return (_meta, spec) => {
    if (skipWindows && isWindows(spec)) return ALLOWED;
    const setters: string[] = [];
    const values = new Set<string>();
    let podSet = false;
    const pod = spec.securityContext?.seccompProfile;
    if (pod) {
      if (!validSeccomp(pod.type)) {
        setters.push('pod');
        values.add(pod.type ?? '');
      } else podSet = true;
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    visit(spec, (c) => {
      const p = c.securityContext?.seccompProfile;
      if (p) {
        if (!validSeccomp(p.type)) {
          explicit.push(c.name);
          values.add(p.type ?? '');
        }
      } else if (!podSet) implicit.push(c.name);
    });
    if (explicit.length) setters.push(`${containersOf(explicit.length)} ${joinQuote(explicit)}`);
    if (setters.length) return deny('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}`);
    if (implicit.length) {
      return deny('seccompProfile', `pod or ${containersOf(implicit.length)} ${joinQuote(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return ALLOWED;
  };
}

/** Every check, in upstream's registration order (its files' names). */
const CHECKS: Check[] = [
  { id: 'allowPrivilegeEscalation', level: 'restricted', versions: [{ min: 8, check: allowPrivilegeEscalation(false) }, { min: 25, check: allowPrivilegeEscalation(true) }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, check: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', overlap: true, versions: [{ min: 0, check: capabilitiesBaseline }] },
  { id: 'capabilities_restricted', level: 'restricted', versions: [{ min: 22, check: capabilitiesRestricted(false) }, { min: 25, check: capabilitiesRestricted(true) }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, check: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', overlap: true, versions: [{ min: 0, check: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, check: hostPorts }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, check: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ min: 0, check: procMount }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, check: restrictedVolumes }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ min: 0, check: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ min: 23, check: runAsUser }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { min: 0, check: seLinuxOptions(SELINUX_TYPES_1_0, false) },
      { min: 31, check: seLinuxOptions(SELINUX_TYPES_1_31, true) },
    ],
  },
  { id: 'seccompProfile_baseline', level: 'baseline', overlap: true, versions: [{ min: 0, check: seccompBaseline_1_0 }, { min: 19, check: seccompBaseline_1_19 }] },
  { id: 'seccompProfile_restricted', level: 'restricted', versions: [{ min: 19, check: seccompRestricted(false) }, { min: 25, check: seccompRestricted(true) }] },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { min: 0, check: sysctls(SYSCTLS_1_0) },
      { min: 27, check: sysctls(SYSCTLS_1_27) },
      { min: 29, check: sysctls(SYSCTLS_1_29) },
      { min: 32, check: sysctls(SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, check: windowsHostProcess }] },
];

const MAX_VERSION = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.min)));

/** The behaviour of a check at a policy version (the newest whose minimum is not newer), if any. */
function at(check: Check, version: Version): CheckPod | undefined {
  const minor = version.latest ? MAX_VERSION : Math.min(version.minor, MAX_VERSION);
  let found: CheckPod | undefined;
  for (const v of check.versions) if (v.min <= minor) found = v.check;
  return found;
}

/**
 * checkRegistry.EvaluatePod: the baseline checks, then (at baseline) the overlapping baseline checks or (at
 * restricted) the restricted checks. Privileged evaluates nothing.
 */
export function evaluatePod(lv: LevelVersion, meta: CheckPodMeta, spec: CheckPodSpec): CheckResult[] {
  if (lv.level === 'privileged') return [];
  const run = (pred: (c: Check) => boolean) =>
    CHECKS.filter(pred)
      .map((c) => at(c, lv.version))
      .filter((f): f is CheckPod => f !== undefined)
      .map((f) => f(meta, spec));
  const results = run((c) => c.level === 'baseline' && !c.overlap);
  const level: Level = lv.level;
  if (level === 'baseline') return [...results, ...run((c) => c.level === 'baseline' && c.overlap === true)];
  return [...results, ...run((c) => c.level === 'restricted')];
}

/** AggregateCheckResults. */
export interface AggregateResult {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

export function aggregate(results: CheckResult[]): AggregateResult {
  const reasons: string[] = [];
  const details: string[] = [];
  for (const r of results) {
    if (r.allowed) continue;
    reasons.push(r.reason || 'unknown forbidden reason');
    details.push(r.detail ?? '');
  }
  return { allowed: reasons.length === 0, reasons, details };
}

/** `reason (detail), reason, ...` */
export function forbiddenDetail(r: AggregateResult): string {
  return r.reasons.map((reason, i) => (r.details[i] ? `${reason} (${r.details[i]})` : reason)).join(', ');
}

/** The reasons alone, comma-separated (the namespace-update warnings). */
export function forbiddenReason(r: AggregateResult): string {
  return r.reasons.join(', ');
}
