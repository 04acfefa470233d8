/**
 * PodDisruptionBudgets end to end on a real apiserver (in-process, embedded store) with the scheduler, the
 * ReplicaSet, Deployment, DaemonSet and disruption controllers and simulated nodes: the controller keeps the
 * budget's status as pods come and go, the eviction subresource answers 429 at the budget's minimum and 201
 * when allowed, and the real `kubectl drain` (1.29 and 1.33) cordons, refuses what needs a flag, dry-runs,
 * and evicts through the budget, retrying while it answers 429 until the replacement pod is ready elsewhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Pod } from '../../shared/api/core-v1.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import type { PodDisruptionBudget } from '../../shared/api/policy-v1.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import { RestClient } from '../../shared/client/rest-client.ts';
import { kubectlBinary, type Kubectl, type KubectlEnv } from '../../test/e2e/framework/kubectl.ts';
import { startSimCluster, testLogger, type SimCluster } from '../../test/integration/framework/sim-cluster.ts';
import { untilWith } from '../../test/integration/framework/until.ts';

const log = testLogger();
const until = untilWith({ timeoutMs: 60_000, everyMs: 100 });

const isReady = (p: Pod) => !p.metadata.deletionTimestamp && isPodReady(p);

function deployment(name: string, replicas: number, group: string): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { 'drain-group': group }, terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }] },
      },
    },
  };
}

function daemonSet(name: string, group: string): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { 'drain-group': group }, terminationGracePeriodSeconds: 1, containers: [{ name: 'agent', image: 'localhost/busybox:1.35', command: ['sleep', '3600'] }] },
      },
    },
  };
}

describe('disruption controller, pods/eviction and kubectl drain with simulated nodes', () => {
  let cluster: SimCluster;
  let env: KubectlEnv;
  let cs: Clientset;
  let rest: RestClient;

  before(async () => {
    cluster = await startSimCluster({ controllers: 'scheduler,replicaset,deployment,daemonset,disruption', nodes: 5, nodePrefix: 'pdb-node-', log });
    ({ env, cs } = cluster);
    rest = new RestClient({ server: env.server.url });
  });

  after(async () => {
    rest?.close();
    await cluster?.close();
  });

  const pdbStatus = async (ns: string, name: string) => ((await cs.podDisruptionBudgets.get(ns, name)) as PodDisruptionBudget).status;
  const readyPods = async (ns: string, selector: string) => ((await cs.pods.list(ns, { labelSelector: selector })).items as Pod[]).filter(isReady);

  it('the controller keeps the budget right as pods come and go; evictions get 429 at the minimum and 201 when allowed', async () => {
    const ns = await env.namespace('pdb-status');
    const kubectl = env.kubectl.ns(ns);
    await kubectl.ok(['label', 'node', 'pdb-node-4', 'drain-group=status', '--overwrite']);
    env.write('status-deploy.yaml', JSON.stringify(deployment('web', 3, 'status')));
    await kubectl.ok(['apply', '-f', 'status-deploy.yaml']);
    await kubectl.ok(['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=3']);
    await until('budget at its minimum: 3 healthy of 3 expected, none allowed', async () => {
      const s = await pdbStatus(ns, 'web');
      return s?.expectedPods === 3 && s.currentHealthy === 3 && s.desiredHealthy === 3 && s.disruptionsAllowed === 0 && s.observedGeneration === 1;
    });
    const table = await kubectl.ok(['get', 'pdb', 'web']);
    assert.match(table, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n/);
    assert.match(table, /\nweb\s+3\s+N\/A\s+0\s+\S+\n$/);
    const cond = (await pdbStatus(ns, 'web'))?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    assert.deepEqual([cond?.status, cond?.reason], ['False', 'InsufficientPods']);

    const victim = (await readyPods(ns, 'app=web'))[0]!;
    const evict = (name: string) =>
      rest.requestRaw({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${name}/eviction`, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } } });
    const refused = await evict(victim.metadata.name ?? '');
    assert.equal(refused.statusCode, 429, refused.body);
    assert.match(refused.body, /The disruption budget web needs 3 healthy pods and has 3 currently/);

    // A spec change bumps the generation; the controller catches up and allows one disruption.
    await kubectl.ok(['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":2}}']);
    await until('one disruption allowed at generation 2', async () => {
      const s = await pdbStatus(ns, 'web');
      return s?.observedGeneration === 2 && s.disruptionsAllowed === 1 && s.desiredHealthy === 2;
    });
    const granted = await evict(victim.metadata.name ?? '');
    assert.equal(granted.statusCode, 201, granted.body);
    // The replacement comes up: the budget is back to 3 healthy, one allowed, the granted pod forgotten.
    await until('replacement ready and budget recomputed', async () => {
      const s = await pdbStatus(ns, 'web');
      const ready = await readyPods(ns, 'app=web');
      return ready.length === 3 && !ready.some((p) => p.metadata.uid === victim.metadata.uid) && s?.currentHealthy === 3 && s.disruptionsAllowed === 1 && !s.disruptedPods;
    });
    const allowed = (await pdbStatus(ns, 'web'))?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    assert.deepEqual([allowed?.status, allowed?.reason], ['True', 'SufficientPods']);

    // Scaling the Deployment down leaves the integer minAvailable unmet: nothing allowed.
    await kubectl.ok(['scale', 'deployment/web', '--replicas=2']);
    await until('2 of 2 healthy, minimum 2, none allowed', async () => {
      const s = await pdbStatus(ns, 'web');
      return s?.expectedPods === 2 && s.currentHealthy === 2 && s.disruptionsAllowed === 0;
    });
  });

  for (const [minor, a, b] of [[29, 'pdb-node-0', 'pdb-node-1'], [33, 'pdb-node-2', 'pdb-node-3']] as const) {
    it(`kubectl 1.${minor} drain: flags required, dry run, then evictions through the budget until the replacement is ready`, async () => {
      const group = `k${minor}`;
      const ns = await env.namespace(`drain-k${minor}`);
      const kubectl: Kubectl = env.kubectl.withBinary(kubectlBinary(minor), join(env.dir, `.kube-cache-${minor}`)).ns(ns);
      await kubectl.ok(['label', 'node', a, b, `drain-group=${group}`, '--overwrite']);
      // Both web pods on node a: b is cordoned while they are scheduled.
      await kubectl.ok(['cordon', b]);
      env.write(`deploy-${minor}.yaml`, JSON.stringify(deployment('web', 2, group)));
      env.write(`ds-${minor}.yaml`, JSON.stringify(daemonSet('agent', group)));
      // Two pods without a controller, one with an emptyDir (kubectl names the first filter that refuses a pod).
      const barePod = (name: string, emptyDir: boolean) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { role: 'bare' } },
        spec: {
          nodeName: a,
          terminationGracePeriodSeconds: 1,
          ...(emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
          containers: [{ name: 'c', image: 'localhost/busybox:1.35', ...(emptyDir ? { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] } : {}) }],
        },
      });
      env.write(`bare-${minor}.yaml`, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [barePod('scratch', true), barePod('lonely', false)] }));
      await kubectl.ok(['apply', '-f', `deploy-${minor}.yaml`, '-f', `ds-${minor}.yaml`, '-f', `bare-${minor}.yaml`]);
      await until('two web pods ready on node a, the daemon pod and the bare pod running', async () => {
        const web = await readyPods(ns, 'app=web');
        const agent = (await readyPods(ns, 'app=agent')).filter((p) => p.spec.nodeName === a);
        const bare = await readyPods(ns, 'role=bare');
        return web.length === 2 && web.every((p) => p.spec.nodeName === a) && agent.length === 1 && bare.length === 2;
      });
      await kubectl.ok(['uncordon', b]);
      await kubectl.ok(['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=1']);
      await until('one disruption allowed', async () => (await pdbStatus(ns, 'web'))?.disruptionsAllowed === 1);
      const webBefore = new Set((await readyPods(ns, 'app=web')).map((p) => p.metadata.uid));

      // Without flags: cordoned, then refused with kubectl's reasons for each pod that needs a flag.
      const refused = await kubectl.run(['drain', a]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stdout, new RegExp(`node/${a} cordoned`));
      assert.match(refused.stderr, new RegExp(`cannot delete DaemonSet-managed Pods \\(use --ignore-daemonsets to ignore\\): ${ns}/agent-`));
      assert.match(refused.stderr, new RegExp(`cannot delete Pods with local storage \\(use --delete-emptydir-data to override\\): ${ns}/scratch`));
      assert.match(refused.stderr, new RegExp(`cannot delete Pods (that )?declare no controller \\(use --force to override\\): ${ns}/lonely`));
      assert.equal(((await cs.nodes.get('', a)) as { spec?: { unschedulable?: boolean } }).spec?.unschedulable, true);

      // Server dry run: the evictions are answered, nothing is deleted.
      const dry = await kubectl.run(['drain', a, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--dry-run=server']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /evicting pod .*\(server dry run\)/);
      assert.match(dry.stdout, new RegExp(`node/${a} drained \\(server dry run\\)`));
      assert.equal((await readyPods(ns, 'app=web')).length, 2);
      assert.equal((await pdbStatus(ns, 'web'))?.disruptionsAllowed, 1, 'a dry-run eviction leaves the budget alone');

      // The real drain: one web pod goes at once, the other waits (429, retried every 5 s) for the replacement.
      const drained = await kubectl.run(['drain', a, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=150s'], { timeoutMs: 170_000 });
      assert.equal(drained.code, 0, `stdout: ${drained.stdout}\nstderr: ${drained.stderr}`);
      assert.match(drained.stderr, /error when evicting pods\/"web-[^"]+" -n "[^"]+" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
      // kubectl joins its pod-filter warnings in Go map order, so either order is upstream's output.
      const warning = /^Warning: (.*)\n/.exec(drained.stderr)?.[1] ?? '';
      assert.deepEqual(warning.split('; ').sort(), [`deleting Pods that declare no controller: ${ns}/lonely, ${ns}/scratch`, `ignoring DaemonSet-managed Pods: ${ns}/agent-${/agent-(\w+)/.exec(warning)?.[1] ?? '?'}`].sort(), drained.stderr);
      for (const bare of ['scratch', 'lonely']) {
        assert.match(drained.stdout, new RegExp(`evicting pod ${ns}/${bare}`));
        assert.match(drained.stdout, new RegExp(`pod/${bare} evicted`));
      }
      assert.equal((drained.stdout.match(/pod\/web-\S+ evicted/g) ?? []).length, 2, drained.stdout);
      assert.match(drained.stdout, new RegExp(`node/${a} drained\\n$`));

      // Afterwards: both web pods are new, ready, on node b; the daemon pod stayed; the bare pods are gone.
      await until('web pods ready on node b', async () => {
        const web = await readyPods(ns, 'app=web');
        return web.length === 2 && web.every((p) => p.spec.nodeName === b && !webBefore.has(p.metadata.uid));
      });
      const left = ((await cs.pods.list(ns, { fieldSelector: `spec.nodeName=${a}` })).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
      assert.deepEqual(left.map((p) => p.metadata.labels?.['app']), ['agent']);
      await until('budget back to one allowed', async () => (await pdbStatus(ns, 'web'))?.disruptionsAllowed === 1);
    });
  }
});
