/**
 * The DaemonSet controller against a real API server, the scheduler and simulated nodes: one pod per node
 * (bound by the scheduler through the matchFields node affinity), a new node gets its pod, a tainted node
 * gets none without the toleration and one with it, and `kubectl rollout status|history|undo` with the real
 * kubectl 1.29 and 1.33.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DaemonSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { kubectlBinary, type Kubectl, type KubectlEnv } from '../../test/e2e/framework/kubectl.ts';
import { startSimCluster, testLogger, type SimCluster } from '../../test/integration/framework/sim-cluster.ts';
import { untilWith } from '../../test/integration/framework/until.ts';

const log = testLogger();
const until = untilWith({ timeoutMs: 30_000, everyMs: 50 });

function daemonSet(name: string, extra: Partial<NonNullable<DaemonSet['spec']['template']['spec']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'agent', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }], ...extra },
      },
    },
  };
}

const isReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);

describe('DaemonSet controller with simulated nodes', () => {
  let cluster: SimCluster;
  let env: KubectlEnv;
  let cs: Clientset;

  /** The live pods of a DaemonSet, by node. */
  const podsByNode = async (ns: string, app: string): Promise<Map<string, Pod>> => {
    const pods = ((await cs.pods.list(ns, { labelSelector: `app=${app}` })).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
    return new Map(pods.map((p) => [p.spec.nodeName ?? '', p]));
  };

  before(async () => {
    cluster = await startSimCluster({ controllers: 'daemonset,scheduler', nodes: 3, nodePrefix: 'ds-node-', log });
    ({ env, cs } = cluster);
  });

  after(async () => {
    await cluster?.close();
  });

  it('lands one pod per node; a new node gets its pod; a tainted node gets one only with the toleration', async () => {
    const ns = await env.namespace('ds');
    await cs.daemonSets.create({ ...daemonSet('agent'), metadata: { name: 'agent', namespace: ns } });
    await until('a ready pod on each of the 3 nodes', async () => {
      const m = await podsByNode(ns, 'agent');
      return m.size === 3 && [...m.values()].every(isReady);
    });
    const pods = await podsByNode(ns, 'agent');
    assert.deepEqual([...pods.keys()].sort(), ['ds-node-0', 'ds-node-1', 'ds-node-2']);
    const one = pods.get('ds-node-1') as Pod;
    assert.deepEqual(one.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['ds-node-1'] }] }]);
    assert.ok(one.metadata.labels?.['controller-revision-hash']);
    assert.equal(one.metadata.labels?.['pod-template-generation'], '1');
    await until('status of 3 ready', async () => {
      const s = ((await cs.daemonSets.get(ns, 'agent')) as DaemonSet).status;
      return s?.desiredNumberScheduled === 3 && s.currentNumberScheduled === 3 && s.numberReady === 3 && s.numberAvailable === 3 && s.updatedNumberScheduled === 3 && s.observedGeneration === 1;
    });

    // A new node joins: it gets its pod.
    await cluster.addNodes({ count: 1, startIndex: 3 });
    await until('a ready pod on ds-node-3', async () => {
      const p = (await podsByNode(ns, 'agent')).get('ds-node-3');
      return p !== undefined && isReady(p);
    });

    // A tainted node: none for this DaemonSet; one for a DaemonSet that tolerates the taint.
    await cluster.addNodes({ count: 1, startIndex: 4, taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] });
    await cs.daemonSets.create({
      ...daemonSet('infra', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] }),
      metadata: { name: 'infra', namespace: ns },
    });
    await until('the tolerating DaemonSet on all 5 nodes', async () => {
      const m = await podsByNode(ns, 'infra');
      return m.size === 5 && [...m.values()].every(isReady);
    });
    assert.equal((await podsByNode(ns, 'agent')).has('ds-node-4'), false);
    const s = ((await cs.daemonSets.get(ns, 'agent')) as DaemonSet).status;
    assert.equal(s?.desiredNumberScheduled, 4);
    assert.equal(s?.numberMisscheduled, 0);

    // A deleted daemon pod comes back on its node.
    const victim = (await podsByNode(ns, 'agent')).get('ds-node-0') as Pod;
    await cs.pods.delete(ns, victim.metadata.name ?? '');
    await until('a new ready pod on ds-node-0', async () => {
      const p = (await podsByNode(ns, 'agent')).get('ds-node-0');
      return p !== undefined && p.metadata.uid !== victim.metadata.uid && isReady(p);
    });
  });

  it('a controller restarted in the middle of a rolling update finishes it without a second pod on any node', async () => {
    const ns = await env.namespace('ds-restart');
    await cs.daemonSets.create({ ...daemonSet('roll'), metadata: { name: 'roll', namespace: ns } });
    await until('a ready pod on each node', async () => {
      const s = ((await cs.daemonSets.get(ns, 'roll')) as DaemonSet).status;
      // The four untainted nodes the first test left.
      return s !== undefined && s.desiredNumberScheduled >= 4 && s.numberReady === s.desiredNumberScheduled;
    });
    const desired = ((await cs.daemonSets.get(ns, 'roll')) as DaemonSet).status?.desiredNumberScheduled ?? 0;
    // Every pod the rollout ever creates, by node: with maxSurge 0 a node never has two live pods at once.
    const ac = new AbortController();
    const rv = (await cs.pods.list(ns)).metadata.resourceVersion ?? '0';
    const live = new Map<string, Set<string>>();
    let worst = 0;
    void (async () => {
      try {
        for await (const e of cs.pods.watch(ns, { resourceVersion: rv, signal: ac.signal })) {
          const p = e.object as Pod;
          const node = p.spec?.nodeName ?? p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] ?? '?';
          const set = live.get(node) ?? new Set<string>();
          live.set(node, set);
          if (e.type === 'DELETED' || p.metadata?.deletionTimestamp) set.delete(p.metadata.name ?? '');
          else set.add(p.metadata.name ?? '');
          worst = Math.max(worst, set.size);
        }
      } catch {
        // aborted
      }
    })();
    try {
      await cs.daemonSets.patch(ns, 'roll', 'application/strategic-merge-patch+json', {
        spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }, template: { spec: { containers: [{ name: 'agent', image: 'localhost/busybox:1.36' }] } } },
      });
      await until('the rollout under way', async () => ((((await cs.daemonSets.get(ns, 'roll')) as DaemonSet).status?.updatedNumberScheduled ?? 0) >= 1 ? true : undefined));
      await cluster.restartControllers();
      await until('the rollout finished', async () => {
        const ds = (await cs.daemonSets.get(ns, 'roll')) as DaemonSet;
        const s = ds.status;
        return s !== undefined && s.observedGeneration === ds.metadata.generation && s.updatedNumberScheduled === desired && s.numberAvailable === desired && s.numberMisscheduled === 0;
      });
      const pods = ((await cs.pods.list(ns)).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
      assert.equal(pods.length, desired);
      assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, desired);
      assert.ok(pods.every((p) => p.spec.containers[0]?.image === 'localhost/busybox:1.36'));
      assert.equal(worst, 1, 'a node had two live daemon pods at once');
    } finally {
      ac.abort();
    }
  });

  for (const minor of [29, 33]) {
    it(`kubectl 1.${minor} rollout status, history and undo of a DaemonSet`, async () => {
      const ns = await env.namespace(`ds-k${minor}`);
      const kubectl: Kubectl = env.kubectl.withBinary(kubectlBinary(minor), join(env.dir, `.kube-cache-${minor}`)).ns(ns);
      env.write(`ds-${minor}.yaml`, JSON.stringify(daemonSet('logger')));
      await kubectl.ok(['apply', '-f', `ds-${minor}.yaml`]);
      const status = await kubectl.ok(['rollout', 'status', 'daemonset/logger', '--timeout=60s'], { timeoutMs: 70_000 });
      assert.match(status, /daemon set "logger" successfully rolled out\n$/);
      const nodes = Number((await kubectl.ok(['get', 'daemonset/logger', '-o', 'jsonpath={.status.desiredNumberScheduled}'])).trim());
      assert.ok(nodes >= 3);

      await kubectl.ok(['set', 'image', 'daemonset/logger', 'agent=localhost/busybox:1.36']);
      const status2 = await kubectl.ok(['rollout', 'status', 'daemonset/logger', '--timeout=60s'], { timeoutMs: 70_000 });
      assert.match(status2, /daemon set "logger" successfully rolled out\n$/);
      /** The images of the pods, as kubectl lists them; Terminating pods count as not yet rolled. */
      const imagesAre = async (image: string): Promise<boolean> => {
        const list = JSON.parse(await kubectl.ok(['get', 'pods', '-l', 'app=logger', '-o', 'json'])) as { items: Pod[] };
        return list.items.length === nodes && list.items.every((p) => !p.metadata.deletionTimestamp && p.spec.containers[0]?.image === image);
      };
      await until('every pod on the new image', () => imagesAre('localhost/busybox:1.36'));
      const history = await kubectl.ok(['rollout', 'history', 'daemonset/logger']);
      assert.match(history, /^daemonset\.apps\/logger\s*\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
      const rev1 = await kubectl.ok(['rollout', 'history', 'daemonset/logger', '--revision=1']);
      assert.match(rev1, /Image:\s+localhost\/busybox:1\.35/);

      const undo = await kubectl.ok(['rollout', 'undo', 'daemonset/logger']);
      assert.equal(undo.trim(), 'daemonset.apps/logger rolled back');
      await kubectl.ok(['rollout', 'status', 'daemonset/logger', '--timeout=60s'], { timeoutMs: 70_000 });
      await until('every pod back on the old image', () => imagesAre('localhost/busybox:1.35'));
      const after = await kubectl.ok(['rollout', 'history', 'daemonset/logger']);
      assert.match(after, /\n2\s+<none>\n3\s+<none>\n/);
      // The revision data is byte for byte what kubectl computes from the live object: a no-op is seen as one.
      const same = await kubectl.ok(['rollout', 'undo', 'daemonset/logger', '--to-revision=3']);
      assert.equal(same.trim(), 'daemonset.apps/logger skipped rollback (current template already matches revision 3)');
      const described = await kubectl.ok(['describe', 'daemonset', 'logger']);
      assert.match(described, new RegExp(`Desired Number of Nodes Scheduled: ${nodes}\\n`));
      assert.match(described, new RegExp(`Number of Nodes Scheduled with Up-to-date Pods: ${nodes}\\n`));
      assert.match(described, new RegExp(`Pods Status:\\s+${nodes} Running / 0 Waiting / 0 Succeeded / 0 Failed`));
      assert.match(described, /Normal\s+SuccessfulCreate\s+.*daemonset-controller\s+Created pod: logger-[a-z0-9]{5}/);
    });
  }
});
