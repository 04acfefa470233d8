/**
 * pods/eviction against a real in-process apiserver (embedded store): the budget arithmetic, the refusals in
 * kube's words and codes, dry run, and the DisruptionTarget condition. PDB status is written by hand here (no
 * disruption controller), as the eviction only reads what the controller last wrote.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import type { Status } from '../../../../shared/api/meta.ts';
import type { PodDisruptionBudget } from '../../../../shared/api/policy-v1.ts';
import { Clientset } from '../../../../shared/client/clientset.ts';
import { RestClient, type RawResponse } from '../../../../shared/client/rest-client.ts';
import { isNotFound } from '../../../../shared/errors/status-error.ts';
import { startTestServer, type TestServer } from '../../../../test/integration/framework/test-server.ts';

let server: TestServer;
let rest: RestClient;
let cs: Clientset;
let n = 0;

before(async () => {
  server = await startTestServer();
  rest = new RestClient({ server: server.url });
  cs = new Clientset(rest);
});
after(async () => {
  rest.close();
  await server.close();
});

async function namespace(): Promise<string> {
  const name = `ev-${++n}`;
  await cs.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

/** A pod bound to a node, Running, Ready unless told otherwise. */
async function runningPod(ns: string, name: string, opts: { ready?: boolean; phase?: string; labels?: Record<string, string> } = {}): Promise<Pod> {
  const pod = (await cs.pods.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: opts.labels ?? { app: 'web' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
  } as Pod)) as Pod;
  const ready = opts.ready ?? true;
  return (await cs.pods.updateStatus({
    ...pod,
    status: { ...pod.status, phase: (opts.phase ?? 'Running') as 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
  })) as Pod;
}

async function budget(ns: string, name: string, spec: PodDisruptionBudget['spec'], status: Partial<NonNullable<PodDisruptionBudget['status']>> | 'unobserved'): Promise<PodDisruptionBudget> {
  const pdb = (await cs.podDisruptionBudgets.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: ns }, spec })) as PodDisruptionBudget;
  if (status === 'unobserved') return pdb;
  return (await cs.podDisruptionBudgets.updateStatus({
    ...pdb,
    status: { observedGeneration: pdb.metadata.generation ?? 1, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status },
  })) as PodDisruptionBudget;
}

