/**
 * The StatefulSet controller against a real API server, the scheduler and simulated nodes (pods really go
 * Running and Ready): ordered creation seen through a watch, stable names across deletes, scale down from
 * the highest ordinal, a rolling update with a partition, and `kubectl rollout status|history|undo` with the
 * real kubectl 1.29 and 1.33.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { StatefulSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import type { WatchEvent } from '../../shared/api/meta.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { kubectlBinary, type Kubectl, type KubectlEnv } from '../../test/e2e/framework/kubectl.ts';
import { startSimCluster, testLogger, type SimCluster } from '../../test/integration/framework/sim-cluster.ts';
import { untilWith } from '../../test/integration/framework/until.ts';

const log = testLogger();
const until = untilWith({ timeoutMs: 30_000, everyMs: 50 });

function statefulSet(name: string, replicas: number, image = 'localhost/busybox:1.35'): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image, command: ['sleep', '3600'] }] },
      },
    },
  };
}

const isReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);

/** A watch of the namespace's pods, recording every event in order, until stopped. */
function recordPods(cs: Clientset, ns: string, rv: string): { events: WatchEvent<Pod>[]; stop: () => void } {
  const ac = new AbortController();
  const events: WatchEvent<Pod>[] = [];
  void (async () => {
    try {
      for await (const e of cs.pods.watch(ns, { resourceVersion: rv, signal: ac.signal })) events.push(e as WatchEvent<Pod>);
    } catch {
      // aborted
    }
  })();
  return { events, stop: () => ac.abort() };
}

