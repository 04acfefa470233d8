/**
 * What the API-data volumes put in their directories (kubelet pkg/volume/secret, configmap, downwardapi,
 * projected: MakePayload / CollectData / collectData). Each function returns an AtomicWriter payload or
 * throws an Error whose message is what kubelet reports after `MountVolume.SetUp failed for volume "v" : `.
 *
 * - secret: every key of `data` (base64-decoded), or only `items` (renamed to their path, with their mode);
 *   a missing object or key is an error unless `optional`.
 * - configMap: `data` and `binaryData` (base64-decoded) the same way.
 * - downwardAPI: one file per item: a pod field (metadata.name, namespace, uid, labels, annotations, a single
 *   label or annotation) or a container's resource (limits/requests with a divisor).
 * - projected: the sources above plus serviceAccountToken (a TokenRequest bound to the pod), merged into one
 *   directory with the volume's defaultMode; the errors of all sources are reported together.
 * Modes: items[].mode, else defaultMode, else 0644 (the API server defaults defaultMode to 0644 already).
 */
import type { ConfigMap, Container, DownwardAPIVolumeFile, KeyToPath, Pod, Secret, Volume } from '../../shared/api/core-v1.ts';
import { metadataFieldPathValue } from '../../shared/api/field-path.ts';
import { getOptional, type PodObjectGetter } from '../configmap-secret/object-manager.ts';
import { resourceFieldRefValue, type EnvContext } from '../kuberuntime/container-config.ts';
import type { ServiceAccountTokenGetter } from '../token/token-manager.ts';
import type { Payload } from './atomic-writer.ts';

export const DEFAULT_MODE = 0o644;

export interface PayloadContext {
  objects: PodObjectGetter;
  tokens: ServiceAccountTokenGetter;
  /** Node allocatable (resourceFieldRef limits default to it). */
  allocatable: EnvContext['allocatable'];
}

/** utilerrors.NewAggregate's message: one error as itself, several as `[a, b]`. */
export function aggregateMessage(errors: string[]): string {
  return errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
}

function decode(base64: string): Uint8Array {
  return Buffer.from(base64, 'base64');
}

/** secret.MakePayload. */
export function secretPayload(items: KeyToPath[] | undefined, secret: Pick<Secret, 'data'>, defaultMode: number, optional: boolean): Payload {
  const payload: Payload = new Map();
  const data = secret.data ?? {};
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) payload.set(k, { data: decode(v), mode: defaultMode });
    return payload;
  }
  for (const ktp of items) {
    const v = data[ktp.key];
    if (v === undefined) {
      if (optional) continue;
      throw new Error(`references non-existent secret key: ${ktp.key}`);
    }
    payload.set(ktp.path, { data: decode(v), mode: ktp.mode ?? defaultMode });
  }
  return payload;
}

/** configmap.MakePayload: data first, then binaryData. */
export function configMapPayload(items: KeyToPath[] | undefined, cm: Pick<ConfigMap, 'data' | 'binaryData'>, defaultMode: number, optional: boolean): Payload {
  const payload: Payload = new Map();
  const data = cm.data ?? {};
  const binary = cm.binaryData ?? {};
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) payload.set(k, { data: Buffer.from(v, 'utf8'), mode: defaultMode });
    for (const [k, v] of Object.entries(binary)) payload.set(k, { data: decode(v), mode: defaultMode });
    return payload;
  }
  for (const ktp of items) {
    const mode = ktp.mode ?? defaultMode;
    const text = data[ktp.key];
    const bin = binary[ktp.key];
    if (text !== undefined) payload.set(ktp.path, { data: Buffer.from(text, 'utf8'), mode });
    else if (bin !== undefined) payload.set(ktp.path, { data: decode(bin), mode });
    else {
      if (optional) continue;
      throw new Error(`configmap references non-existent config key: ${ktp.key}`);
    }
  }
  return payload;
}

