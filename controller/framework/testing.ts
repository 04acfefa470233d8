/**
 * Test fixtures for controller unit tests (sample-controller style): a FakeClientset seeded with objects,
 * informers started and synced on a FakeClock, then reconcile() called directly and the recorded actions
 * compared.
 *
 *   const f = await newFixture({ objects: [node('n1'), pod('default', 'web', 'n1')] }, (ctx) => new X(ctx));
 *   await f.controller.reconcile('n1', f.signal);
 *   assert.deepEqual(f.writes(), ['update nodes/status n1']);
 */
import type { Node, NodeCondition, Pod, Taint, Toleration } from '../../shared/api/core-v1.ts';
import type { Lease } from '../../shared/api/coordination-v1.ts';
import type { KubeObject, WatchEvent } from '../../shared/api/meta.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import { ScriptedWatch, settle } from '../../shared/cache/testing.ts';
import { FakeClientset, filterActions, type Action } from '../../shared/client/fake/clientset.ts';
import type { ResourceDescriptor, WatchOptions } from '../../shared/client/interfaces.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger, type Logger } from '../../shared/util/log.ts';
import { FakeRecorder } from './event-recorder.ts';
import { rfc3339, rfc3339Micro } from './time-format.ts';

/** 2026-01-01T00:00:00Z, where every fixture clock starts. */
export const T0 = Date.UTC(2026, 0, 1);

export interface FixtureContext {
  clientset: FakeClientset;
  informerFactory: SharedInformerFactory;
  recorder: FakeRecorder;
  clock: FakeClock;
  log: Logger;
}

export interface Fixture<C> extends FixtureContext {
  controller: C;
  signal: AbortSignal;
  /** Writes recorded since the informers synced (get/list/watch left out), as "verb resource[/sub] name". */
  writes(): string[];
  /** The write actions themselves. */
  writeActions(): Action[];
  /** Lets informer deliveries and pending promise chains run. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** Seeds a fake clientset, builds the controller (so it registers its informers), starts and syncs them. */
export async function newFixture<C>(options: { objects?: KubeObject[]; clock?: FakeClock; resources?: ResourceDescriptor[] }, build: (ctx: FixtureContext) => C): Promise<Fixture<C>> {
  const clock = options.clock ?? new FakeClock(T0);
  const clientset = new FakeClientset({ clock, objects: options.objects ?? [], ...(options.resources ? { resources: options.resources } : {}) });
  const log = silentLogger();
  const informerFactory = new SharedInformerFactory(clientset.client, { clock, log });
  const recorder = new FakeRecorder();
  const ctx: FixtureContext = { clientset, informerFactory, recorder, clock, log };
  const controller = build(ctx);
  const ac = new AbortController();
  informerFactory.start(ac.signal);
  await informerFactory.waitForCacheSync(ac.signal);
  await settle();
  clientset.clearActions();
  const writeActions = () => filterActions(clientset.actions(), { exclude: ['get', 'list', 'watch'] });
  return {
    ...ctx,
    controller,
    signal: ac.signal,
    writeActions,
    writes: () => writeActions().map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.name ?? a.object?.metadata?.name ?? ''}`),
    settle: () => settle(),
    async stop() {
      ac.abort();
      await informerFactory.shutdown();
    },
  };
}

export interface NodeFixture {
  /** Ready condition status; undefined: no conditions at all. */
  ready?: 'True' | 'False' | 'Unknown';
  /** Ready lastHeartbeatTime (ms). @default T0 */
  heartbeatMs?: number;
  taints?: Taint[];
  unschedulable?: boolean;
  podCIDRs?: string[];
  extraConditions?: NodeCondition[];
}

export function newNode(name: string, o: NodeFixture = {}): Node {
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: {} };
  if (o.taints) node.spec = { ...node.spec, taints: o.taints };
  if (o.unschedulable) node.spec = { ...node.spec, unschedulable: true };
  if (o.podCIDRs) node.spec = { ...node.spec, podCIDR: o.podCIDRs[0] as string, podCIDRs: o.podCIDRs };
  if (o.ready) {
    const t = rfc3339(o.heartbeatMs ?? T0);
    node.status = {
      conditions: [
        { type: 'Ready', status: o.ready, reason: o.ready === 'True' ? 'KubeletReady' : 'KubeletNotReady', message: 'kubelet says so', lastHeartbeatTime: t, lastTransitionTime: rfc3339(T0) },
        ...(o.extraConditions ?? []),
      ],
    };
  }
  return node;
}

export function newLease(nodeName: string, renewMs: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: 'kube-node-lease' },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: rfc3339Micro(renewMs) },
  };
}

/**
 * Note: the fake tracker stamps uid and creationTimestamp (with its clock) and drops deletionTimestamp on
 * seeding, like a create; create objects at different clock times, or delete them, to get those.
 */
export interface PodFixture {
  nodeName?: string;
  ready?: boolean;
  tolerations?: Toleration[];
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
}

export function newPod(namespace: string, name: string, o: PodFixture = {}): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `uid-${namespace}-${name}` },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: o.phase ?? 'Running' },
  };
  if (o.nodeName) pod.spec.nodeName = o.nodeName;
  if (o.tolerations) pod.spec.tolerations = o.tolerations;
  if (o.ready !== undefined) {
    pod.status = { ...pod.status, conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: rfc3339(T0) }] };
  }
  return pod;
}

/** A watch that can be held back: a slow watch, which a controller's expectations must survive. */
export interface WatchGate {
  /** Holds every event from now on. */
  pause(): void;
  /** Delivers the held events, in order, and lets later ones through. */
  resume(): void;
  /** Ends the stream (the fake's watch cannot see the informer's abort signal). */
  close(): void;
}

/** Puts a gate on the fake clientset's watches of `resource` (install it before the informers start). */
export function gateWatch(cs: FakeClientset, resource: ResourceDescriptor): WatchGate {
  let paused = false;
  const held: WatchEvent[] = [];
  let out: ScriptedWatch | undefined;
  cs.prependReactor('watch', resource.resource, (action) => {
    const sw = new ScriptedWatch({});
    out = sw;
    void (async () => {
      for await (const ev of cs.tracker.watch(resource, action.namespace, (action.options ?? {}) as WatchOptions)) {
        if (sw.closed) break;
        if (paused) held.push(ev);
        else sw.push(ev);
      }
    })();
    return { events: sw };
  });
  return {
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      out?.push(...held.splice(0));
    },
    close() {
      out?.end();
    },
  };
}
