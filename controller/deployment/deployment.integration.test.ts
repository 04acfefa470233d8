/**
 * Deployments end to end on a real apiserver (in-process, embedded store) with the scheduler, the ReplicaSet
 * and Deployment controllers, simulated nodes, and the real kubectl: rollout to availability, `set image`
 * with maxUnavailable=1 (a watch never sees fewer than 5 ready), rollout status/history/undo/pause/resume/
 * restart, scale, and a controller restart mid-rollout without duplicate pods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, ReplicaSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { isPodReady } from '../../shared/api/pod-util.ts';
import { Clientset } from '../../shared/client/clientset.ts';
import { RestClient } from '../../shared/client/rest-client.ts';
import { Logger } from '../../shared/util/log.ts';
import { pollUntil } from '../../shared/util/wait.ts';
import { SimNodeHost } from '../../node-agent/sim-nodes.ts';
import { startTestServer, type TestServer } from '../../test/integration/framework/test-server.ts';
import { parseControllers, runControllerManager, type RunningControllerManager } from '../main.ts';

const logger = new Logger({ level: (process.env['KUBELAB_TEST_LOG'] as 'debug' | undefined) ?? 'warn' });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Env {
  server: TestServer;
  rest: RestClient;
  cs: Clientset;
  host: SimNodeHost;
  manager: RunningControllerManager | undefined;
  dir: string;
  kubectl(args: string[], timeoutMs?: number): Promise<Run>;
}

async function startManager(env: Pick<Env, 'cs'>): Promise<RunningControllerManager> {
  return runControllerManager({ clientset: env.cs, controllers: parseControllers('scheduler,replicaset,deployment'), log: logger });
}

async function setUp(): Promise<Env> {
  const server = await startTestServer();
  const rest = new RestClient({ server: server.url });
  const cs = new Clientset(rest);
  const host = new SimNodeHost({ clientset: cs, count: 3, namePrefix: 'node-', log: logger, leaseSpreadMs: 100 });
  await host.start();
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-deploy-'));
  const kubeconfig = join(dir, 'kubeconfig');
  copyFileSync(server.kubeconfig, kubeconfig);
  const env: Env = {
    server,
    rest,
    cs,
    host,
    manager: undefined,
    dir,
    kubectl(args, timeoutMs = 60_000) {
      return new Promise((resolve) => {
        execFile('kubectl', ['--cache-dir', join(dir, 'cache'), ...args], { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir }, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
  };
  env.manager = await startManager(env);
  return env;
}

async function tearDown(env: Env): Promise<void> {
  await env.manager?.stop();
  await env.host.stop();
  env.rest.close();
  await env.server.close();
  rmSync(env.dir, { recursive: true, force: true });
}

function eventually(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  return pollUntil(condition, { intervalMs: 100, timeoutMs }).catch((err: unknown) => {
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: err });
  });
}

const ok = (what: string, r: Run) => assert.equal(r.code, 0, `${what}: rc=${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);

async function deployment(env: Env, name: string): Promise<Deployment> {
  return env.cs.deployments.get('default', name);
}

/** The pods that are not being deleted (the ReplicaSets' view; terminating ones are the node agent's business). */
async function pods(env: Env, selector: string): Promise<Pod[]> {
  return ((await env.cs.pods.list('default', { labelSelector: selector })).items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
}

const isReady = (p: Pod) => !p.metadata.deletionTimestamp && isPodReady(p);

async function rolledOut(env: Env, name: string, replicas: number): Promise<boolean> {
  const d = await deployment(env, name);
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas;
}

test('a Deployment of 6 rolls out, set image keeps 5 ready, rollout history/undo/pause/resume/restart and scale behave as upstream', async () => {
  const env = await setUp();
  try {
    ok('create', await env.kubectl(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=6']));
    ok('patch strategy', await env.kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":1,"maxSurge":0}}}}']));
    await eventually('6 available replicas', () => rolledOut(env, 'web', 6));
    const status = await env.kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    ok('rollout status', status);
    assert.equal(status.stdout.trim().split('\n').at(-1), 'deployment "web" successfully rolled out');
    const d1 = await deployment(env, 'web');
    assert.equal(d1.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.deepEqual(d1.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`).sort(), ['Available=True/MinimumReplicasAvailable', 'Progressing=True/NewReplicaSetAvailable']);
    const spread = new Set((await pods(env, 'app=web')).map((p) => p.spec.nodeName));
    assert.equal(spread.size, 3, 'pods spread over the 3 nodes');

    // set image with maxUnavailable=1: a watch of the pods never sees fewer than 5 ready.
    let minReady = Infinity;
    const readyNow = new Map<string, boolean>();
    const ac = new AbortController();
    const watching = (async () => {
      const list = await env.cs.pods.list('default', { labelSelector: 'app=web' });
      for (const p of list.items as Pod[]) readyNow.set(p.metadata.name ?? '', isReady(p));
      try {
        for await (const ev of env.cs.pods.watch('default', { labelSelector: 'app=web', resourceVersion: list.metadata?.resourceVersion ?? '', signal: ac.signal })) {
          const p = ev.object as Pod;
          if (ev.type === 'DELETED') readyNow.delete(p.metadata.name ?? '');
          else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') readyNow.set(p.metadata.name ?? '', isReady(p));
          minReady = Math.min(minReady, [...readyNow.values()].filter(Boolean).length);
        }
      } catch {
        // aborted
      }
    })();
    ok('set image', await env.kubectl(['set', 'image', 'deployment/web', 'nginx=nginx:1.26']));
    const st2 = await env.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000);
    ok('rollout status after set image', st2);
    assert.match(st2.stdout, /deployment "web" successfully rolled out\n$/);
    ac.abort();
    await watching;
    assert.ok(minReady >= 5, `never fewer than 5 ready during the roll (saw ${minReady})`);
    const after = await pods(env, 'app=web');
    assert.equal(after.filter((p) => !p.metadata.deletionTimestamp).length, 6);
    assert.ok(after.every((p) => p.metadata.deletionTimestamp || p.spec.containers[0]?.image === 'nginx:1.26'));
    assert.equal((await deployment(env, 'web')).metadata.annotations?.['deployment.kubernetes.io/revision'], '2');

    // history and undo
    const hist = await env.kubectl(['rollout', 'history', 'deployment/web']);
    ok('history', hist);
    assert.match(hist.stdout, /^deployment\.apps\/web \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    const undo = await env.kubectl(['rollout', 'undo', 'deployment/web']);
    ok('undo', undo);
    assert.equal(undo.stdout, 'deployment.apps/web rolled back\n');
    await eventually('the undo rolled out', async () => (await rolledOut(env, 'web', 6)) && (await pods(env, 'app=web')).every((p) => p.metadata.deletionTimestamp || p.spec.containers[0]?.image === 'nginx:1.25'), 90_000);
    const rss = (await env.cs.replicaSets.list('default')).items as ReplicaSet[];
    assert.equal(rss.length, 2, 'the old ReplicaSet was reused, not a third one');
    const back = rss.find((r) => r.spec.template?.spec?.containers[0]?.image === 'nginx:1.25');
    assert.equal(back?.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(back?.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    const hist2 = await env.kubectl(['rollout', 'history', 'deployment/web']);
    assert.match(hist2.stdout, /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);

    // pause, change, nothing rolls; resume rolls.
    const paused = await env.kubectl(['rollout', 'pause', 'deployment/web']);
    ok('pause', paused);
    assert.equal(paused.stdout, 'deployment.apps/web paused\n');
    ok('set image while paused', await env.kubectl(['set', 'image', 'deployment/web', 'nginx=nginx:1.27']));
    await eventually('the Progressing condition says paused', async () => getCond(await deployment(env, 'web'), 'Progressing') === 'Unknown/DeploymentPaused');
    assert.equal(((await env.cs.replicaSets.list('default')).items as ReplicaSet[]).length, 2, 'no new ReplicaSet while paused');
    const resumed = await env.kubectl(['rollout', 'resume', 'deployment/web']);
    ok('resume', resumed);
    assert.equal(resumed.stdout, 'deployment.apps/web resumed\n');
    ok('status after resume', await env.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000));
    assert.equal(((await env.cs.replicaSets.list('default')).items as ReplicaSet[]).length, 3);

    // restart makes a new ReplicaSet; scale to 0 and back.
    const restarted = await env.kubectl(['rollout', 'restart', 'deployment/web']);
    ok('restart', restarted);
    assert.equal(restarted.stdout, 'deployment.apps/web restarted\n');
    ok('status after restart', await env.kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000));
    assert.equal(((await env.cs.replicaSets.list('default')).items as ReplicaSet[]).length, 4);
    const scaled = await env.kubectl(['scale', 'deployment/web', '--replicas=0']);
    ok('scale 0', scaled);
    assert.equal(scaled.stdout, 'deployment.apps/web scaled\n');
    await eventually('no active pods left', async () => (await pods(env, 'app=web')).length === 0);
    ok('scale 4', await env.kubectl(['scale', 'deployment/web', '--replicas=4']));
    await eventually('4 available again', () => rolledOut(env, 'web', 4));
    const events = await env.kubectl(['get', 'events', '--field-selector', 'involvedObject.kind=Deployment', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.match(events.stdout, /^Scaled up replica set web-[bcdfghjklmnpqrstvwxz2456789]+ to 6$/m);
    assert.match(events.stdout, /^Scaled down replica set web-[bcdfghjklmnpqrstvwxz2456789]+ to 0 from 6$/m);
  } finally {
    await tearDown(env);
  }
});

function getCond(d: Deployment, type: string): string {
  const c = d.status?.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : '';
}

test('a controller killed mid-rollout finishes it after a restart without duplicate pods', async () => {
  const env = await setUp();
  try {
    ok('create', await env.kubectl(['create', 'deployment', 'api', '--image=nginx:1.25', '--replicas=10']));
    await eventually('10 available', () => rolledOut(env, 'api', 10));
    const seen = new Set<string>();
    const ac = new AbortController();
    const watching = (async () => {
      try {
        for await (const ev of env.cs.pods.watch('default', { labelSelector: 'app=api', signal: ac.signal })) seen.add(((ev.object as Pod).metadata.name) ?? '');
      } catch {
        // aborted
      }
    })();
    ok('set image', await env.kubectl(['set', 'image', 'deployment/api', 'nginx=nginx:1.26']));
    await eventually('the rollout started', async () => (await deployment(env, 'api')).status?.updatedReplicas !== undefined);
    await env.manager?.stop();
    env.manager = await startManager(env);
    ok('rollout status', await env.kubectl(['rollout', 'status', 'deployment/api', '--timeout=90s'], 100_000));
    await eventually('only the 10 new pods active', async () => (await pods(env, 'app=api')).length === 10);
    ac.abort();
    await watching;
    // 10 original + 10 replacements (maxSurge 25% = 3): no pod created twice for the same slot.
    const live = await pods(env, 'app=api');
    assert.equal(live.length, 10);
    assert.equal(seen.size, 20, `pod names seen: ${[...seen].sort().join(' ')}`);
    const rss = (await env.cs.replicaSets.list('default')).items as ReplicaSet[];
    assert.equal(rss.length, 2);
  } finally {
    await tearDown(env);
  }
});