function evict(ns: string, name: string, extra: { body?: Record<string, unknown>; query?: Record<string, string> } = {}): Promise<RawResponse> {
  return rest.requestRaw({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/pods/${name}/eviction`,
    query: extra.query,
    body: extra.body ?? { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
  });
}

const statusOf = (r: RawResponse): Status => JSON.parse(r.body) as Status;

async function podOrUndefined(ns: string, name: string): Promise<Pod | undefined> {
  try {
    return (await cs.pods.get(ns, name)) as Pod;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

describe('pods/eviction', () => {
  it('without a budget deletes the pod (201 Success), marking it DisruptionTarget first', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    const r = await evict(ns, 'a');
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual(statusOf(r), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    // A bound pod is deleted gracefully: it stays with a deletionTimestamp and the condition.
    const pod = await podOrUndefined(ns, 'a');
    assert.ok(pod?.metadata.deletionTimestamp, 'graceful deletion started');
    const cond = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual([cond?.status, cond?.reason, cond?.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']);
  });

  it('refuses with 429 and the budget cause when no disruption is allowed', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    await budget(ns, 'web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } }, { currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0 });
    const r = await evict(ns, 'a');
    assert.equal(r.statusCode, 429, r.body);
    assert.equal(r.headers['retry-after'], undefined);
    const s = statusOf(r);
    assert.equal(s.reason, 'TooManyRequests');
    assert.equal(s.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(s.details, { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }] });
    assert.equal((await podOrUndefined(ns, 'a'))?.metadata.deletionTimestamp, undefined);
  });

  it('takes one allowed disruption: 201, disruptionsAllowed decremented, the pod in disruptedPods, condition InsufficientPods', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    await runningPod(ns, 'b');
    await budget(ns, 'web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } }, { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1 });
    const r = await evict(ns, 'a');
    assert.equal(r.statusCode, 201, r.body);
    const pdb = (await cs.podDisruptionBudgets.get(ns, 'web')) as PodDisruptionBudget;
    assert.equal(pdb.status?.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(pdb.status?.disruptedPods ?? {}), ['a']);
    const cond = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    assert.deepEqual([cond?.status, cond?.reason], ['False', 'InsufficientPods']);
    // The budget is spent: the next eviction is refused.
    assert.equal((await evict(ns, 'b')).statusCode, 429);
  });

  it('answers "still being processed" (429, Retry-After 10) while the budget has not observed its generation', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    await budget(ns, 'web', { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } }, 'unobserved');
    const r = await evict(ns, 'a');
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['retry-after'], '10');
    assert.deepEqual(statusOf(r).details, { retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }] });
  });

  it('refuses a pod selected by two budgets with 500', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    await budget(ns, 'one', { minAvailable: 0, selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 1 });
    await budget(ns, 'two', { minAvailable: 0, selector: {} }, { disruptionsAllowed: 1 });
    const r = await evict(ns, 'a');
    assert.equal(r.statusCode, 500);
    const s = statusOf(r);
    assert.equal(s.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    assert.equal(s.status, 'Failure');
  });

  it('deletes pending and terminal pods without asking the budget', async () => {
    const ns = await namespace();
    await runningPod(ns, 'p', { phase: 'Pending', ready: false });
    await runningPod(ns, 'done', { phase: 'Succeeded', ready: false });
    await budget(ns, 'web', { minAvailable: '100%', selector: { matchLabels: { app: 'web' } } }, { disruptionsAllowed: 0 });
    assert.equal((await evict(ns, 'p')).statusCode, 201);
    assert.equal((await evict(ns, 'done')).statusCode, 201);
    assert.equal(await podOrUndefined(ns, 'done'), undefined, 'a terminal pod goes at once');
  });

  it('unready pods: AlwaysAllow evicts them without spending the budget; IfHealthyBudget only while the budget is met', async () => {
    const ns = await namespace();
    await runningPod(ns, 'sick', { ready: false, labels: { app: 'a' } });
    await budget(ns, 'a', { minAvailable: 1, selector: { matchLabels: { app: 'a' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' }, { currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0 });
    assert.equal((await evict(ns, 'sick')).statusCode, 201);
    assert.equal(((await cs.podDisruptionBudgets.get(ns, 'a')) as PodDisruptionBudget).status?.disruptedPods, undefined);

    await runningPod(ns, 'sick2', { ready: false, labels: { app: 'b' } });
    await budget(ns, 'b', { minAvailable: 1, selector: { matchLabels: { app: 'b' } } }, { currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0 });
    assert.equal((await evict(ns, 'sick2')).statusCode, 429, 'the budget is not met: IfHealthyBudget protects the unready pod');
    await cs.podDisruptionBudgets.updateStatus({ ...((await cs.podDisruptionBudgets.get(ns, 'b')) as PodDisruptionBudget), status: { observedGeneration: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 0 } });
    assert.equal((await evict(ns, 'sick2')).statusCode, 201, 'the budget is met: the unready pod may go');
  });

  it('dry run changes nothing', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    const before = await budget(ns, 'web', { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } }, { currentHealthy: 1, desiredHealthy: 0, expectedPods: 1, disruptionsAllowed: 1 });
    const r = await evict(ns, 'a', { query: { dryRun: 'All' } });
    assert.equal(r.statusCode, 201, r.body);
    const pod = await podOrUndefined(ns, 'a');
    assert.equal(pod?.metadata.deletionTimestamp, undefined);
    assert.equal(pod?.status?.conditions?.some((c) => c.type === 'DisruptionTarget'), false);
    assert.equal(((await cs.podDisruptionBudgets.get(ns, 'web')) as PodDisruptionBudget).metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('takes deleteOptions (grace period, preconditions) and policy/v1beta1 bodies', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    const stale = await evict(ns, 'a', { body: { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'a' }, deleteOptions: { preconditions: { uid: 'nope' } } } });
    assert.equal(stale.statusCode, 409, stale.body);
    const r = await evict(ns, 'a', { body: { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'a' }, deleteOptions: { gracePeriodSeconds: 0 } } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(await podOrUndefined(ns, 'a'), undefined);
  });

  it('checks the body: name, kind and version', async () => {
    const ns = await namespace();
    await runningPod(ns, 'a');
    const wrongName = await evict(ns, 'a', { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'b' } } });
    assert.equal(wrongName.statusCode, 400);
    assert.equal(statusOf(wrongName).message, 'name in URL does not match name in Eviction object');
    const wrongVersion = await evict(ns, 'a', { body: { apiVersion: 'apps/v1', kind: 'Eviction', metadata: { name: 'a' } } });
    assert.equal(wrongVersion.statusCode, 400);
    assert.equal((await evict(ns, 'missing')).statusCode, 404);
  });
});
