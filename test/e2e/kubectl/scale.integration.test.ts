/**
 * kubectl at scale: `kubectl get pods` over 10,000 pods (server-side Tables, 20 pages of 500 followed through
 * continue tokens) and `kubectl apply -f` of a 100-pod manifest. Correctness is asserted; the timings are
 * reported as test diagnostics only (2 shared cores make wall-clock assertions flaky).
 *
 * Where the time goes (measured): the server answers the 20 Table pages in ~0.1-0.2 s; `kubectl get` takes
 * ~2.3 s because client-go throttles kubectl's non-discovery requests to 5 QPS after a burst of 10 ("Waited
 * for ... due to client-side throttling" at -v=4), so 20 pages cost >= 2 s against any server; with
 * --chunk-size=0 (one request) it takes ~0.8 s. `kubectl apply` spends most of its time re-parsing the OpenAPI
 * v3 document for every object (kubernetes/kubernetes#127095); with --validate=false it takes ~0.3 s.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { podObject, startKubectlEnv, type KubectlEnv } from '../framework/kubectl.ts';

const PODS = 10_000;
let env: KubectlEnv;
let ns: string;

/** POSTs JSON over a keep-alive agent; resolves with the status code. */
function post(agent: Agent, base: string, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const u = new URL(base + path);
    const req = request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

before(async () => {
  env = await startKubectlEnv();
  ns = await env.namespace('scale');
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < PODS) {
        const i = next++;
        const code = await post(agent, env.server.url, `/api/v1/namespaces/${ns}/pods`, podObject(`p-${String(i).padStart(5, '0')}`, { labels: { app: 'scale' } }));
        if (code !== 201) throw new Error(`creating pod ${i}: HTTP ${code}`);
      }
    }),
  );
  agent.destroy();
});
after(async () => {
  await env?.close();
});

describe('kubectl at scale', () => {
  it(`get pods over ${PODS} pods: every row, one header, pages followed`, async (t) => {
    const k = env.kubectl.ns(ns);
    const times: number[] = [];
    let out = '';
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      out = await k.ok(['get', 'pods']);
      times.push(Date.now() - t0);
    }
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, PODS + 1);
    assert.match(lines[0] ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.match(lines[1] ?? '', /^p-00000\s+0\/1\s+Pending\s+0\s+\S+$/);
    assert.match(lines[PODS] ?? '', /^p-09999\s+0\/1\s+Pending\s+0\s+\S+$/);
    assert.equal(lines.filter((l) => l.startsWith('NAME')).length, 1, 'pages are printed under one header');
    t.diagnostic(`kubectl get pods (${PODS} pods, Table, 20 pages of 500): ${times.join(' ms, ')} ms`);
  });

  it('apply -f of a 100-pod manifest: created, then unchanged', async (t) => {
    const docs = Array.from({ length: 100 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a-${String(i).padStart(3, '0')}\n  labels: {app: applied}\nspec:\n  containers:\n  - name: main\n    image: nginx:1.27\n`).join('---\n');
    env.write('hundred.yaml', docs);
    const target = await env.namespace('apply100');
    const k = env.kubectl.ns(target);
    let t0 = Date.now();
    const created = await k.ok(['apply', '-f', 'hundred.yaml']);
    const createMs = Date.now() - t0;
    assert.equal(created, Array.from({ length: 100 }, (_, i) => `pod/a-${String(i).padStart(3, '0')} created\n`).join(''));
    t0 = Date.now();
    const unchanged = await k.ok(['apply', '-f', 'hundred.yaml']);
    const unchangedMs = Date.now() - t0;
    assert.equal(unchanged, Array.from({ length: 100 }, (_, i) => `pod/a-${String(i).padStart(3, '0')} unchanged\n`).join(''));
    t.diagnostic(`kubectl apply -f (100 pods): created ${createMs} ms, unchanged ${unchangedMs} ms`);
  });
});
