/**
 * Workloads and configuration on a real `kubelab up --nodes 3 --controllers 2` cluster (issue 12), with the real
 * kubectl (the server's minor through the dispatcher, plus 1.29 and 1.33 where the issue names them) and
 * @kubernetes/client-node:
 *
 * 1. A Deployment of 6 replicas spreads over the nodes; `kubectl set image` rolls it with maxUnavailable=1 (a pod
 *    watch never sees fewer than 5 ready), `rollout status` returns when done, `rollout undo` restores the image,
 *    scale to 0 and back.
 * 2. Deleting Deployments with each propagation policy leaves exactly what upstream leaves.
 * 3. A DaemonSet lands one pod per untainted node; a tainted node gets none until the toleration is added; a new
 *    node gets its pod.
 * 4. A StatefulSet starts web-0, web-1, web-2 in order and keeps names across deletes.
 * 5. Jobs: completions 5 / parallelism 2 completes with never more than 2 active; a failing Job stops at its
 *    backoffLimit with the Failed condition. A CronJob every minute creates Jobs and keeps its history limit (one
 *    real minute or two, overlapped with the rest of the suite).
 * 6. ConfigMaps as env, envFrom and a volume; an update reaches the running container's file within 60 s; a
 *    missing key holds the container in CreateContainerConfigError.
 * 7. `kubectl drain node-2 --ignore-daemonsets` evicts through the eviction API, waits while a PDB forbids, and the
 *    Deployment's pods come back on other nodes; drain and debug send protobuf.
 * 8. The leading controller is killed mid-rollout: the other one finishes it without a duplicate pod.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { CLI_MAIN, Cluster, exec, podReady, prerequisites, sleep, waitFor, withDiagnostics } from './_cluster.ts';
import { Kubectl, kubectlBinary } from '../framework/kubectl.ts';
import type { Pod } from '../../../shared/api/core-v1.ts';
import type { Deployment, ReplicaSet } from '../../../shared/api/apps-v1.ts';
import type { CronJob, Job } from '../../../shared/api/batch-v1.ts';
import type { KubeList, KubeObject, WatchEvent } from '../../../shared/api/meta.ts';

const IMAGE = 'localhost/busybox:1.35';
/** A second tag of the same image (tagged on every node's containerd in `before`): what `set image` rolls to. */
const IMAGE2 = 'localhost/busybox:1.35-rolled';
const HTTPD = ['sh', '-c', 'hostname > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'];

function deployment(name: string, replicas: number, extra: { strategy?: object; affinityNode?: string } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(extra.strategy ? { strategy: extra.strategy } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          ...(extra.affinityNode
            ? { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [extra.affinityNode] }] } }] } } }
            : {}),
          containers: [{ name: 'web', image: IMAGE, command: HTTPD }],
        },
      },
    },
  };
}

/** Collects a watch's events in the background until stopped. */
const watches = new Set<AbortController>();
function collect<T extends KubeObject>(k: Cluster, path: string, query: Record<string, string>, onEvent: (e: WatchEvent<T>) => void): { stop: () => void } {
  const ac = new AbortController();
  watches.add(ac);
  void (async () => {
    while (!ac.signal.aborted) {
      try {
        for await (const e of k.api.watch(path, { ...query, watch: 'true' }, ac.signal)) onEvent(e as WatchEvent<T>);
      } catch {
        if (ac.signal.aborted) return;
        await sleep(200);
      }
    }
  })();
  return { stop: () => { ac.abort(); watches.delete(ac); } };
}