describe('StatefulSet controller with simulated nodes', () => {
  let cluster: SimCluster;
  let env: KubectlEnv;
  let cs: Clientset;

  before(async () => {
    cluster = await startSimCluster({ controllers: 'statefulset,scheduler', nodes: 2, nodePrefix: 'sts-node-', log });
    ({ env, cs } = cluster);
  });

  after(async () => {
    await cluster?.close();
  });

  it('starts web-0, web-1, web-2 in order, each once the previous is Running and Ready; keeps names across deletes; scales down from the top', async () => {
    const ns = await env.namespace('sts-order');
    const rv = (await cs.pods.list(ns)).metadata.resourceVersion ?? '0';
    const watch = recordPods(cs, ns, rv);
    try {
      await cs.statefulSets.create({ ...statefulSet('web', 3), metadata: { name: 'web', namespace: ns } });
      await until('three ready pods', async () => {
        const pods = (await cs.pods.list(ns)).items as Pod[];
        return pods.length === 3 && pods.every(isReady);
      });
      // Creation order as the watch saw it, and each creation only after the previous pod was Ready.
      const seenReady = new Set<string>();
      const added: string[] = [];
      for (const e of watch.events) {
        const name = e.object.metadata.name ?? '';
        if (e.type === 'ADDED') {
          const ordinal = Number(name.split('-').pop());
          for (let i = 0; i < ordinal; i++) assert.ok(seenReady.has(`web-${i}`), `web-${ordinal} created before web-${i} was Ready`);
          added.push(name);
        }
        if (isReady(e.object)) seenReady.add(name);
      }
      assert.deepEqual(added, ['web-0', 'web-1', 'web-2']);
      const web1 = (await cs.pods.get(ns, 'web-1')) as Pod;
      assert.equal(web1.spec.hostname, 'web-1');
      assert.equal(web1.spec.subdomain, 'web');
      assert.equal(web1.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-1');
      assert.equal(web1.metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
      assert.ok(web1.spec.nodeName?.startsWith('sts-node-'));

      // Deleted: back under the same name (a new pod).
      await cs.pods.delete(ns, 'web-1');
      await until('web-1 recreated and ready', async () => {
        const p = (await cs.pods.get(ns, 'web-1')) as Pod;
        return p.metadata.uid !== web1.metadata.uid && isReady(p);
      });

      const set = (await cs.statefulSets.get(ns, 'web')) as StatefulSet;
      await until('status of 3 ready', async () => {
        const s = ((await cs.statefulSets.get(ns, 'web')) as StatefulSet).status;
        return s?.readyReplicas === 3 && s.availableReplicas === 3 && s.currentReplicas === 3 && s.updatedReplicas === 3 && s.observedGeneration === set.metadata.generation;
      });

      // Scale down to 1: web-2 goes first, then web-1.
      const mark = watch.events.length;
      await cs.statefulSets.patch(ns, 'web', 'application/merge-patch+json', { spec: { replicas: 1 } });
      await until('one pod left', async () => ((await cs.pods.list(ns)).items.length === 1 ? true : undefined));
      const terminating = watch.events.slice(mark).filter((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp).map((e) => e.object.metadata.name);
      assert.deepEqual([...new Set(terminating)], ['web-2', 'web-1']);
      const deleted = watch.events.slice(mark).filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.name);
      assert.deepEqual(deleted, ['web-2', 'web-1']);
      const events = (await cs.events.list(ns)).items as { reason?: string; message?: string }[];
      assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful'));
      assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'delete Pod web-2 in StatefulSet web successful'));
    } finally {
      watch.stop();
    }
  });

  it('a rolling update with a partition updates only the ordinals at or above it', async () => {
    const ns = await env.namespace('sts-part');
    await cs.statefulSets.create({ ...statefulSet('db', 3), metadata: { name: 'db', namespace: ns } });
    await until('three ready pods', async () => {
      const pods = (await cs.pods.list(ns)).items as Pod[];
      return pods.length === 3 && pods.every(isReady);
    });
    const before = (await cs.statefulSets.get(ns, 'db')) as StatefulSet;
    const oldRevision = before.status?.currentRevision;
    await cs.statefulSets.patch(ns, 'db', 'application/strategic-merge-patch+json', {
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, template: { spec: { containers: [{ name: 'app', image: 'localhost/busybox:1.36' }] } } },
    });
    const imageOf = async (n: string) => ((await cs.pods.get(ns, n)) as Pod).spec.containers[0]?.image;
    await until('db-2 updated and ready', async () => (await imageOf('db-2')) === 'localhost/busybox:1.36' && isReady((await cs.pods.get(ns, 'db-2')) as Pod));
    const mid = await until('status with one updated replica', async () => {
      const s = ((await cs.statefulSets.get(ns, 'db')) as StatefulSet).status;
      return s?.updatedReplicas === 1 && s.readyReplicas === 3 ? s : undefined;
    });
    assert.equal(mid.currentRevision, oldRevision);
    assert.notEqual(mid.updateRevision, oldRevision);
    assert.equal(await imageOf('db-1'), 'localhost/busybox:1.35');
    assert.equal(await imageOf('db-0'), 'localhost/busybox:1.35');

    await cs.statefulSets.patch(ns, 'db', 'application/merge-patch+json', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    const done = await until('all updated, update revision current', async () => {
      const s = ((await cs.statefulSets.get(ns, 'db')) as StatefulSet).status;
      return s?.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision ? s : undefined;
    });
    assert.equal(done.currentReplicas, 3);
    for (const n of ['db-0', 'db-1', 'db-2']) assert.equal(await imageOf(n), 'localhost/busybox:1.36');
  });

  for (const minor of [29, 33]) {
    it(`kubectl 1.${minor} rollout status, history and undo of a StatefulSet`, async () => {
      const ns = await env.namespace(`sts-k${minor}`);
      const kubectl: Kubectl = env.kubectl.withBinary(kubectlBinary(minor), join(env.dir, `.kube-cache-${minor}`)).ns(ns);
      env.write(`sts-${minor}.yaml`, JSON.stringify({ ...statefulSet('web', 2), metadata: { name: 'web' } }));
      await kubectl.ok(['apply', '-f', `sts-${minor}.yaml`]);
      // The API server defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll out.
      const status = await kubectl.ok(['rollout', 'status', 'statefulset/web', '--timeout=60s'], { timeoutMs: 70_000 });
      assert.match(status, /partitioned roll out complete: 2 new pods have been updated\.\.\.\n$/);

      await kubectl.ok(['set', 'image', 'statefulset/web', 'app=localhost/busybox:1.36']);
      const status2 = await kubectl.ok(['rollout', 'status', 'statefulset/web', '--timeout=60s'], { timeoutMs: 70_000 });
      assert.match(status2, /partitioned roll out complete: 2 new pods have been updated\.\.\.\n$/);
      const history = await kubectl.ok(['rollout', 'history', 'statefulset/web']);
      assert.match(history, /^statefulset\.apps\/web\s*\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
      const rev2 = await kubectl.ok(['rollout', 'history', 'statefulset/web', '--revision=2']);
      assert.match(rev2, /Image:\s+localhost\/busybox:1\.36/);

      const undo = await kubectl.ok(['rollout', 'undo', 'statefulset/web']);
      assert.equal(undo.trim(), 'statefulset.apps/web rolled back');
      await kubectl.ok(['rollout', 'status', 'statefulset/web', '--timeout=60s'], { timeoutMs: 70_000 });
      const images = await kubectl.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}']);
      assert.deepEqual(images.trim().split(/\s+/), ['localhost/busybox:1.35', 'localhost/busybox:1.35']);
      const after = await kubectl.ok(['rollout', 'history', 'statefulset/web']);
      assert.match(after, /\n2\s+<none>\n3\s+<none>\n/);
      // The revision data is byte for byte what kubectl computes from the live object: a no-op is seen as one.
      const same = await kubectl.ok(['rollout', 'undo', 'statefulset/web', '--to-revision=3']);
      assert.equal(same.trim(), 'statefulset.apps/web skipped rollback (current template already matches revision 3)');
      const described = await kubectl.ok(['describe', 'statefulset', 'web']);
      assert.match(described, /Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
      assert.match(described, /Normal\s+SuccessfulCreate\s+.*statefulset-controller\s+create Pod web-0 in StatefulSet web successful/);
    });
  }
});
