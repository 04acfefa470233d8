/** Namespaces and pod creates through the HTTP API. */
import { benchPod } from './pod-fixture.ts';
import { closedLoop, expectStatus, keepAliveAgent, request, type LoadResult } from './http.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'kubelab-bench/1' };

export async function ensureNamespace(url: string, ns: string): Promise<void> {
  const r = await request(`${url}/api/v1/namespaces`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
  });
  if (r.status !== 201 && r.status !== 409) throw new Error(`create namespace ${ns}: HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
}

/** The request bodies, encoded before the clock starts. */
export function podBodies(ns: string, names: readonly string[]): Buffer[] {
  return names.map((n) => Buffer.from(JSON.stringify(benchPod(n, ns))));
}

/** POSTs one pod per body at the given concurrency over keep-alive connections (maxSockets = concurrency). */
export async function createPods(url: string, ns: string, bodies: readonly Buffer[], concurrency: number): Promise<LoadResult> {
  const agent = keepAliveAgent(concurrency);
  const target = `${url}/api/v1/namespaces/${ns}/pods`;
  try {
    return await closedLoop(bodies.length, concurrency, async (i) => {
      await expectStatus(201, target, { method: 'POST', headers: JSON_HEADERS, body: bodies[i] as Buffer, agent, keepBody: true });
    });
  } finally {
    agent.destroy();
  }
}

export function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);
}
