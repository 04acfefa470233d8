import type { Container, Pod, Volume, VolumeMount } from '../../../shared/api/core-v1.ts';
import type { Clock } from '../../../shared/util/clock.ts';
import { realClock } from '../../../shared/util/clock.ts';
import { generateName } from '../../registry/generic/store.ts';
import type { AdmissionAttributes } from '../admission.ts';
import { forbidden, type AdmissionPlugin } from '../chain.ts';
import type { AdmissionLookups, ServiceAccountLike } from '../lookups.ts';

export const SERVICE_ACCOUNT_PLUGIN = 'ServiceAccount';
export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
/** Where every container finds its token, ca.crt and namespace. */
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';
/** The projected token's lifetime: 1 hour plus 7 s, so tokens with the extended lifetime are recognizable. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export interface ServiceAccountAdmissionOptions {
  /** Volume name generator (tests fix it); kube's SimpleNameGenerator by default. */
  generateName?: (base: string) => string;
  /** Sleeps between the retries of a missing `default` ServiceAccount. */
  clock?: Clock;
}

/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): on pod create, defaults
 * spec.serviceAccountName to `default`, requires the ServiceAccount to exist, copies its imagePullSecrets when
 * the pod has none, and (unless automountServiceAccountToken is false on the pod, or on the ServiceAccount when
 * the pod leaves it unset) adds the projected `kube-api-access-xxxxx` volume (token, ca.crt, namespace)
 * mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every init and app container. Mirror
 * pods are left alone but may not reference ServiceAccounts, Secrets or token projections.
 */
