/**
 * `kubectl get pods` on 10,000 pods, end to end (real kubectl, temp KUBECONFIG and cache dir): kubectl asks for
 * server-side Tables, 500 rows per page. Cold = empty discovery cache; warm = the next runs.
 * Raw: the same paged Table requests issued by a Node client (no kubectl), and `kubectl get namespaces` (one
 * small request: kubectl's own fixed cost).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.ts';
import { expectStatus, keepAliveAgent } from '../lib/http.ts';
import { ms, nowMs, summarize } from '../lib/stats.ts';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

function runKubectl(args: string[]): Promise<{ ms: number; lines: number; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn('kubectl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      for (const b of c) if (b === 10) lines++;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    child.on('error', (e) => reject(new Error(`kubectl: ${e.message} (install it: apt-get install -y kubectl)`)));
    child.on('close', (code) => resolve({ ms: nowMs() - t0, lines, stderr, code: code ?? -1 }));
  });
}

export async function kubectlScenario(ctx: BenchContext): Promise<void> {
  const { server, namespace, pods } = await ctx.populated('embedded');
  const dir = join(ctx.tmp, 'kubectl');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster: {server: "${server.url}"}\nusers:\n- name: bench\n  user: {}\ncontexts:\n- name: bench\n  context: {cluster: bench, user: bench}\ncurrent-context: bench\n`,
  );
  const base = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];
  const get = async () => {
    const r = await runKubectl([...base, 'get', 'pods', '-n', namespace]);
    if (r.code !== 0) throw new Error(`kubectl get pods failed (${r.code}): ${r.stderr}`);
    if (r.lines !== pods + 1) throw new Error(`kubectl get pods printed ${r.lines} lines, want ${pods + 1}: ${r.stderr}`);
    return r.ms;
  };
  const cold = await get();
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(await get());
  const small: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await runKubectl([...base, 'get', 'namespaces']);
    if (r.code !== 0) throw new Error(`kubectl get namespaces failed: ${r.stderr}`);
    small.push(r.ms);
  }
  // The same requests without kubectl.
  const agent = keepAliveAgent(1);
  const walks: number[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const t0 = nowMs();
      let cont = '';
      let rows = 0;
      for (;;) {
        const u = `${server.url}/api/v1/namespaces/${namespace}/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
        const r = await expectStatus(200, u, { headers: { Accept: TABLE_ACCEPT }, agent });
        const t = JSON.parse(r.body.toString('utf8')) as { kind: string; rows: unknown[]; metadata: { continue?: string } };
        if (t.kind !== 'Table') throw new Error(`expected a Table, got ${t.kind}`);
        rows += t.rows.length;
        cont = t.metadata.continue ?? '';
        if (!cont) break;
      }
      if (rows !== pods) throw new Error(`paged Table walk saw ${rows} rows, want ${pods}`);
      if (i > 0) walks.push(nowMs() - t0);
    }
  } finally {
    agent.destroy();
  }
  const w = summarize(warm);
  const rawWalk = summarize(walks);
  const sm = summarize(small);
  ctx.results['kubectl'] = { cold, warm: w, tableWalk: rawWalk, getNamespaces: sm };
  ctx.row({
    scenario: 'kubectl',
    case: `kubectl get pods, ${pods} pods (Table, 500/page)`,
    value: `warm median ${ms(w.p50)}`,
    p50: ms(w.p50),
    p99: `max ${ms(w.max)}; cold ${ms(cold)}`,
    raw: `Table walk ${ms(rawWalk.p50)}; kubectl get ns ${ms(sm.p50)}`,
    ratio: `${(w.p50 / rawWalk.p50).toFixed(1)}x Table walk`,
    target: '< 2 s',
    verdict: w.p50 < 2000 && cold < 2000 ? 'PASS' : 'MISS',
  });
}
