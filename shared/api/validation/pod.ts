/**
 * Pod validation, following pkg/apis/core/validation/validation.go (ValidatePodCreate, ValidatePodSpec,
 * ValidatePodUpdate, ValidatePodStatusUpdate) with Kubernetes 1.32 default feature gates.
 *
 * Validators expect a *defaulted* pod (see shared/api/defaults): kube validates after defaulting, so fields such
 * as imagePullPolicy, terminationMessagePolicy, restartPolicy or ports[].protocol are required here.
 * Field paths and messages are kube's, including a few of its quirks (noted inline) because kubectl prints them.
 */
import {
  fieldDuplicate,
  fieldForbidden,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  type FieldError,
} from '../../errors/status-error.ts';
import type { ObjectMeta } from '../meta.ts';
import { goStyleDiff, semanticEqual } from './_semantic.ts';
import { arr, fieldNotFound, idx, isObj, key, num, obj, str, validateQualifiedName, type Obj } from './field-errors.ts';
import { validateLabelSelector } from './label-selector.ts';

/** Kept here too: the workload validators import it from pod.ts. */
export { validateLabelSelector };
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Subdomain,
  isHTTPHeaderName,
  isIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  type NameValidator,
} from './names.ts';
import {
  FIELD_IMMUTABLE,
  IS_NEGATIVE_ERROR,
  validateAnnotations,
  validateLabelName,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.ts';
import { quantityAt, validateResourceRequirements } from './resources.ts';
import { validateEphemeralContainers } from './ephemeral-containers.ts';

const MAX_INT32 = 2147483647;
const MAX_UINT32 = 4294967295;
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const IS_NOT_POSITIVE = 'must be greater than zero';

export interface PodValidationOptions {
  /** kube-apiserver --allow-privileged (kubeadm clusters set it). Default true. */
  allowPrivileged?: boolean;
}

// ---- small shared checks ----

function dns1123Label(value: string, path: string): FieldError[] {
  return nameIsDNSLabel(value, false).map((m) => fieldInvalid(path, value, m));
}

function dns1123Subdomain(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => fieldInvalid(path, value, m));
}

function nonNegative(value: unknown, path: string): FieldError[] {
  const n = num(value);
  return n !== undefined && n < 0 ? [fieldInvalid(path, n, IS_NEGATIVE_ERROR)] : [];
}

function byName(nameFn: NameValidator, value: string, path: string, prefix = false): FieldError[] {
  return nameFn(value, prefix).map((m) => fieldInvalid(path, value, m));
}

function validIP(value: string, path: string): FieldError[] {
  return isIP(value) ? [] : [fieldInvalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

function validatePathNoBacksteps(p: string, path: string): FieldError[] {
  return p.replace(/\\/g, '/').split('/').includes('..') ? [fieldInvalid(path, p, "must not contain '..'")] : [];
}

function validateLocalDescendingPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(fieldInvalid(path, p, 'must be a relative path'));
  return errs.concat(validatePathNoBacksteps(p, path));
}

function validateLocalNonReservedPath(p: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(fieldInvalid(path, p, "must not start with '..'"));
  return errs;
}

function fileMode(value: unknown, path: string): FieldError[] {
  const n = num(value);
  return n !== undefined && (n > 0o777 || n < 0) ? [fieldInvalid(path, n, FILE_MODE_ERROR)] : [];
}

// ---- volumes ----

/** Volume sources in the order kube checks them, with the child name it uses in "more than 1" errors. */
const VOLUME_SOURCES: [string, string][] = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  ['downwardAPI', 'downwarAPI'], // sic: kube's path has this typo
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const VOLUME_DOWNWARD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const ENV_DOWNWARD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
/** podshelper.ConvertDownwardAPIFieldLabel's accepted labels. */
const CONVERTIBLE_DOWNWARD_PATHS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
  'spec.host',
]);
const CONTAINER_RESOURCE_FIELDS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

function validateKeyToPath(kp: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(kp.key) === '') errs.push(fieldRequired(`${path}.key`));
  if (str(kp.path) === '') errs.push(fieldRequired(`${path}.path`));
  errs.push(...validateLocalNonReservedPath(str(kp.path), `${path}.path`));
  errs.push(...fileMode(kp.mode, `${path}.mode`));
  return errs;
}

function validateObjectFieldSelector(fs: Obj, expressions: string[], path: string): FieldError[] {
  if (str(fs.apiVersion) === '') return [fieldRequired(`${path}.apiVersion`)];
  const fieldPath = str(fs.fieldPath);
  if (fieldPath === '') return [fieldRequired(`${path}.fieldPath`)];
  if (str(fs.apiVersion) !== 'v1') {
    return [fieldInvalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: unsupported pod version: ${str(fs.apiVersion)}`)];
  }
  const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    const [, base, subscript] = sub;
    return base === 'metadata.annotations' ? validateQualifiedName(subscript!.toLowerCase(), path) : validateQualifiedName(subscript!, path);
  }
  if (!CONVERTIBLE_DOWNWARD_PATHS.has(fieldPath)) {
    return [fieldInvalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`)];
  }
  const internal = fieldPath === 'spec.host' ? 'spec.nodeName' : fieldPath;
  return expressions.includes(internal) ? [] : [fieldNotSupported(`${path}.fieldPath`, internal, expressions)];
}

function validateResourceFieldSelector(fs: Obj, path: string, volume: boolean): FieldError[] {
  const resource = str(fs.resource);
  if (volume && str(fs.containerName) === '') return [fieldRequired(`${path}.containerName`)];
  if (resource === '') return [fieldRequired(`${path}.resource`)];
  if (!CONTAINER_RESOURCE_FIELDS.includes(resource) && !resource.startsWith('requests.hugepages-') && !resource.startsWith('limits.hugepages-')) {
    return [fieldNotSupported(`${path}.resource`, resource, CONTAINER_RESOURCE_FIELDS)];
  }
  return [];
}