async function get<T>(k: Cluster, path: string): Promise<T | undefined> {
  try {
    return await k.api.request<T>({ path });
  } catch (e) {
    if ((e as { status?: { code?: number } }).status?.code === 404 || (e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

const readyAndLive = (p: Pod) => podReady(p) && !p.metadata.deletionTimestamp;

describe('workloads and configuration on kubelab up --nodes 3 --controllers 2', { concurrency: 1 }, () => {
  let c: Cluster | undefined;
  const cluster = () => {
    if (!c) throw new Error('the cluster did not come up (see the before hook)');
    return c;
  };
  let k29: Kubectl;
  let k33: Kubectl;
  const extraNodes: ChildProcess[] = [];

  before(async () => {
    prerequisites();
    c = await Cluster.up('workloads', [
      '--nodes', '3', '--controllers', '2',
      '--controller-args', '--leader-elect-lease-duration 4s --leader-elect-renew-deadline 3s --leader-elect-retry-period 1s',
    ]);
    k29 = c.kubectl.withBinary(kubectlBinary(29), join(c.stateDir, '.kube-cache-29'));
    k33 = c.kubectl.withBinary(kubectlBinary(33), join(c.stateDir, '.kube-cache-33'));
    // The rolled-to image: the same content under a second name, on every node's containerd.
    for (const n of c.state.nodes) {
      const r = await exec('ctr', ['--address', n.containerdSocket, '-n', 'k8s.io', 'images', 'tag', '--force', IMAGE, IMAGE2]);
      assert.equal(r.code, 0, `ctr images tag on ${n.name}: ${r.stderr}`);
    }
    // Started early, checked late: the CronJob's real minutes overlap the rest of the suite.
    const cron: CronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: {
        schedule: '* * * * *',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 1,
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'tick', image: IMAGE, command: ['sh', '-c', 'date'] }] } } } },
      },
    };
    await c.apply([cron]);
  });
  after(async () => {
    for (const w of watches) w.abort();
    for (const p of extraNodes) p.kill('SIGKILL');
    if (!c) return;
    const r = await c.down();
    if (r.code !== 0) process.stderr.write(`[e2e] kubelab down exited ${r.code}: ${r.stderr}\n`);
    c.cleanup();
  });

  it('a Deployment of 6 spreads over the nodes, rolls with maxUnavailable=1, undoes, scales to 0 and back', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply([deployment('web', 6, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } })]);
    const status = await k33.ok(['rollout', 'status', 'deployment/web', '--timeout=150s'], { timeoutMs: 160_000 });
    assert.match(status, /deployment "web" successfully rolled out/);
    const pods = (await k.pods('default', 'app=web')).filter(readyAndLive);
    assert.equal(pods.length, 6);
    const nodes = new Set(pods.map((p) => p.spec.nodeName));
    t.diagnostic(`pods per node: ${JSON.stringify(pods.reduce<Record<string, number>>((m, p) => ({ ...m, [p.spec.nodeName ?? '']: (m[p.spec.nodeName ?? ''] ?? 0) + 1 }), {}))}`);
    assert.equal(nodes.size, 3, 'the 6 replicas use every node');

    // The roll, sampled by a watch of the pods: ready and not terminating never drops below 5.
    const state = new Map<string, Pod>();
    let min = Infinity;
    let events = 0;
    const w = collect<Pod>(k, '/api/v1/namespaces/default/pods', { labelSelector: 'app=web' }, (e) => {
      const p = e.object as Pod;
      if (e.type === 'DELETED') state.delete(p.metadata.name ?? '');
      else if (e.type === 'ADDED' || e.type === 'MODIFIED') state.set(p.metadata.name ?? '', p);
      else return;
      events++;
      if (events > 6) min = Math.min(min, [...state.values()].filter(readyAndLive).length);
    });
    await waitFor('the pod watch to list the 6 pods', async () => (events >= 6 ? true : undefined), 20_000);
    await k33.ok(['set', 'image', 'deployment/web', `web=${IMAGE2}`]);
    assert.match(await k33.ok(['rollout', 'status', 'deployment/web', '--timeout=180s'], { timeoutMs: 190_000 }), /successfully rolled out/);
    await sleep(500);
    w.stop();
    t.diagnostic(`fewest ready during the roll: ${min} (${events} events)`);
    assert.ok(min >= 5, `never fewer than 5 ready during the roll, saw ${min}`);
    const rolled = (await k.pods('default', 'app=web')).filter(readyAndLive);
    assert.equal(rolled.length, 6);
    assert.ok(rolled.every((p) => p.spec.containers[0]?.image === IMAGE2), 'every pod runs the new image');

    // History and undo (kubectl 1.29 reads what 1.33 wrote).
    const history = await k29.ok(['rollout', 'history', 'deployment/web']);
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    await k29.ok(['rollout', 'undo', 'deployment/web']);
    assert.match(await k29.ok(['rollout', 'status', 'deployment/web', '--timeout=180s'], { timeoutMs: 190_000 }), /successfully rolled out/);
    const undone = await k.api.request<Deployment>({ path: '/apis/apps/v1/namespaces/default/deployments/web' });
    assert.equal(undone.spec.template.spec?.containers[0]?.image, IMAGE);
    assert.equal(undone.metadata.annotations?.['deployment.kubernetes.io/revision'], '3', 'undo makes revision 1 the new revision 3');
    const rss = (await k.api.request<KubeList<ReplicaSet>>({ path: '/apis/apps/v1/namespaces/default/replicasets', query: { labelSelector: 'app=web' } })).items;
    assert.equal(rss.length, 2, 'the undo reuses revision 1\'s ReplicaSet');

    // Scale to 0 and back.
    await k33.ok(['scale', 'deployment/web', '--replicas=0']);
    await waitFor('no web pods', async () => ((await k.pods('default', 'app=web')).length === 0 ? true : undefined), 60_000);
    await k29.ok(['scale', 'deployment/web', '--replicas=6']);
    await k.waitRunning('app=web', 6, 120_000);
    const d = await k.api.request<Deployment>({ path: '/apis/apps/v1/namespaces/default/deployments/web' });
    assert.equal(d.status?.readyReplicas, 6);
    assert.equal(d.status?.observedGeneration, d.metadata.generation);
  }));

  it('delete with Background, Foreground and Orphan propagation leaves what upstream leaves', () => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply(['gc-bg', 'gc-fg', 'gc-or'].map((n) => deployment(n, 2)));
    for (const n of ['gc-bg', 'gc-fg', 'gc-or']) await k.waitRunning(`app=${n}`, 2, 120_000);
    const rsOf = async (app: string) => (await k.api.request<KubeList<ReplicaSet>>({ path: '/apis/apps/v1/namespaces/default/replicasets', query: { labelSelector: `app=${app}` } })).items;
    const deploy = (n: string) => `/apis/apps/v1/namespaces/default/deployments/${n}`;

    // Background: the owner goes at once, its ReplicaSet and pods follow.
    await k.kubectl.ok(['delete', 'deployment', 'gc-bg', '--cascade=background']);
    assert.equal(await get(k, deploy('gc-bg')), undefined);
    await waitFor('gc-bg ReplicaSet and pods collected', async () => ((await rsOf('gc-bg')).length === 0 && (await k.pods('default', 'app=gc-bg')).length === 0 ? true : undefined), 90_000);

    // Foreground: the owner stays (deletionTimestamp, foregroundDeletion finalizer) until its dependents are gone.
    await k.api.request({ method: 'DELETE', path: deploy('gc-fg'), body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' } });
    const held = await get<Deployment>(k, deploy('gc-fg'));
    assert.ok(held, 'the owner is still there right after a Foreground delete');
    assert.ok(held.metadata.deletionTimestamp);
    assert.deepEqual(held.metadata.finalizers, ['foregroundDeletion']);
    await waitFor('gc-fg gone after its dependents', async () => ((await get(k, deploy('gc-fg'))) === undefined ? true : undefined), 90_000);
    assert.equal((await rsOf('gc-fg')).length, 0);
    assert.equal((await k.pods('default', 'app=gc-fg')).length, 0);

    // Orphan: the owner goes, its ReplicaSet stays without an owner reference, the pods stay with theirs.
    await k.kubectl.ok(['delete', 'deployment', 'gc-or', '--cascade=orphan']);
    await waitFor('gc-or deployment gone', async () => ((await get(k, deploy('gc-or'))) === undefined ? true : undefined), 60_000);
    const orphans = await waitFor('the orphaned ReplicaSet without owner references', async () => {
      const r = await rsOf('gc-or');
      return r.length === 1 && !r[0]?.metadata.ownerReferences?.length ? r : undefined;
    }, 60_000);
    const orphanPods = await k.pods('default', 'app=gc-or');
    assert.equal(orphanPods.length, 2);
    assert.ok(orphanPods.every((p) => p.metadata.ownerReferences?.[0]?.uid === orphans[0]?.metadata.uid), 'pods still owned by the ReplicaSet');
    await k.kubectl.ok(['delete', 'replicaset', orphans[0]?.metadata.name ?? '']);
  }));

  it('a DaemonSet: one pod per eligible node, none on a tainted node until tolerated, a new node gets its pod', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    await k.kubectl.ok(['taint', 'node', 'node-3', 'dedicated=infra:NoSchedule']);
    try {
      await k.apply([{
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'agent', image: IMAGE, command: ['sleep', '3600'] }] } },
        },
      }]);
      const onNodes = async () => (await k.pods('default', 'app=agent')).filter(readyAndLive).map((p) => p.spec.nodeName).sort();
      await waitFor('agent pods on node-1 and node-2 only', async () => (JSON.stringify(await onNodes()) === '["node-1","node-2"]' ? true : undefined), 90_000);
      // A new node joins (simulated runtime): it gets its daemon pod.
      const sim = spawn(process.execPath, [CLI_MAIN, 'sim-nodes', '--kubeconfig', k.kubectl.kubeconfig, '--count', '1', '--name-prefix', 'extra-'], { stdio: 'ignore' });
      extraNodes.push(sim);
      await waitFor('agent pod on the new node extra-0', async () => ((await onNodes()).includes('extra-0') ? true : undefined), 90_000);
      // The toleration rolls the set out to node-3 too.
      await k.kubectl.ok(['patch', 'daemonset', 'agent', '-p', JSON.stringify({ spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] } } } })]);
      await waitFor('agent pods on every node', async () => (JSON.stringify(await onNodes()) === '["extra-0","node-1","node-2","node-3"]' ? true : undefined), 120_000);
      assert.match(await k33.ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s'], { timeoutMs: 70_000 }), /daemon set "agent" successfully rolled out/);
      const table = await k.kubectl.ok(['get', 'daemonset', 'agent']);
      t.diagnostic(table);
      assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+4\s+4\s+4\s+4\s+4\s+<none>\s+/);
    } finally {
      for (const p of extraNodes.splice(0)) p.kill('SIGKILL');
      await k.kubectl.run(['delete', 'node', 'extra-0', '--wait=false']);
      await k.kubectl.run(['taint', 'node', 'node-3', 'dedicated-']);
    }
  }));

  it('a StatefulSet of 3 starts web-0, web-1, web-2 in order and keeps names across deletes', () => withDiagnostics(c, async () => {
    const k = cluster();
    const added: string[] = [];
    const readyAtAdd: Record<string, string[]> = {};
    const live = new Map<string, Pod>();
    const w = collect<Pod>(k, '/api/v1/namespaces/default/pods', { labelSelector: 'app=sts' }, (e) => {
      const p = e.object as Pod;
      const name = p.metadata.name ?? '';
      if (e.type === 'ADDED') {
        added.push(name);
        readyAtAdd[name] = [...live.values()].filter(readyAndLive).map((x) => x.metadata.name ?? '').sort();
      }
      if (e.type === 'DELETED') live.delete(name);
      else if (e.type === 'ADDED' || e.type === 'MODIFIED') live.set(name, p);
    });
    await sleep(500);
    await k.apply([{
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sts' },
      spec: {
        replicas: 3, serviceName: 'sts', selector: { matchLabels: { app: 'sts' } },
        template: { metadata: { labels: { app: 'sts' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: IMAGE, command: HTTPD }] } },
      },
    }]);
    await k.waitRunning('app=sts', 3, 120_000);
    assert.deepEqual(added, ['sts-0', 'sts-1', 'sts-2'], 'created in ordinal order');
    assert.deepEqual(readyAtAdd['sts-1'], ['sts-0'], 'sts-1 was created once sts-0 was ready');
    assert.deepEqual(readyAtAdd['sts-2'], ['sts-0', 'sts-1'], 'sts-2 was created once sts-0 and sts-1 were ready');
    const before1 = (await k.pods('default', 'app=sts')).find((p) => p.metadata.name === 'sts-1');
    await k.kubectl.ok(['delete', 'pod', 'sts-1']);
    const after1 = await waitFor('sts-1 recreated', async () => {
      const p = (await k.pods('default', 'app=sts')).find((x) => x.metadata.name === 'sts-1');
      return p && p.metadata.uid !== before1?.metadata.uid && readyAndLive(p) ? p : undefined;
    }, 90_000);
    assert.equal(after1.spec.hostname, 'sts-1');
    assert.equal(after1.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'sts-1');
    w.stop();
    // Scale down removes the highest ordinal first.
    await k.kubectl.ok(['scale', 'statefulset', 'sts', '--replicas=2']);
    await waitFor('sts-2 gone', async () => {
      const names = (await k.pods('default', 'app=sts')).map((p) => p.metadata.name).sort();
      return JSON.stringify(names) === '["sts-0","sts-1"]' ? true : undefined;
    }, 60_000);
    await k.kubectl.ok(['delete', 'statefulset', 'sts']);
  }));

  it('Jobs: 5 completions at parallelism 2 complete; a failing Job stops at its backoffLimit', () => withDiagnostics(c, async () => {
    const k = cluster();
    const active = new Map<string, boolean>();
    let maxActive = 0;
    const w = collect<Pod>(k, '/api/v1/namespaces/default/pods', { labelSelector: 'job-name=five' }, (e) => {
      const p = e.object as Pod;
      const running = e.type !== 'DELETED' && !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
      active.set(p.metadata.name ?? '', running);
      maxActive = Math.max(maxActive, [...active.values()].filter(Boolean).length);
    });
    await k.apply([
      {
        apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'five' },
        spec: { completions: 5, parallelism: 2, template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'w', image: IMAGE, command: ['sh', '-c', 'sleep 1'] }] } } },
      },
      {
        apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'doomed' },
        spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'w', image: IMAGE, command: ['sh', '-c', 'exit 3'] }] } } },
      },
    ]);
    await k.kubectl.ok(['wait', '--for=condition=complete', 'job/five', '--timeout=180s'], { timeoutMs: 190_000 });
    w.stop();
    const five = await k.api.request<Job>({ path: '/apis/batch/v1/namespaces/default/jobs/five' });
    assert.equal(five.status?.succeeded, 5);
    assert.ok(maxActive <= 2 && maxActive >= 1, `at most 2 pods active at once, saw ${maxActive}`);
    assert.ok(five.status?.completionTime);
    const doomed = await waitFor('job doomed Failed', async () => {
      const j = await k.api.request<Job>({ path: '/apis/batch/v1/namespaces/default/jobs/doomed' });
      return j.status?.conditions?.find((x) => x.type === 'Failed' && x.status === 'True') ? j : undefined;
    }, 150_000, 1000);
    const failed = doomed.status?.conditions?.find((x) => x.type === 'Failed');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    assert.equal(failed?.message, 'Job has reached the specified backoff limit');
    assert.equal(doomed.status?.failed, 2, 'backoffLimit 1: two pods failed, no third');
    const table = await k.kubectl.ok(['get', 'jobs', 'five', 'doomed']);
    assert.match(table, /five\s+Complete\s+5\/5\s+/);
    assert.match(table, /doomed\s+Failed\s+0\/1\s+/);
  }));

  it('ConfigMaps: env, envFrom and a volume; an update reaches the file; a missing key is CreateContainerConfigError', () => withDiagnostics(c, async () => {
    const k = cluster();
    await k.kubectl.ok(['create', 'configmap', 'cfg', '--from-literal=greeting=hello', '--from-literal=COLOR=blue']);
    try {
      await k.apply([{
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cfg-user' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'c', image: IMAGE, command: ['sleep', '3600'],
            env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } }],
            envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CM_' }],
            volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
          }],
          volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
        },
      }, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cfg-missing' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope' } } }] }],
        },
      }]);
      await waitFor('cfg-user running', async () => {
        const p = (await k.pods()).find((x) => x.metadata.name === 'cfg-user');
        return p && podReady(p) ? p : undefined;
      }, 90_000);
      const env = await k.kubectl.ok(['exec', 'cfg-user', '--', 'env']);
      assert.match(env, /^GREETING=hello$/m);
      assert.match(env, /^CM_COLOR=blue$/m);
      assert.match(env, /^CM_greeting=hello$/m);
      assert.equal(await k.kubectl.ok(['exec', 'cfg-user', '--', 'cat', '/etc/cfg/greeting']), 'hello');
      await k.kubectl.ok(['patch', 'configmap', 'cfg', '-p', '{"data":{"greeting":"bonjour"}}']);
      let seen = '';
      await waitFor('the file updated in the running container', async () => {
        seen = (await k.kubectl.run(['exec', 'cfg-user', '--', 'sh', '-c', 'cat /etc/cfg/greeting; echo; ls -la --full-time /etc/cfg; date'])).stdout;
        return seen.startsWith('bonjour\n') ? true : undefined;
      }, 60_000, 1000).catch((e: Error) => assert.fail(`${e.message}; last seen:\n${seen}`));
      const missing = await waitFor('cfg-missing in CreateContainerConfigError', async () => {
        const p = (await k.pods()).find((x) => x.metadata.name === 'cfg-missing');
        const waiting = p?.status?.containerStatuses?.[0]?.state?.waiting;
        return waiting?.reason === 'CreateContainerConfigError' ? waiting : undefined;
      }, 60_000);
      assert.equal(missing.message, "couldn't find key nope in ConfigMap default/cfg");
    } finally {
      // Unmanaged pods would make the drain below refuse (it needs --force for them).
      await k.kubectl.run(['delete', 'pod', 'cfg-user', 'cfg-missing', '--ignore-not-found', '--timeout=90s'], { timeoutMs: 100_000 });
    }
  }));

  it('kubectl drain node-2 --ignore-daemonsets evicts, waits while a PDB forbids, and the pods come back elsewhere', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply([
      deployment('critical', 3, { affinityNode: 'node-2' }),
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'critical' }, spec: { minAvailable: 3, selector: { matchLabels: { app: 'critical' } } } },
      {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'everywhere' },
        spec: { selector: { matchLabels: { app: 'everywhere' } }, template: { metadata: { labels: { app: 'everywhere' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, command: ['sleep', '3600'] }] } } },
      },
    ]);
    const crit = await k.waitRunning('app=critical', 3, 120_000);
    const onNode2 = crit.filter((p) => p.spec.nodeName === 'node-2').map((p) => p.metadata.name ?? '');
    assert.ok(onNode2.length >= 1, 'the preferred node holds at least one critical pod');
    await waitFor('the PDB observed (0 disruptions allowed)', async () => {
      const pdb = await k.api.request<{ status?: { currentHealthy?: number; disruptionsAllowed?: number } }>({ path: '/apis/policy/v1/namespaces/default/poddisruptionbudgets/critical' });
      return pdb.status?.currentHealthy === 3 && pdb.status.disruptionsAllowed === 0 ? true : undefined;
    }, 60_000);
    await waitFor('everywhere on node-2', async () => ((await k.pods('default', 'app=everywhere')).some((p) => p.spec.nodeName === 'node-2' && readyAndLive(p)) ? true : undefined), 90_000);

    // Without --ignore-daemonsets drain refuses, as upstream.
    const refused = await k33.run(['drain', 'node-2', '--timeout=5s']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\)/);

    const drain = k33.start(['drain', 'node-2', '--ignore-daemonsets', '--timeout=240s', '-v=8']);
    // While the budget allows nothing, drain retries the eviction.
    await waitFor('drain reporting the disruption budget', async () => (/Cannot evict pod as it would violate the pod's disruption budget/.test(drain.stderr) ? true : undefined), 60_000)
      .catch((e: Error) => assert.fail(`${e.message}\ndrain stdout:\n${drain.stdout}\ndrain stderr (no request logs):\n${drain.stderr.split('\n').filter((l) => !/round_trippers|request\.go|helper\.go|loader\.go|envvar\.go|cert_rotation/.test(l)).slice(-40).join('\n')}`));
    assert.equal((await k.api.request<{ spec?: { unschedulable?: boolean } }>({ path: '/api/v1/nodes/node-2' })).spec?.unschedulable, true, 'cordoned first');
    // A fourth replica (elsewhere: node-2 is cordoned) makes room in the budget.
    await k.kubectl.ok(['scale', 'deployment', 'critical', '--replicas=4']);
    const done = await drain.exit(250_000);
    t.diagnostic(done.stdout);
    assert.equal(done.code, 0, `drain exited ${done.code}: ${done.stderr.slice(-2000)}`);
    assert.match(done.stdout, /node\/node-2 drained/);
    for (const n of onNode2) assert.match(done.stdout, new RegExp(`pod/${n} evicted`));
    assert.match(drain.stderr, /Response[\s\S]*Content-Type: application\/vnd\.kubernetes\.protobuf/, 'kubectl 1.33 reads protobuf during drain');
    const back = await k.waitRunning('app=critical', 4, 120_000);
    assert.ok(back.every((p) => p.spec.nodeName !== 'node-2'), 'every critical pod now runs on another node');
    assert.ok((await k.pods('default', 'app=everywhere')).some((p) => p.spec.nodeName === 'node-2'), 'the daemon pod stays');

    // kubectl debug --copy-to creates a pod copy (client-go sends it as protobuf).
    const dbg = await k33.run(['debug', back[0]?.metadata.name ?? '', '--copy-to=critical-debug', `--image=${IMAGE}`, '--container=debugger', '-v=8', '--', 'sleep', '300']);
    assert.equal(dbg.code, 0, dbg.stderr.slice(-2000));
    assert.match(dbg.stderr, /application\/vnd\.kubernetes\.protobuf/);
    const copy = await k.api.request<Pod>({ path: '/api/v1/namespaces/default/pods/critical-debug' });
    assert.deepEqual(copy.spec.containers.map((x) => x.name), ['web', 'debugger']);
    await k.kubectl.ok(['uncordon', 'node-2']);
    await k.kubectl.ok(['delete', 'pod', 'critical-debug', '--wait=false']);
    await k.kubectl.ok(['delete', 'deployment', 'critical']);
    await k.kubectl.ok(['delete', 'daemonset', 'everywhere']);
    await k.kubectl.ok(['delete', 'pdb', 'critical']);
  }));

  it('client-node: AppsV1Api creates a Deployment, reads its scale and patches it', () => withDiagnostics(c, async () => {
    const k = cluster();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(k.kubectl.kubeconfig);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const dep = deployment('typed', 1);
    delete (dep as Partial<Deployment>).apiVersion;
    delete (dep as Partial<Deployment>).kind;
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: dep as k8s.V1Deployment });
    assert.equal(created.metadata?.generation, 1);
    assert.equal(created.spec?.strategy?.rollingUpdate?.maxSurge, '25%', 'defaulted as upstream');
    await apps.replaceNamespacedDeploymentScale({ namespace: 'default', name: 'typed', body: { metadata: { name: 'typed', namespace: 'default' }, spec: { replicas: 2 } } });
    await k.waitRunning('app=typed', 2, 120_000);
    const scale = await apps.readNamespacedDeploymentScale({ namespace: 'default', name: 'typed' });
    assert.equal(scale.spec?.replicas, 2);
    assert.equal(scale.status?.selector, 'app=typed');
    const list = await apps.listNamespacedDeployment({ namespace: 'default', labelSelector: '' });
    assert.ok(list.items.some((d) => d.metadata?.name === 'typed' && d.status?.readyReplicas === 2));
    await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'typed', propagationPolicy: 'Foreground' });
  }));

  it('the leading controller killed mid-rollout: the other finishes it without a duplicate pod', (t) => withDiagnostics(c, async () => {
    const k = cluster();
    await k.apply([deployment('survive', 6, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } })]);
    await k.waitRunning('app=survive', 6, 150_000);
    const created = new Set<string>();
    const w = collect<Pod>(k, '/api/v1/namespaces/default/pods', { labelSelector: 'app=survive' }, (e) => {
      if (e.type === 'ADDED') created.add((e.object as Pod).metadata.name ?? '');
    });
    await sleep(1000);
    const preexisting = new Set((await k.pods('default', 'app=survive')).map((p) => p.metadata.name ?? ''));
    const lease = await k.api.request<{ spec?: { holderIdentity?: string } }>({ path: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kubelab-controller' });
    const controllers = ['controller-0', 'controller-1'].map((n) => k.daemon(n));
    const leading = controllers.find((d) => readFileSync(d.log, 'utf8').includes(`identity=${lease.spec?.holderIdentity}`));
    assert.ok(leading, `no controller log names the lease holder ${lease.spec?.holderIdentity}`);
    await k.kubectl.ok(['set', 'env', 'deployment/survive', 'ROUND=2']);
    await waitFor('the roll under way', async () => ([...created].some((n) => !preexisting.has(n)) ? true : undefined), 60_000, 100);
    process.kill(leading.pid, 'SIGKILL');
    t.diagnostic(`killed ${leading.name} (pid ${leading.pid}) mid-rollout`);
    assert.match(await k.kubectl.ok(['rollout', 'status', 'deployment/survive', '--timeout=240s'], { timeoutMs: 250_000 }), /successfully rolled out/);
    await sleep(2000);
    w.stop();
    const pods = (await k.pods('default', 'app=survive')).filter((p) => !p.metadata.deletionTimestamp);
    assert.equal(pods.length, 6);
    const fresh = [...created].filter((n) => !preexisting.has(n));
    assert.equal(fresh.length, 6, `exactly 6 new pods created for the new revision, saw ${fresh.length}: ${fresh.join(' ')}`);
    assert.ok(pods.every((p) => p.spec.containers[0]?.env?.some((e) => e.name === 'ROUND' && e.value === '2')));
  }));

  it('a CronJob every minute creates Jobs, which complete, and keeps one successful Job', () => withDiagnostics(c, async () => {
    const k = cluster();
    const jobsOf = async () => (await k.api.request<KubeList<Job>>({ path: '/apis/batch/v1/namespaces/default/jobs' })).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === 'tick');
    // Two scheduled runs (up to ~2 minutes after the cronjob was created in `before`, most of it already spent).
    const seen = new Set<string>();
    await waitFor('two scheduled Jobs completed', async () => {
      const jobs = await jobsOf();
      for (const j of jobs) if (j.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True')) seen.add(j.metadata.name ?? '');
      return seen.size >= 2 ? true : undefined;
    }, 200_000, 2000);
    for (const name of seen) assert.match(name, /^tick-\d+$/, 'named <cronjob>-<minutes since the epoch>');
    await waitFor('history trimmed to 1 successful Job', async () => {
      const done = (await jobsOf()).filter((j) => j.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True'));
      return done.length === 1 ? true : undefined;
    }, 90_000, 1000);
    const cj = await k.api.request<CronJob>({ path: '/apis/batch/v1/namespaces/default/cronjobs/tick' });
    assert.ok(cj.status?.lastScheduleTime);
    assert.ok(cj.status?.lastSuccessfulTime);
    const table = await k.kubectl.ok(['get', 'cronjob', 'tick']);
    assert.match(table, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ntick\s+\* \* \* \* \*\s+<none>\s+False\s+\d\s+/);
    await k.kubectl.ok(['delete', 'cronjob', 'tick']);
  }));
});
