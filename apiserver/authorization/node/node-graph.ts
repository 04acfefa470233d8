import type { KubeObject } from '../../../shared/api/meta.ts';
import type { Clock } from '../../../shared/util/clock.ts';
import { realClock } from '../../../shared/util/clock.ts';
import { log } from '../../../shared/util/log.ts';
import type { WatchSource } from '../../endpoints/request-context.ts';

/**
 * Which objects each node may read (plugin/pkg/auth/authorizer/node graph.go + graph_populator.go, reduced to
 * what kubelab serves): every pod bound to a node links that node to its ServiceAccount, the Secrets and
 * ConfigMaps it references (volumes, projected sources, env, envFrom, imagePullSecrets) and its
 * PersistentVolumeClaims. Kept as reference counts per (kind, namespace, name) and node, so a check is one
 * lookup. Unscheduled pods link nothing; a deleted pod drops its links.
 */

export type VertexType = 'secret' | 'configmap' | 'pvc' | 'serviceaccount';

interface PodRefs {
  node: string;
  refs: string[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const vertexKey = (type: VertexType, namespace: string, name: string): string => `${type}/${namespace}/${name}`;

/** The (type, name) pairs a pod references, in its namespace (podutil.VisitPodSecretNames / ConfigmapNames, PVCs). */
export function podReferences(pod: KubeObject): { type: VertexType; name: string }[] {
  const out: { type: VertexType; name: string }[] = [];
  const add = (type: VertexType, name: unknown) => {
    const n = str(name);
    if (n) out.push({ type, name: n });
  };
  const spec = obj(pod.spec);
  add('serviceaccount', spec.serviceAccountName);
  for (const s of arr(spec.imagePullSecrets)) add('secret', obj(s).name);
  for (const c of [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)]) {
    for (const ef of arr(obj(c).envFrom)) {
      add('secret', obj(obj(ef).secretRef).name);
      add('configmap', obj(obj(ef).configMapRef).name);
    }
    for (const e of arr(obj(c).env)) {
      const vf = obj(obj(e).valueFrom);
      add('secret', obj(vf.secretKeyRef).name);
      add('configmap', obj(vf.configMapKeyRef).name);
    }
  }
  const podName = str(pod.metadata.name);
  for (const vIn of arr(spec.volumes)) {
    const v = obj(vIn);
    add('secret', obj(v.secret).secretName);
    add('configmap', obj(v.configMap).name);
    for (const src of arr(obj(v.projected).sources)) {
      add('secret', obj(obj(src).secret).name);
      add('configmap', obj(obj(src).configMap).name);
    }
    for (const k of ['azureFile']) add('secret', obj(v[k]).secretName);
    for (const k of ['cephfs', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos']) add('secret', obj(obj(v[k]).secretRef).name);
    add('secret', obj(obj(v.cinder).secretRef).name);
    add('secret', obj(obj(v.csi).nodePublishSecretRef).name);
    add('pvc', obj(v.persistentVolumeClaim).claimName);
    if (v.ephemeral && str(v.name)) add('pvc', `${podName}-${str(v.name)}`);
  }
  return out;
}

export class NodeGraph {
  /** pod uid-or-key -> its node and vertex keys */
  readonly #pods = new Map<string, PodRefs>();
  /** vertex key -> node -> count of pods on that node referencing it */
  readonly #edges = new Map<string, Map<string, number>>();
  #stop = new AbortController();

  /** Whether a pod bound to `node` references the object. */
  hasPathFrom(node: string, type: VertexType, namespace: string, name: string): boolean {
    return (this.#edges.get(vertexKey(type, namespace, name))?.get(node) ?? 0) > 0;
  }

  /** Whether the pod is bound to the node. */
  podOnNode(node: string, namespace: string, name: string): boolean {
    return this.#pods.get(`${namespace}/${name}`)?.node === node;
  }

  /** Pods currently linked (tests). */
  get size(): number {
    return this.#pods.size;
  }

  #podKey(pod: KubeObject): string {
    return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
  }

  #link(refs: PodRefs, delta: 1 | -1): void {
    for (const key of refs.refs) {
      let byNode = this.#edges.get(key);
      if (!byNode) {
        if (delta < 0) continue;
        byNode = new Map();
        this.#edges.set(key, byNode);
      }
      const n = (byNode.get(refs.node) ?? 0) + delta;
      if (n <= 0) byNode.delete(refs.node);
      else byNode.set(refs.node, n);
      if (byNode.size === 0) this.#edges.delete(key);
    }
  }

  /** AddPod / UpdatePod / DeletePod. */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: KubeObject): void {
    const key = this.#podKey(pod);
    const prev = this.#pods.get(key);
    if (prev) {
      this.#link(prev, -1);
      this.#pods.delete(key);
    }
    if (type === 'DELETED') return;
    const node = str(obj(pod.spec).nodeName);
    if (!node) return;
    const ns = pod.metadata.namespace ?? '';
    const refs: PodRefs = { node, refs: [...new Set(podReferences(pod).map((r) => vertexKey(r.type, ns, r.name)))] };
    this.#pods.set(key, refs);
    this.#link(refs, 1);
  }

  replace(pods: KubeObject[]): void {
    this.#pods.clear();
    this.#edges.clear();
    for (const p of pods) this.apply('ADDED', p);
  }

  /** Follows the pods watch cache; resolves once the initial state is in. */
  start(pods: WatchSource, clock: Clock = realClock): Promise<void> {
    const signal = this.#stop.signal;
    return new Promise<void>((resolve) => {
      void (async () => {
        while (!signal.aborted) {
          try {
            const w = await pods.watchCached({ prefix: '/pods/', revision: 'latest', sendInitialEvents: true, bookmarks: true, signal });
            let initial: KubeObject[] | undefined = [];
            for await (const ev of w) {
              if (ev.type === 'BOOKMARK') {
                if (initial && ev.value.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true') {
                  this.replace(initial);
                  initial = undefined;
                  resolve();
                }
                continue;
              }
              if (initial) {
                if (ev.type !== 'DELETED') initial.push(ev.value.object);
                continue;
              }
              this.apply(ev.type, ev.value.object);
            }
          } catch (e) {
            if (signal.aborted) return;
            log.warn('node authorizer graph: watch failed, restarting', { error: String(e) });
          }
          if (signal.aborted) return;
          await clock.sleep(100, signal).catch(() => undefined);
        }
      })();
    });
  }

  stop(): void {
    this.#stop.abort();
    this.#stop = new AbortController();
  }
}