/** fieldpath.ExtractFieldPathAsString: the pod fields a downwardAPI volume may show. */
export function podFieldValue(pod: Pod, fieldPath: string): string {
  const meta = metadataFieldPathValue(pod.metadata, fieldPath);
  if (meta !== undefined) return meta;
  switch (fieldPath) {
    // Not allowed in volumes by API validation, but kubelet's env path knows them; answer the same here.
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default:
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** downwardapi.CollectData: every item it can, the errors of the others together. */
export function downwardAPIPayload(items: DownwardAPIVolumeFile[] | undefined, defaultMode: number, pod: Pod, allocatable: EnvContext['allocatable']): Payload {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items ?? []) {
    const mode = item.mode ?? defaultMode;
    let value = '';
    try {
      if (item.fieldRef) value = podFieldValue(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef) {
        const ref = item.resourceFieldRef;
        const all: Container[] = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
        const container = all.find((c) => c.name === ref.containerName);
        if (!container) throw new Error(`container ${ref.containerName ?? ''} not found`);
        value = resourceFieldRefValue(container, ref.resource, ref.divisor, allocatable);
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
    payload.set(item.path, { data: Buffer.from(value, 'utf8'), mode });
  }
  if (errors.length) throw new Error(aggregateMessage(errors));
  return payload;
}

/** The payload of a secret, configMap, downwardAPI or projected volume. */
export async function volumePayload(volume: Volume, pod: Pod, ctx: PayloadContext): Promise<Payload> {
  const ns = pod.metadata.namespace ?? '';
  if (volume.secret) {
    const s = volume.secret;
    const secret = (await getOptional(() => ctx.objects.getSecret(ns, s.secretName ?? ''), s.optional === true)) ?? {};
    return secretPayload(s.items, secret, s.defaultMode ?? DEFAULT_MODE, s.optional === true);
  }
  if (volume.configMap) {
    const c = volume.configMap;
    const cm = (await getOptional(() => ctx.objects.getConfigMap(ns, c.name ?? ''), c.optional === true)) ?? {};
    return configMapPayload(c.items, cm, c.defaultMode ?? DEFAULT_MODE, c.optional === true);
  }
  if (volume.downwardAPI) return downwardAPIPayload(volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? DEFAULT_MODE, pod, ctx.allocatable);
  if (volume.projected) return projectedPayload(volume.projected.sources ?? [], volume.projected.defaultMode ?? DEFAULT_MODE, pod, ctx);
  throw new Error(`volume ${volume.name} is not an API data volume`);
}

/** projected collectData: each source in order, later sources overwrite earlier paths. */
async function projectedPayload(sources: NonNullable<NonNullable<Volume['projected']>['sources']>, defaultMode: number, pod: Pod, ctx: PayloadContext): Promise<Payload> {
  const ns = pod.metadata.namespace ?? '';
  const payload: Payload = new Map();
  const errors: string[] = [];
  const merge = (p: Payload) => {
    for (const [k, v] of p) payload.set(k, v);
  };
  for (const source of sources) {
    try {
      if (source.secret) {
        const s = source.secret;
        const optional = s.optional === true;
        const secret = (await getOptional(() => ctx.objects.getSecret(ns, s.name ?? ''), optional)) ?? {};
        merge(secretPayload(s.items, secret, defaultMode, optional));
      } else if (source.configMap) {
        const c = source.configMap;
        const optional = c.optional === true;
        const cm = (await getOptional(() => ctx.objects.getConfigMap(ns, c.name ?? ''), optional)) ?? {};
        merge(configMapPayload(c.items, cm, defaultMode, optional));
      } else if (source.downwardAPI) {
        merge(downwardAPIPayload(source.downwardAPI.items, defaultMode, pod, ctx.allocatable));
      } else if (source.serviceAccountToken) {
        const tp = source.serviceAccountToken;
        const tr = await ctx.tokens.getServiceAccountToken(ns, pod.spec.serviceAccountName || 'default', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          metadata: {},
          spec: {
            // No audience: the token is for the API server's own audiences.
            ...(tp.audience ? { audiences: [tp.audience] } : {}),
            expirationSeconds: tp.expirationSeconds ?? 3600,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
          },
        });
        // kubelet writes the token with the volume's defaultMode (0600 only when fsUser/fsGroup ownership is applied).
        payload.set(tp.path, { data: Buffer.from(tr.status?.token ?? '', 'utf8'), mode: defaultMode });
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(aggregateMessage(errors));
  return payload;
}