function validateDownwardAPIFile(file: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(file.path) === '') errs.push(fieldRequired(`${path}.path`));
  errs.push(...validateLocalNonReservedPath(str(file.path), `${path}.path`));
  if (isObj(file.fieldRef)) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_DOWNWARD_PATHS, `${path}.fieldRef`));
    if (isObj(file.resourceFieldRef)) errs.push(fieldInvalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (isObj(file.resourceFieldRef)) {
    errs.push(...validateResourceFieldSelector(file.resourceFieldRef, `${path}.resourceFieldRef`, true));
  } else {
    errs.push(fieldRequired(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...fileMode(file.mode, `${path}.mode`));
  return errs;
}

function validateProjected(src: Obj, path: string): FieldError[] {
  const errs = fileMode(src.defaultMode, `${path}.defaultMode`);
  const seen = new Set<string>();
  const addPath = (p: string, value: string) => {
    if (p === '') return;
    if (seen.has(p)) errs.push(fieldInvalid(path, value, 'conflicting duplicate paths'));
    seen.add(p);
  };
  arr(src.sources).forEach((s, i) => {
    const source = obj(s);
    const sp = `${path}.sources[${i}]`;
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      if (!isObj(source[kind])) continue;
      count++;
      const ref = source[kind];
      if (str(ref.name) === '') errs.push(fieldRequired(`${sp}.${kind}.name`));
      arr(ref.items).forEach((it, j) => {
        errs.push(...validateKeyToPath(obj(it), `${sp}.${kind}.items[${j}]`));
        addPath(str(obj(it).path), str(ref.name));
      });
    }
    if (isObj(source.downwardAPI)) {
      count++;
      for (const f of arr(source.downwardAPI.items)) {
        errs.push(...validateDownwardAPIFile(obj(f), `${sp}.downwardAPI`));
        addPath(str(obj(f).path), str(obj(f).path));
      }
    }
    if (isObj(source.serviceAccountToken)) {
      count++;
      const t = source.serviceAccountToken;
      const exp = num(t.expirationSeconds) ?? 3600;
      const tp = `${sp}.serviceAccountToken`;
      if (exp < 600) errs.push(fieldInvalid(`${tp}.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) errs.push(fieldInvalid(`${tp}.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
      if (str(t.path) === '') errs.push(fieldRequired(`${path}.path`));
      else errs.push(...validateLocalNonReservedPath(str(t.path), `${path}.path`));
    }
    if (count > 1) errs.push(fieldForbidden(sp, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function validateVolumeSource(vol: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const [src, child] of VOLUME_SOURCES) {
    const v = vol[src];
    if (v === undefined || v === null) continue;
    if (count > 0) {
      errs.push(fieldForbidden(`${path}.${child}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    const s = obj(v);
    const sp = `${path}.${src}`;
    switch (src) {
      case 'emptyDir':
        if (s.sizeLimit !== undefined && s.sizeLimit !== null) {
          const q = quantityAt(s.sizeLimit, `${sp}.sizeLimit`, errs);
          if (q && q.nanos < 0n) errs.push(fieldForbidden(`${sp}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
        }
        break;
      case 'hostPath': {
        const p = str(s.path);
        if (p === '') {
          errs.push(fieldRequired(`${sp}.path`));
          break;
        }
        errs.push(...validatePathNoBacksteps(p, `${sp}.path`));
        if (s.type !== undefined && s.type !== null && !HOST_PATH_TYPES.includes(str(s.type))) {
          errs.push(fieldNotSupported(`${sp}.type`, s.type, HOST_PATH_TYPES));
        }
        break;
      }
      case 'secret':
        if (str(s.secretName) === '') errs.push(fieldRequired(`${sp}.secretName`));
        errs.push(...fileMode(s.defaultMode, `${sp}.defaultMode`));
        arr(s.items).forEach((it, i) => errs.push(...validateKeyToPath(obj(it), `${sp}.items[${i}]`)));
        break;
      case 'configMap':
        if (str(s.name) === '') errs.push(fieldRequired(`${sp}.name`));
        errs.push(...fileMode(s.defaultMode, `${sp}.defaultMode`));
        arr(s.items).forEach((it, i) => errs.push(...validateKeyToPath(obj(it), `${sp}.items[${i}]`)));
        break;
      case 'downwardAPI':
        errs.push(...fileMode(s.defaultMode, `${sp}.defaultMode`));
        // kube passes the volume-source path, not the item index, for each file.
        for (const f of arr(s.items)) errs.push(...validateDownwardAPIFile(obj(f), sp));
        break;
      case 'projected':
        errs.push(...validateProjected(s, sp));
        break;
      case 'persistentVolumeClaim':
        if (str(s.claimName) === '') errs.push(fieldRequired(`${sp}.claimName`));
        break;
      case 'nfs':
        if (str(s.server) === '') errs.push(fieldRequired(`${sp}.server`));
        if (str(s.path) === '') errs.push(fieldRequired(`${sp}.path`));
        if (!str(s.path).startsWith('/')) errs.push(fieldInvalid(`${sp}.path`, str(s.path), 'must be an absolute path'));
        break;
      default:
        break;
    }
  }
  if (count === 0) errs.push(fieldRequired(path, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: returns the names of the valid volumes (only those can be mounted) and the errors. */
export function validateVolumes(volumes: unknown, path: string): { names: Map<string, Obj>; errs: FieldError[] } {
  const names = new Map<string, Obj>();
  const errs: FieldError[] = [];
  arr(volumes).forEach((v, i) => {
    const vol = obj(v);
    const p = idx(path, i);
    const name = str(vol.name);
    const el = validateVolumeSource(vol, p);
    if (name === '') el.push(fieldRequired(`${p}.name`));
    else el.push(...dns1123Label(name, `${p}.name`));
    if (names.has(name)) el.push(fieldDuplicate(`${p}.name`, name));
    if (el.length === 0) names.set(name, vol);
    else errs.push(...el);
  });
  return { names, errs };
}

// ---- containers ----

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((pp, i) => {
    const port = obj(pp);
    const p = idx(path, i);
    const name = str(port.name);
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(fieldInvalid(`${p}.name`, name, m));
      else if (names.has(name)) errs.push(fieldDuplicate(`${p}.name`, name));
      else names.add(name);
    }
    const cp = num(port.containerPort) ?? 0;
    if (cp === 0) errs.push(fieldRequired(`${p}.containerPort`));
    else for (const m of isValidPortNum(cp)) errs.push(fieldInvalid(`${p}.containerPort`, cp, m));
    const hp = num(port.hostPort) ?? 0;
    if (hp !== 0) for (const m of isValidPortNum(hp)) errs.push(fieldInvalid(`${p}.hostPort`, hp, m));
    const proto = str(port.protocol);
    if (proto === '') errs.push(fieldRequired(`${p}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(proto)) errs.push(fieldNotSupported(`${p}.protocol`, proto, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

/** RelaxedEnvironmentVariableValidation is on by default in 1.32: any printable ASCII except '='. */
function isRelaxedEnvVarName(value: string): string[] {
  if (value.length === 0) return ['environment variable name must be non-empty'];
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c > 0x7e || c < 0x20 || ch === '=') return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
  }
  return [];
}

function validateKeySelector(s: Obj, path: string): FieldError[] {
  const errs = byName(nameIsDNSSubdomain, str(s.name), `${path}.name`);
  const k = str(s.key);
  if (k === '') errs.push(fieldRequired(`${path}.key`));
  else for (const m of isConfigMapKey(k)) errs.push(fieldInvalid(`${path}.key`, k, m));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(env).forEach((e, i) => {
    const ev = obj(e);
    const p = idx(path, i);
    const name = str(ev.name);
    if (name === '') errs.push(fieldRequired(`${p}.name`));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(fieldInvalid(`${p}.name`, name, m));
    if (!isObj(ev.valueFrom)) return;
    const vf = ev.valueFrom;
    const vp = `${p}.valueFrom`;
    let sources = 0;
    if (isObj(vf.fieldRef)) {
      sources++;
      errs.push(...validateObjectFieldSelector(vf.fieldRef, ENV_DOWNWARD_PATHS, `${vp}.fieldRef`));
    }
    if (isObj(vf.resourceFieldRef)) {
      sources++;
      errs.push(...validateResourceFieldSelector(vf.resourceFieldRef, `${vp}.resourceFieldRef`, false));
    }
    if (isObj(vf.configMapKeyRef)) {
      sources++;
      errs.push(...validateKeySelector(vf.configMapKeyRef, `${vp}.configMapKeyRef`));
    }
    if (isObj(vf.secretKeyRef)) {
      sources++;
      errs.push(...validateKeySelector(vf.secretKeyRef, `${vp}.secretKeyRef`));
    }
    if (sources === 0) errs.push(fieldInvalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(ev.value) !== '') errs.push(fieldInvalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) errs.push(fieldInvalid(vp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(envFrom).forEach((e, i) => {
    const ef = obj(e);
    const p = idx(path, i);
    const prefix = str(ef.prefix);
    if (prefix !== '') for (const m of isRelaxedEnvVarName(prefix)) errs.push(fieldInvalid(`${p}.prefix`, prefix, m));
    let sources = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      if (!isObj(ef[kind])) continue;
      sources++;
      const name = str(ef[kind].name);
      if (name === '') errs.push(fieldRequired(`${p}.${kind}.name`));
      else errs.push(...byName(nameIsDNSSubdomain, name, `${p}.${kind}.name`, true));
    }
    // kube reports these two on the list path.
    if (sources === 0) errs.push(fieldInvalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(fieldInvalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Map<string, Obj>, container: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const privileged = obj(container.securityContext).privileged === true;
  arr(mounts).forEach((m, i) => {
    const mnt = obj(m);
    const p = idx(path, i);
    const name = str(mnt.name);
    const mountPath = str(mnt.mountPath);
    if (name === '') errs.push(fieldRequired(`${p}.name`));
    if (!volumes.has(name)) errs.push(fieldNotFound(`${p}.name`, name));
    if (mountPath === '') errs.push(fieldRequired(`${p}.mountPath`));
    if (mountPoints.has(mountPath)) errs.push(fieldInvalid(`${p}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    const vol = volumes.get(name);
    if (vol && isObj(vol.image)) {
      if (str(mnt.subPath) !== '') errs.push(fieldInvalid(`${p}.subPath`, str(mnt.subPath), 'not allowed in image volume sources'));
      if (str(mnt.subPathExpr) !== '') errs.push(fieldInvalid(`${p}.subPathExpr`, str(mnt.subPathExpr), 'not allowed in image volume sources'));
    }
    // kube validates subPath against the list path (fldPath), not the item path.
    if (str(mnt.subPath) !== '') errs.push(...validateLocalDescendingPath(str(mnt.subPath), `${path}.subPath`));
    if (str(mnt.subPathExpr) !== '') {
      if (str(mnt.subPath) !== '') errs.push(fieldInvalid(`${p}.subPathExpr`, str(mnt.subPathExpr), 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(str(mnt.subPathExpr), `${path}.subPathExpr`));
    }
    if (mnt.mountPropagation !== undefined && mnt.mountPropagation !== null) {
      const mp = str(mnt.mountPropagation);
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(mp)) errs.push(fieldNotSupported(`${path}.mountPropagation`, mp, supported));
      if (mp === 'Bidirectional' && !privileged) {
        errs.push(fieldForbidden(`${path}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    if (mnt.recursiveReadOnly !== undefined && mnt.recursiveReadOnly !== null) {
      const rro = str(mnt.recursiveReadOnly);
      const rp = `${path}.recursiveReadOnly`;
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (mnt.readOnly !== true) errs.push(fieldForbidden(rp, 'may only be specified when readOnly is true'));
        if (mnt.mountPropagation && mnt.mountPropagation !== 'None') {
          errs.push(fieldForbidden(rp, 'may only be specified when mountPropagation is None or not specified'));
        }
      } else if (rro !== 'Disabled') {
        errs.push(fieldNotSupported(rp, rro, ['Disabled', 'Enabled', 'IfPossible']));
      }
    }
  });
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => fieldInvalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => fieldInvalid(path, port, m));
  return [fieldInvalid(path, port ?? 0, inclusiveRangeError(1, 65535))];
}

function validateHandler(handler: Obj, kinds: readonly string[], gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    const h = handler[kind];
    if (h === undefined || h === null) continue;
    if (count > 0) {
      errs.push(fieldForbidden(`${path}.${kind}`, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const a = obj(h);
    const p = `${path}.${kind}`;
    switch (kind) {
      case 'exec':
        if (arr(a.command).length === 0) errs.push(fieldRequired(`${p}.command`));
        break;
      case 'httpGet':
        if (str(a.path) === '') errs.push(fieldRequired(`${p}.path`));
        errs.push(...validatePortNumOrName(a.port, `${p}.port`));
        if (!['HTTP', 'HTTPS'].includes(str(a.scheme))) errs.push(fieldNotSupported(`${p}.scheme`, str(a.scheme), ['HTTP', 'HTTPS']));
        for (const h2 of arr(a.httpHeaders)) {
          for (const m of isHTTPHeaderName(str(obj(h2).name))) errs.push(fieldInvalid(`${p}.httpHeaders`, str(obj(h2).name), m));
        }
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, `${p}.port`));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(num(a.port) ?? 0, `${p}.port`));
        break;
      case 'sleep': {
        const secs = num(a.seconds) ?? 0;
        if (gracePeriod !== undefined && (secs <= 0 || secs > gracePeriod)) {
          // 1.32 wording (PodLifecycleSleepActionAllowZero is alpha and off).
          errs.push(fieldInvalid(p, secs, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(fieldRequired(path, 'must specify a handler type'));
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

function validateProbe(probe: unknown, kind: 'liveness' | 'readiness' | 'startup', gracePeriod: number | undefined, path: string): FieldError[] {
  if (!isObj(probe)) return [];
  const errs = validateHandler(probe, PROBE_HANDLERS, gracePeriod, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(probe[f], `${path}.${f}`));
  }
  const tgps = num(probe.terminationGracePeriodSeconds);
  if (tgps !== undefined && tgps <= 0) errs.push(fieldInvalid(`${path}.terminationGracePeriodSeconds`, tgps, 'must be greater than 0'));
  if (kind === 'readiness') {
    if (tgps !== undefined) errs.push(fieldInvalid(`${path}.terminationGracePeriodSeconds`, tgps, 'must not be set for readinessProbes'));
  } else if ((num(probe.successThreshold) ?? 0) !== 1) {
    errs.push(fieldInvalid(`${path}.successThreshold`, num(probe.successThreshold) ?? 0, 'must be 1'));
  }
  return errs;
}

function validateLifecycle(lc: Obj, gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(lc.postStart)) errs.push(...validateHandler(lc.postStart, LIFECYCLE_HANDLERS, gracePeriod, `${path}.postStart`));
  if (isObj(lc.preStop)) errs.push(...validateHandler(lc.preStop, LIFECYCLE_HANDLERS, gracePeriod, `${path}.preStop`));
  return errs;
}

function idRange(value: unknown, path: string): FieldError[] {
  const n = num(value);
  return n !== undefined && (n < 0 || n > MAX_UINT32) ? [fieldInvalid(path, n, inclusiveRangeError(0, MAX_UINT32))] : [];
}

function validateSeccompProfile(sp: unknown, path: string): FieldError[] {
  if (!isObj(sp)) return [];
  const errs: FieldError[] = [];
  const t = str(sp.type);
  const supported = ['Localhost', 'RuntimeDefault', 'Unconfined'];
  if (t === '') errs.push(fieldRequired(`${path}.type`, 'type is required when seccompProfile is set'));
  else if (!supported.includes(t)) errs.push(fieldNotSupported(`${path}.type`, t, supported));
  if (t === 'Localhost') {
    if (sp.localhostProfile === undefined || sp.localhostProfile === null) {
      errs.push(fieldRequired(`${path}.localhostProfile`, 'must be set when seccomp type is Localhost'));
    } else {
      errs.push(...validateLocalDescendingPath(str(sp.localhostProfile), `${path}.localhostProfile`));
    }
  } else if (sp.localhostProfile !== undefined && sp.localhostProfile !== null) {
    errs.push(fieldInvalid(`${path}.localhostProfile`, sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

function validateAppArmorProfile(p: unknown, path: string): FieldError[] {
  if (!isObj(p)) return [];
  const t = str(p.type);
  if (t === 'Localhost') {
    const lp = p.localhostProfile;
    if (lp === undefined || lp === null) return [fieldRequired(`${path}.localhostProfile`, 'must be set when AppArmor type is Localhost')];
    if (str(lp).trim() !== str(lp)) return [fieldInvalid(`${path}.localhostProfile`, str(lp), 'must not be padded with whitespace')];
    if (str(lp) === '') return [fieldRequired(`${path}.localhostProfile`, 'must be set when AppArmor type is Localhost')];
    return [];
  }
  if (t === 'RuntimeDefault' || t === 'Unconfined') {
    return p.localhostProfile !== undefined && p.localhostProfile !== null
      ? [fieldInvalid(`${path}.localhostProfile`, str(p.localhostProfile), 'can only be set when AppArmor type is Localhost')]
      : [];
  }
  if (t === '') return [fieldRequired(`${path}.type`, 'type is required when appArmorProfile is set')];
  return [fieldNotSupported(`${path}.type`, t, ['Localhost', 'RuntimeDefault', 'Unconfined'])];
}

function validateSecurityContext(sc: unknown, path: string, hostUsers: boolean, opts: PodValidationOptions): FieldError[] {
  if (!isObj(sc)) return [];
  const errs: FieldError[] = [];
  if (sc.privileged === true && opts.allowPrivileged === false) errs.push(fieldForbidden(`${path}.privileged`, 'disallowed by cluster policy'));
  errs.push(...idRange(sc.runAsUser, `${path}.runAsUser`));
  errs.push(...idRange(sc.runAsGroup, `${path}.runAsGroup`));
  if (sc.procMount !== undefined && sc.procMount !== null) {
    const pm = str(sc.procMount);
    if (pm !== 'Default' && pm !== 'Unmasked') errs.push(fieldNotSupported(`${path}.procMount`, pm, ['Default', 'Unmasked']));
    if (hostUsers && pm === 'Unmasked') errs.push(fieldInvalid(`${path}.procMount`, pm, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, `${path}.seccompProfile`));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(fieldInvalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if (arr(obj(sc.capabilities).add).includes('CAP_SYS_ADMIN')) {
      errs.push(fieldInvalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, `${path}.appArmorProfile`));
  return errs;
}

function validateResizePolicy(list: unknown, path: string, podRestartPolicy: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(list).forEach((x, i) => {
    const p = obj(x);
    const rn = str(p.resourceName);
    const rp = str(p.restartPolicy);
    if (seen.has(rn)) errs.push(fieldDuplicate(idx(path, i), rn));
    seen.add(rn);
    if (rn === '') errs.push(fieldRequired(path));
    else if (rn !== 'cpu' && rn !== 'memory') errs.push(fieldNotSupported(path, rn, ['cpu', 'memory']));
    if (rp === '') errs.push(fieldRequired(path));
    else if (rp !== 'NotRequired' && rp !== 'RestartContainer') errs.push(fieldNotSupported(path, rp, ['NotRequired', 'RestartContainer']));
    if (podRestartPolicy === 'Never' && rp !== 'NotRequired') errs.push(fieldInvalid(path, rp, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
  });
  return errs;
}

interface SpecContext {
  volumes: Map<string, Obj>;
  gracePeriod: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
  opts: PodValidationOptions;
}

function validateContainerCommon(c: Obj, path: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (name === '') errs.push(fieldRequired(`${path}.name`));
  else errs.push(...dns1123Label(name, `${path}.name`));
  if (str(c.image) === '') errs.push(fieldRequired(`${path}.image`));
  const tmp = str(c.terminationMessagePolicy);
  if (tmp === '') errs.push(fieldRequired(`${path}.terminationMessagePolicy`));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(fieldNotSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, ctx.volumes, c, `${path}.volumeMounts`));
  const pull = str(c.imagePullPolicy);
  if (pull === '') errs.push(fieldRequired(`${path}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) {
    errs.push(fieldNotSupported(`${path}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']));
  }
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  errs.push(...validateResizePolicy(c.resizePolicy, `${path}.resizePolicy`, ctx.restartPolicy));
  errs.push(...validateSecurityContext(c.securityContext, `${path}.securityContext`, ctx.hostUsers, ctx.opts));
  return errs;
}

/** AccumulateUniqueHostPorts: "<protocol>/<hostIP>/<port>" must be unique. */
function checkHostPortConflicts(containers: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c.ports).forEach((pp, pi) => {
      const port = obj(pp);
      const hp = num(port.hostPort) ?? 0;
      if (hp === 0) return;
      const k = `${str(port.protocol)}/${str(port.hostIP)}/${hp}`;
      if (seen.has(k)) errs.push(fieldDuplicate(`${path}[${ci}].ports[${pi}].hostPort`, k));
      else seen.add(k);
    });
  });
  return errs;
}

function validateContainers(containers: unknown, path: string, ctx: SpecContext): FieldError[] {
  const list = arr(containers).map(obj);
  if (list.length === 0) return [fieldRequired(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const p = idx(path, i);
    errs.push(...validateContainerCommon(c, p, ctx));
    const name = str(c.name);
    if (names.has(name)) errs.push(fieldDuplicate(`${p}.name`, name));
    else names.add(name);
    if (isObj(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, `${p}.lifecycle`));
    errs.push(...validateProbe(c.livenessProbe, 'liveness', ctx.gracePeriod, `${p}.livenessProbe`));
    errs.push(...validateProbe(c.readinessProbe, 'readiness', ctx.gracePeriod, `${p}.readinessProbe`));
    errs.push(...validateProbe(c.startupProbe, 'startup', ctx.gracePeriod, `${p}.startupProbe`));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      errs.push(fieldForbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    }
  });
  errs.push(...checkHostPortConflicts(list, path));
  return errs;
}

function validateInitContainers(initContainers: unknown, regular: unknown, path: string, ctx: SpecContext): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(arr(regular).map((c) => str(obj(c).name)));
  arr(initContainers)
    .map(obj)
    .forEach((c, i) => {
      const p = idx(path, i);
      errs.push(...validateContainerCommon(c, p, ctx));
      let restartAlways = false;
      if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
        if (c.restartPolicy !== 'Always') errs.push(fieldNotSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
        restartAlways = c.restartPolicy === 'Always';
      }
      const name = str(c.name);
      if (names.has(name)) errs.push(fieldDuplicate(`${p}.name`, name));
      else if (name !== '') names.add(name);
      // kube checks each init container alone and with index 0 in the path.
      errs.push(...checkHostPortConflicts([c], path));
      if (restartAlways) {
        if (isObj(c.lifecycle)) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, `${p}.lifecycle`));
        errs.push(...validateProbe(c.livenessProbe, 'liveness', ctx.gracePeriod, `${p}.livenessProbe`));
        errs.push(...validateProbe(c.readinessProbe, 'readiness', ctx.gracePeriod, `${p}.readinessProbe`));
        errs.push(...validateProbe(c.startupProbe, 'startup', ctx.gracePeriod, `${p}.startupProbe`));
      } else {
        for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
          if (c[f] !== undefined && c[f] !== null) errs.push(fieldForbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
        }
      }
      if (arr(c.resizePolicy).length > 0) errs.push(fieldInvalid(`${p}.resizePolicy`, c.resizePolicy, 'must not be set for init containers'));
    });
  return errs;
}

// ---- scheduling-related ----

function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (!allowEmpty && effect === '') return [fieldRequired(path)];
  const valid = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
  return valid.includes(effect) ? [] : [fieldNotSupported(path, effect, valid)];
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(tolerations).forEach((t, i) => {
    const tol = obj(t);
    const p = idx(path, i);
    const k = str(tol.key);
    const op = str(tol.operator);
    const effect = str(tol.effect);
    const value = str(tol.value);
    if (k !== '') errs.push(...validateLabelName(k, `${p}.key`));
    if (k === '' && op !== 'Exists') {
      errs.push(fieldInvalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (tol.tolerationSeconds !== undefined && tol.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(fieldInvalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const ve = isValidLabelValue(value);
      if (ve.length) errs.push(fieldInvalid(`${p}.operator`, value, ve.join(';')));
    } else if (op === 'Exists') {
      if (value !== '') errs.push(fieldInvalid(`${p}.operator`, value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(fieldNotSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    }
    if (effect !== '') errs.push(...validateTaintEffect(effect, true, `${p}.effect`));
  });
  return errs;
}

function validateNodeSelectorRequirement(rq: Obj, allowInvalidValues: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = arr(rq.values).map(str);
  switch (str(rq.operator)) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldRequired(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fieldForbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(fieldRequired(`${path}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(fieldInvalid(`${path}.operator`, str(rq.operator), 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(rq.key), `${path}.key`));
  if (!allowInvalidValues) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) errs.push(fieldInvalid(`${path}.values[${i}]`, v, m));
    });
  }
  return errs;
}

function validateNodeSelectorTerm(term: Obj, allowInvalidValues: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(term.matchExpressions).forEach((r, j) => errs.push(...validateNodeSelectorRequirement(obj(r), allowInvalidValues, `${path}.matchExpressions[${j}]`)));
  arr(term.matchFields).forEach((r, j) => {
    const req = obj(r);
    const p = `${path}.matchFields[${j}]`;
    const values = arr(req.values).map(str);
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (values.length !== 1) errs.push(fieldRequired(`${p}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    } else {
      errs.push(fieldInvalid(`${p}.operator`, str(req.operator), 'not a valid selector operator'));
    }
    if (str(req.key) !== 'metadata.name') errs.push(fieldInvalid(`${p}.key`, str(req.key), 'not a valid field selector key'));
    else values.forEach((v, i) => errs.push(...byName(nameIsDNSSubdomain, v, `${p}.values[${i}]`)));
  });
  return errs;
}

function validatePodAffinityTerm(term: Obj, path: string): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, `${path}.labelSelector`);
  errs.push(...validateLabelSelector(term.namespaceSelector, `${path}.namespaceSelector`));
  for (const ns of arr(term.namespaces).map(str)) errs.push(...byName(nameIsDNSLabel, ns, `${path}.namespace`));
  const tk = str(term.topologyKey);
  if (tk === '') errs.push(fieldRequired(`${path}.topologyKey`, 'can not be empty'));
  return errs.concat(validateLabelName(tk, `${path}.topologyKey`));
}

function validatePodAffinity(pa: unknown, path: string): FieldError[] {
  if (!isObj(pa)) return [];
  const errs: FieldError[] = [];
  arr(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) =>
    errs.push(...validatePodAffinityTerm(obj(t), `${path}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`)),
  );
  arr(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
    const w = obj(t);
    const p = `${path}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    const weight = num(w.weight) ?? 0;
    if (weight <= 0 || weight > 100) errs.push(fieldInvalid(`${p}.weight`, weight, 'must be in the range 1-100'));
    errs.push(...validatePodAffinityTerm(obj(w.podAffinityTerm), `${p}.podAffinityTerm`));
  });
  return errs;
}

function validateAffinity(affinity: unknown, path: string): FieldError[] {
  if (!isObj(affinity)) return [];
  const errs: FieldError[] = [];
  if (isObj(affinity.nodeAffinity)) {
    const na = affinity.nodeAffinity;
    const np = `${path}.nodeAffinity`;
    if (isObj(na.requiredDuringSchedulingIgnoredDuringExecution)) {
      const terms = arr(na.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms);
      const tp = `${np}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
      if (terms.length === 0) errs.push(fieldRequired(tp, 'must have at least one node selector term'));
      terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(obj(t), false, idx(tp, i))));
    }
    arr(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const term = obj(t);
      const p = `${np}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      const weight = num(term.weight) ?? 0;
      if (weight <= 0 || weight > 100) errs.push(fieldInvalid(`${p}.weight`, weight, 'must be in the range 1-100'));
      errs.push(...validateNodeSelectorTerm(obj(term.preference), true, `${p}.preference`));
    });
  }
  errs.push(...validatePodAffinity(affinity.podAffinity, `${path}.podAffinity`));
  errs.push(...validatePodAffinity(affinity.podAntiAffinity, `${path}.podAntiAffinity`));
  return errs;
}

function validateTopologySpreadConstraints(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(list).forEach((x, i) => {
    const c = obj(x);
    const p = idx(path, i);
    const maxSkew = num(c.maxSkew) ?? 0;
    if (maxSkew <= 0) errs.push(fieldInvalid(`${p}.maxSkew`, maxSkew, IS_NOT_POSITIVE));
    const tk = str(c.topologyKey);
    if (tk === '') errs.push(fieldRequired(`${p}.topologyKey`, 'can not be empty'));
    else errs.push(...validateLabelName(tk, `${p}.topologyKey`));
    const wu = str(c.whenUnsatisfiable);
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(wu)) errs.push(fieldNotSupported(`${p}.whenUnsatisfiable`, wu, ['DoNotSchedule', 'ScheduleAnyway']));
    const pair = `{${tk}, ${wu}}`;
    if (seen.has(pair)) errs.push(fieldDuplicate(p, pair));
    seen.add(pair);
    const md = num(c.minDomains);
    if (md !== undefined && md <= 0) errs.push(fieldInvalid(`${p}.minDomains`, md, IS_NOT_POSITIVE));
    errs.push(...validateLabelSelector(c.labelSelector, `${p}.labelSelector`));
  });
  return errs;
}

function validatePodDNSConfig(dnsConfig: unknown, dnsPolicy: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (dnsPolicy === 'None') {
    if (!isObj(dnsConfig)) return [fieldRequired(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(dnsConfig.nameservers).length === 0) return [fieldRequired(`${path}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!isObj(dnsConfig)) return errs;
  const ns = arr(dnsConfig.nameservers).map(str);
  if (ns.length > 3) errs.push(fieldInvalid(`${path}.nameservers`, ns, 'must not have more than 3 nameservers'));
  ns.forEach((n, i) => errs.push(...validIP(n, `${path}.nameservers[${i}]`)));
  const searches = arr(dnsConfig.searches).map(str);
  if (searches.length > 32) errs.push(fieldInvalid(`${path}.searches`, searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(fieldInvalid(`${path}.searches`, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => errs.push(...dns1123Subdomain(s.replace(/\.$/, ''), `${path}.searches[${i}]`)));
  arr(dnsConfig.options).forEach((o, i) => {
    if (str(obj(o).name) === '') errs.push(fieldRequired(`${path}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

const SYSCTL_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

function validatePodSecurityContext(spec: Obj, path: string): FieldError[] {
  const sc = spec.securityContext;
  if (!isObj(sc)) return [];
  const errs: FieldError[] = [];
  errs.push(...idRange(sc.fsGroup, `${path}.fsGroup`));
  errs.push(...idRange(sc.runAsUser, `${path}.runAsUser`));
  errs.push(...idRange(sc.runAsGroup, `${path}.runAsGroup`));
  arr(sc.supplementalGroups).forEach((g, i) => errs.push(...idRange(g, `${path}.supplementalGroups[${i}]`)));
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(fieldInvalid(`${path}.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const names = new Set<string>();
  arr(sc.sysctls).forEach((s, i) => {
    const name = str(obj(s).name);
    const p = `${path}.sysctls[${i}].name`;
    if (name === '') errs.push(fieldRequired(p));
    else if (name.length > 253 || !SYSCTL_RE.test(name)) {
      errs.push(fieldInvalid(p, name, `must have at most 253 characters and match regex ${SYSCTL_RE.source}`));
    } else if (names.has(name)) errs.push(fieldDuplicate(p, name));
    if (spec.hostNetwork === true && name.startsWith('net.')) errs.push(fieldInvalid(p, name, "may not be specified when 'hostNetwork' is true"));
    if (spec.hostIPC === true && (name.startsWith('kernel.shm') || name.startsWith('kernel.msg') || name.startsWith('kernel.sem') || name.startsWith('fs.mqueue.'))) {
      errs.push(fieldInvalid(p, name, "may not be specified when 'hostIPC' is true"));
    }
    names.add(name);
  });
  if (sc.fsGroupChangePolicy !== undefined && sc.fsGroupChangePolicy !== null && !['Always', 'OnRootMismatch'].includes(str(sc.fsGroupChangePolicy))) {
    errs.push(fieldNotSupported(`${path}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, `${path}.seccompProfile`));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, `${path}.appArmorProfile`));
  if (sc.supplementalGroupsPolicy !== undefined && sc.supplementalGroupsPolicy !== null && !['Merge', 'Strict'].includes(str(sc.supplementalGroupsPolicy))) {
    errs.push(fieldNotSupported(`${path}.supplementalGroupsPolicy`, sc.supplementalGroupsPolicy, ['Merge', 'Strict']));
  }
  return errs;
}

// ---- pod spec ----

/** ValidatePodSpec (`path` is usually "spec"). */
export function validatePodSpec(specIn: unknown, path = 'spec', opts: PodValidationOptions = {}): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const tgps = num(spec.terminationGracePeriodSeconds);
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) {
    errs.push(fieldRequired(`${path}.terminationGracePeriodSeconds`));
  }
  const hostUsers = spec.hostUsers !== false;
  const { names: volumes, errs: volErrs } = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...volErrs);
  const restartPolicy = str(spec.restartPolicy);
  const ctx: SpecContext = { volumes, gracePeriod: tgps, restartPolicy, hostUsers, opts };
  errs.push(...validateContainers(spec.containers, `${path}.containers`, ctx));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, `${path}.initContainers`, ctx));
  errs.push(...validateEphemeralContainers(spec.ephemeralContainers, spec.containers, spec.initContainers, `${path}.ephemeralContainers`, (c, p) => validateContainerCommon(c, p, ctx)));

  if (spec.hostNetwork === true) {
    arr(spec.containers).forEach((c, i) => {
      arr(obj(c).ports).forEach((pp, j) => {
        const port = obj(pp);
        const hp = num(port.hostPort) ?? 0;
        if (hp !== (num(port.containerPort) ?? 0)) {
          errs.push(fieldInvalid(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }

  if (restartPolicy === '') errs.push(fieldRequired(`${path}.restartPolicy`));
  else if (!['Always', 'OnFailure', 'Never'].includes(restartPolicy)) {
    errs.push(fieldNotSupported(`${path}.restartPolicy`, restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  const dnsPolicy = str(spec.dnsPolicy);
  if (dnsPolicy === '') errs.push(fieldRequired(`${path}.dnsPolicy`));
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dnsPolicy)) {
    errs.push(fieldNotSupported(`${path}.dnsPolicy`, dnsPolicy, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validatePodSecurityContext(spec, `${path}.securityContext`));
  arr(spec.imagePullSecrets).forEach((s, i) => {
    const ref = obj(s);
    if (Object.keys(ref).some((k) => k !== 'name')) errs.push(fieldInvalid(`${path}.imagePullSecrets[${i}]`, ref, 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, `${path}.affinity`));
  errs.push(...validatePodDNSConfig(spec.dnsConfig, dnsPolicy, `${path}.dnsConfig`));
  arr(spec.readinessGates).forEach((g, i) => errs.push(...validateQualifiedName(str(obj(g).conditionType), `${path}.readinessGates[${i}].conditionType`)));
  const gates = new Set<string>();
  arr(spec.schedulingGates).forEach((g, i) => {
    const name = str(obj(g).name);
    errs.push(...validateQualifiedName(name, `${path}.schedulingGates[${i}]`));
    if (gates.has(name)) errs.push(fieldDuplicate(`${path}.schedulingGates[${i}]`, name));
    gates.add(name);
  });
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, `${path}.topologySpreadConstraints`));
  if (!hostUsers) {
    if (spec.hostNetwork === true) errs.push(fieldForbidden(`${path}.hostNetwork`, 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostPID === true) errs.push(fieldForbidden(`${path}.HostPID`, 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostIPC === true) errs.push(fieldForbidden(`${path}.HostIPC`, 'when `pod.Spec.HostUsers` is false'));
  }
  const sa = str(spec.serviceAccountName);
  if (sa !== '') errs.push(...byName(nameIsDNSSubdomain, sa, `${path}.serviceAccountName`));
  const nodeName = str(spec.nodeName);
  if (nodeName !== '') errs.push(...byName(nameIsDNSSubdomain, nodeName, `${path}.nodeName`));
  const ads = num(spec.activeDeadlineSeconds);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) errs.push(fieldInvalid(`${path}.activeDeadlineSeconds`, ads, inclusiveRangeError(1, MAX_INT32)));
  if (str(spec.hostname) !== '') errs.push(...dns1123Label(str(spec.hostname), `${path}.hostname`));
  if (str(spec.subdomain) !== '') errs.push(...dns1123Label(str(spec.subdomain), `${path}.subdomain`));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  arr(spec.hostAliases).forEach((h, i) => {
    const ha = obj(h);
    errs.push(...validIP(str(ha.ip), `${path}.hostAliases[${i}].ip`));
    arr(ha.hostnames).forEach((hn, j) => errs.push(...dns1123Subdomain(str(hn), `${path}.hostAliases[${i}].hostnames[${j}]`)));
  });
  if (str(spec.priorityClassName) !== '') errs.push(...byName(nameIsDNSSubdomain, str(spec.priorityClassName), `${path}.priorityClassName`));
  if (spec.runtimeClassName !== undefined && spec.runtimeClassName !== null) {
    errs.push(...byName(nameIsDNSSubdomain, str(spec.runtimeClassName), `${path}.runtimeClassName`));
  }
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    const pp = str(spec.preemptionPolicy);
    if (pp === '') errs.push(fieldRequired(`${path}.preemptionPolicy`));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(fieldNotSupported(`${path}.preemptionPolicy`, pp, ['PreemptLowerPriority', 'Never']));
  }
  if (isObj(spec.overhead)) errs.push(...validateResourceRequirements({ limits: spec.overhead }, `${path}.overhead`));
  if (isObj(spec.os)) {
    const os = str(spec.os.name);
    if (os !== 'linux' && os !== 'windows') errs.push(fieldNotSupported(`${path}.os.name`, os, ['linux', 'windows']));
  }
  return errs;
}

function podMeta(pod: unknown): ObjectMeta {
  return obj(obj(pod).metadata) as ObjectMeta;
}

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

export function validatePodSpecificAnnotations(annotations: Record<string, string>, spec: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (MIRROR_POD_ANNOTATION in annotations && str(spec.nodeName) === '') {
    errs.push(fieldInvalid(key(path, MIRROR_POD_ANNOTATION), annotations[MIRROR_POD_ANNOTATION], 'must set spec.nodeName if mirror pod annotation is set'));
  }
  if (DELETION_COST_ANNOTATION in annotations) {
    const v = annotations[DELETION_COST_ANNOTATION]!;
    const n = Number(v);
    if (!/^[+-]?\d+$/.test(v) || n < -MAX_INT32 - 1 || n > MAX_INT32) {
      errs.push(fieldInvalid(key(path, DELETION_COST_ANNOTATION), v, 'must be a 32bit integer'));
    }
  }
  return errs;
}

/** validatePodMetadataAndSpec: shared by create and update (and the ephemeralcontainers subresource). */
export function validatePodMetadataAndSpec(pod: unknown, opts: PodValidationOptions): FieldError[] {
  const meta = podMeta(pod);
  const spec = obj(obj(pod).spec);
  const errs = validateObjectMeta(meta, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  errs.push(...validatePodSpecificAnnotations(obj(meta.annotations) as Record<string, string>, spec, 'metadata.annotations'));
  errs.push(...validatePodSpec(spec, 'spec', opts));
  if (str(spec.serviceAccountName) === '') {
    arr(spec.volumes).forEach((v, vi) => {
      const projected = obj(v).projected;
      if (!isObj(projected)) return;
      arr(projected.sources).forEach((s, si) => {
        if (isObj(obj(s).serviceAccountToken)) {
          errs.push(
            fieldForbidden(`spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`, 'must not be specified when serviceAccountName is not set'),
          );
        }
      });
    });
  }
  for (const list of ['containers', 'initContainers'] as const) {
    arr(spec[list]).forEach((c, i) => {
      const image = str(obj(c).image);
      if (image !== image.trim()) errs.push(fieldInvalid(`spec.${list}[${i}].image`, image, 'must not have leading or trailing whitespace'));
    });
  }
  return errs;
}

/**
 * ValidatePodTemplateSpec: the template's labels and annotations (at `<path>.labels`, `<path>.annotations`, as kube
 * reports them), its PodSpec at `<path>.spec`, and no ephemeral containers. Call on a defaulted template.
 */
export function validatePodTemplateSpec(templateIn: unknown, path: string, opts: PodValidationOptions = {}): FieldError[] {
  const template = obj(templateIn);
  const meta = obj(template.metadata);
  const spec = obj(template.spec);
  const errs = validateLabels(meta.labels, `${path}.labels`);
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validatePodSpecificAnnotations(obj(meta.annotations) as Record<string, string>, spec, `${path}.annotations`));
  errs.push(...validatePodSpec(spec, `${path}.spec`, opts));
  if (arr(spec.ephemeralContainers).length > 0) errs.push(fieldForbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return errs;
}

/** ValidatePodCreate: metadata, spec, and the create-only rules. Call on a defaulted pod. */
export function validatePod(pod: unknown, opts: PodValidationOptions = {}): FieldError[] {
  const errs = validatePodMetadataAndSpec(pod, opts);
  const spec = obj(obj(pod).spec);
  if (arr(spec.ephemeralContainers).length > 0) errs.push(fieldForbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) !== '' && arr(spec.schedulingGates).length !== 0) {
    errs.push(fieldForbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

/** The fields a pod update may change, in kube's wording (1.32, default feature gates). */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

export const POD_UPDATE_FORBIDDEN_PREFIX = `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}`;

function validateContainerUpdates(newList: unknown, oldList: unknown, path: string): { errs: FieldError[]; stop: boolean } {
  const n = arr(newList);
  const o = arr(oldList);
  if (n.length !== o.length) return { errs: [fieldForbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    const image = str(obj(c).image);
    if (image === '') errs.push(fieldRequired(`${path}[${i}].image`));
    if (image.trim() !== image) errs.push(fieldInvalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

function validateOnlyAddedTolerations(newT: unknown, oldT: unknown, path: string): FieldError[] {
  const newList = arr(newT).map(obj);
  for (const old of arr(oldT).map(obj)) {
    const found = newList.some((nt) => semanticEqual({ ...old, tolerationSeconds: nt.tolerationSeconds }, nt));
    if (!found) return [fieldForbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newT, path);
}

/**
 * ValidatePodUpdate: the new pod must be valid and only image, activeDeadlineSeconds, tolerations (additions),
 * schedulingGates (removals) and terminationGracePeriodSeconds (negative -> 1) may change; otherwise a
 * `spec: Forbidden: pod updates may not change fields other than ...` error followed by a diff.
 */
export function validatePodUpdate(newPod: unknown, oldPod: unknown, opts: PodValidationOptions = {}): FieldError[] {
  const errs = validateObjectMetaUpdate(podMeta(newPod), podMeta(oldPod));
  errs.push(...validatePodMetadataAndSpec(newPod, opts));
  const newAnn = obj(podMeta(newPod).annotations);
  const oldAnn = obj(podMeta(oldPod).annotations);
  if ((MIRROR_POD_ANNOTATION in oldAnn) !== (MIRROR_POD_ANNOTATION in newAnn) || oldAnn[MIRROR_POD_ANNOTATION] !== newAnn[MIRROR_POD_ANNOTATION]) {
    const k = key('metadata.annotations', MIRROR_POD_ANNOTATION);
    errs.push(fieldForbidden(k, MIRROR_POD_ANNOTATION in oldAnn ? 'may not remove or update mirror pod annotation' : 'may not add mirror pod annotation'));
  }
  const ns = obj(obj(newPod).spec);
  const os = obj(obj(oldPod).spec);

  const c = validateContainerUpdates(ns.containers, os.containers, 'spec.containers');
  errs.push(...c.errs);
  if (c.stop) return errs;
  const ic = validateContainerUpdates(ns.initContainers, os.initContainers, 'spec.initContainers');
  errs.push(...ic.errs);
  if (ic.stop) return errs;

  const newADS = num(ns.activeDeadlineSeconds);
  const oldADS = num(os.activeDeadlineSeconds);
  if (newADS !== undefined) {
    if (newADS < 0 || newADS > MAX_INT32) {
      errs.push(fieldInvalid('spec.activeDeadlineSeconds', newADS, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldADS !== undefined && oldADS < newADS) {
      errs.push(fieldInvalid('spec.activeDeadlineSeconds', newADS, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldADS !== undefined) {
    // kube renders the nil pointer as the string "null".
    errs.push(fieldInvalid('spec.activeDeadlineSeconds', 'null', 'must not update from a positive integer to nil value'));
  }

  errs.push(...validateOnlyAddedTolerations(ns.tolerations, os.tolerations, 'spec.tolerations'));

  const oldGates = new Set(arr(os.schedulingGates).map((g) => str(obj(g).name)));
  arr(ns.schedulingGates).forEach((g, i) => {
    const name = str(obj(g).name);
    if (!oldGates.has(name)) {
      errs.push(fieldForbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
    }
  });

  if (semanticEqual(ns, os)) return errs;

  // Munge the updatable fields back to their old values and compare what is left.
  const munged: Obj = structuredClone(ns);
  munged.containers = arr(munged.containers).map((x, i) => ({ ...obj(x), image: obj(arr(os.containers)[i]).image }));
  if (munged.initContainers !== undefined) {
    munged.initContainers = arr(munged.initContainers).map((x, i) => ({ ...obj(x), image: obj(arr(os.initContainers)[i]).image }));
  }
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  munged.schedulingGates = os.schedulingGates;
  munged.tolerations = os.tolerations;
  const oldTGPS = num(os.terminationGracePeriodSeconds);
  if (oldTGPS !== undefined && oldTGPS < 0 && num(munged.terminationGracePeriodSeconds) === 1) {
    munged.terminationGracePeriodSeconds = oldTGPS;
  }
  if (arr(os.schedulingGates).length > 0) {
    // Gated pods may add (not change or remove) nodeSelector entries and tighten node affinity.
    const oldSel = obj(os.nodeSelector);
    const newSel = obj(munged.nodeSelector);
    const changed = Object.keys(oldSel).filter((k) => newSel[k] !== oldSel[k]);
    munged.nodeSelector = os.nodeSelector;
    if (changed.length > 0) errs.push(fieldInvalid('spec.nodeSelector', newSel, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
  }
  if (!semanticEqual(munged, os)) {
    errs.push(fieldForbidden('spec', `${POD_UPDATE_FORBIDDEN_PREFIX}\n${goStyleDiff(os, munged, 'core.PodSpec')}`));
  }
  return errs;
}

function validateIPList(list: unknown, path: string, primary: string | undefined, hostIPs: boolean): FieldError[] {
  const items = arr(list).map((x) => str(obj(x).ip));
  const errs: FieldError[] = [];
  if (hostIPs && items.length > 0 && primary !== items[0]) {
    errs.push(fieldInvalid(`${path}[0].ip`, items[0], 'must be equal to `hostIP`'));
  }
  items.forEach((ip, i) => errs.push(...validIP(ip, idx(path, i))));
  if (items.length > 1) {
    const seen = new Set<string>();
    items.forEach((ip, i) => {
      if (seen.has(ip)) errs.push(fieldDuplicate(idx(path, i), { ip }));
      seen.add(ip);
    });
    const v4 = items.filter((ip) => isIP(ip) && !ip.includes(':')).length;
    const v6 = items.filter((ip) => ip.includes(':')).length;
    if (items.length > 2 || v4 !== 1 || v6 !== 1) errs.push(fieldInvalid(path, arr(list), 'may specify no more than one IP for each IP family'));
  }
  return errs;
}

function validateStateTransitions(newStatuses: unknown, oldStatuses: unknown, path: string, restartPolicy: string, restartable: Set<string>): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  const newList = arr(newStatuses).map(obj);
  arr(oldStatuses).forEach((o, i) => {
    const old = obj(o);
    const term = obj(old.state).terminated;
    if (!isObj(term)) return;
    if ((num(term.exitCode) ?? 0) !== 0 && restartPolicy === 'OnFailure') return;
    if (restartable.has(str(old.name))) return;
    for (const n of newList) {
      if (str(n.name) === str(old.name) && !isObj(obj(n.state).terminated)) {
        errs.push(fieldForbidden(`${path}[${i}].state`, 'may not be transitioned to non-terminated state'));
      }
    }
  });
  return errs;
}

const SYSTEM_POD_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** ValidatePodStatusUpdate: metadata update rules plus what a status writer may not do. */
export function validatePodStatusUpdate(newPod: unknown, oldPod: unknown): FieldError[] {
  const errs = validateObjectMetaUpdate(podMeta(newPod), podMeta(oldPod));
  const nst = obj(obj(newPod).status);
  const ost = obj(obj(oldPod).status);
  const nsp = obj(obj(newPod).spec);
  const osp = obj(obj(oldPod).spec);
  // kube builds this path from "metadata" (sic) and uses a capital T.
  arr(nst.conditions).forEach((c, i) => {
    const t = str(obj(c).type);
    if (!SYSTEM_POD_CONDITIONS.has(t)) errs.push(...validateQualifiedName(t, `metadata.conditions[${i}].Type`));
  });
  if (str(nsp.nodeName) !== str(osp.nodeName)) errs.push(fieldForbidden('status.nodeName', 'may not be changed directly'));
  const nnn = str(nst.nominatedNodeName);
  if (nnn !== str(ost.nominatedNodeName) && nnn !== '') errs.push(...byName(nameIsDNSSubdomain, nnn, 'status.nominatedNodeName'));
  if (str(nst.qosClass) !== str(ost.qosClass)) errs.push(fieldInvalid('status.qosClass', str(nst.qosClass), FIELD_IMMUTABLE));
  const restartPolicy = str(osp.restartPolicy);
  errs.push(...validateStateTransitions(nst.containerStatuses, ost.containerStatuses, 'status.containerStatuses', restartPolicy, new Set()));
  const sidecars = new Set(arr(osp.initContainers).filter((c) => obj(c).restartPolicy === 'Always').map((c) => str(obj(c).name)));
  errs.push(...validateStateTransitions(nst.initContainerStatuses, ost.initContainerStatuses, 'status.initContainerStatuses', restartPolicy, sidecars));
  errs.push(
    ...validateStateTransitions(nst.ephemeralContainerStatuses, ost.ephemeralContainerStatuses, 'status.ephemeralContainerStatuses', 'Never', new Set()),
  );
  errs.push(...validateIPList(nst.podIPs, 'status.podIPs', undefined, false));
  errs.push(...validateIPList(nst.hostIPs, 'status.hostIPs', str(nst.hostIP), true));
  return errs;
}