export function serviceAccountAdmission(lookups: AdmissionLookups, options: ServiceAccountAdmissionOptions = {}): AdmissionPlugin {
  const gen = options.generateName ?? generateName;
  const clock = options.clock ?? realClock;

  async function getServiceAccount(namespace: string, name: string): Promise<ServiceAccountLike | null> {
    // The lister may lag behind a ServiceAccount just created by the controller: the default one is
    // looked up again a few times (as upstream's live lookup with 10 attempts does).
    const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? 10 : 1;
    const interval = 100 + Math.floor(Math.random() * 100);
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await clock.sleep(interval);
      const sa = await lookups.getServiceAccount(namespace, name);
      if (sa) return sa;
    }
    return null;
  }

  async function lookUp(a: AdmissionAttributes, pod: Pod): Promise<ServiceAccountLike> {
    const name = pod.spec.serviceAccountName ?? '';
    let sa: ServiceAccountLike | null;
    try {
      sa = await getServiceAccount(a.namespace, name);
    } catch (e) {
      throw forbidden(a, `error looking up service account ${a.namespace}/${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!sa) throw forbidden(a, `error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`);
    return sa;
  }

  return {
    name: SERVICE_ACCOUNT_PLUGIN,
    handles(a) {
      if (a.resource.group !== '' || a.resource.resource !== 'pods') return false;
      if (a.subresource !== '' && a.subresource !== 'ephemeralcontainers') return false;
      return a.object !== undefined && (a.operation === 'CREATE' || a.operation === 'UPDATE');
    },
    async admit(a) {
      if (a.operation !== 'CREATE' || a.subresource !== '') return;
      const pod = a.object as Pod;
      pod.spec ??= { containers: [] };
      if (isMirrorPod(pod)) return;
      if (!pod.spec.serviceAccountName) {
        pod.spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT_NAME;
        // The deprecated alias follows (v1 conversion keeps both).
        pod.spec.serviceAccount = DEFAULT_SERVICE_ACCOUNT_NAME;
      }
      const sa = await lookUp(a, pod);
      if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod, gen);
      if (!pod.spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
        pod.spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ ...s }));
      }
    },
    async validate(a) {
      const pod = a.object as Pod;
      if (a.operation === 'UPDATE' && a.subresource === 'ephemeralcontainers') {
        const sa = await lookUpIfSet(a, pod);
        if (sa && enforceMountableSecrets(sa)) {
          const refused = limitEphemeralContainerSecretReferences(pod, sa);
          if (refused) throw forbidden(a, refused);
        }
        return;
      }
      if (a.operation !== 'CREATE' || a.subresource !== '') return;
      if (isMirrorPod(pod)) {
        if (pod.spec?.serviceAccountName) throw forbidden(a, 'a mirror pod may not reference service accounts');
        if (referencesSecrets(pod)) throw forbidden(a, 'a mirror pod may not reference secrets');
        for (const v of pod.spec?.volumes ?? []) {
          if (v.projected?.sources?.some((s) => s.serviceAccountToken)) throw forbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
        return;
      }
      if (!pod.spec?.serviceAccountName) throw forbidden(a, `no service account specified for pod ${a.namespace}/${pod.metadata.name ?? ''}`);
      const sa = await lookUp(a, pod);
      if (enforceMountableSecrets(sa)) {
        const refused = limitSecretReferences(pod, sa);
        if (refused) throw forbidden(a, refused);
      }
    },
  };

  async function lookUpIfSet(a: AdmissionAttributes, pod: Pod): Promise<ServiceAccountLike | null> {
    if (!pod.spec?.serviceAccountName) return null;
    return lookUp(a, pod);
  }
}

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

function shouldAutomount(sa: ServiceAccountLike, pod: Pod): boolean {
  if (typeof pod.spec.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** The projected volume kube-apiserver gives every pod (TokenVolumeSource). */
export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 0o644,
    },
  };
}

function mountServiceAccountToken(pod: Pod, gen: (base: string) => string): void {
  const spec = pod.spec;
  // A kube-api-access-* volume already there (a pod created from another pod's manifest) is reused.
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const volumeName = existing?.name ?? gen(`${SERVICE_ACCOUNT_VOLUME_NAME}-`);
  const mount: VolumeMount = { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH };
  let needsVolume = false;
  const visit = (c: Container) => {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) return;
    (c.volumeMounts ??= []).push({ ...mount });
    needsVolume = true;
  };
  for (const c of spec.initContainers ?? []) visit(c);
  for (const c of spec.containers ?? []) visit(c);
  if (!existing && needsVolume) (spec.volumes ??= []).push(tokenVolume(volumeName));
}

function enforceMountableSecrets(sa: ServiceAccountLike): boolean {
  const v = sa.metadata.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  return v !== undefined && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

function referencesSecrets(pod: Pod): boolean {
  const spec = pod.spec;
  if (!spec) return false;
  if (spec.imagePullSecrets?.length) return true;
  for (const v of spec.volumes ?? []) {
    if (v.secret) return true;
    if (v.projected?.sources?.some((s) => s.secret)) return true;
  }
  const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    if (c.envFrom?.some((e) => e.secretRef)) return true;
    if (c.env?.some((e) => e.valueFrom?.secretKeyRef)) return true;
  }
  return false;
}

/** With kubernetes.io/enforce-mountable-secrets: a pod may use only the Secrets its ServiceAccount lists. */
function limitSecretReferences(pod: Pod, sa: ServiceAccountLike): string | undefined {
  const mountable = new Set((sa.secrets ?? []).map((s) => s.name));
  for (const v of pod.spec.volumes ?? []) {
    const name = v.secret?.secretName;
    if (v.secret && !mountable.has(name)) {
      return `volume with secret.secretName="${name ?? ''}" is not allowed because service account ${sa.metadata.name ?? ''} does not reference that secret`;
    }
  }
  const checkEnv = (kind: string, list: Container[] | undefined): string | undefined => {
    for (const c of list ?? []) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(ref.name)) {
          return `${kind} ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${sa.metadata.name ?? ''} does not reference that secret`;
        }
      }
    }
    return undefined;
  };
  const envRefused = checkEnv('init container', pod.spec.initContainers) ?? checkEnv('container', pod.spec.containers);
  if (envRefused) return envRefused;
  const pullSecrets = new Set((sa.imagePullSecrets ?? []).map((s) => s.name));
  for (const [i, ref] of (pod.spec.imagePullSecrets ?? []).entries()) {
    if (!pullSecrets.has(ref.name)) {
      return `imagePullSecrets[${i}].name="${ref.name ?? ''}" is not allowed because service account ${sa.metadata.name ?? ''} does not reference that imagePullSecret`;
    }
  }
  return undefined;
}

function limitEphemeralContainerSecretReferences(pod: Pod, sa: ServiceAccountLike): string | undefined {
  const mountable = new Set((sa.secrets ?? []).map((s) => s.name));
  for (const c of pod.spec.ephemeralContainers ?? []) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !mountable.has(ref.name)) {
        return `ephemeral container ${c.name} with envVar ${e.name} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${sa.metadata.name ?? ''} does not reference that secret`;
      }
    }
  }
  return undefined;
}
