/**
 * Durability of the real `kubelab apiserver` process on the embedded store: concurrent writers, SIGKILL in the
 * middle of the stream, restart on the same data dir. Every acknowledged write must be there, intact; nothing
 * that was never sent may appear; resourceVersions keep increasing after the restart.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, until } from './_http.ts';

// Run from source (.ts) -> the CLI's .ts; run compiled (dist/.../*.js) -> dist/cli/main.js.
const fromSource = import.meta.url.endsWith('.ts');
const CLI = fileURLToPath(new URL(`../../../cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));

const dataDir = mkdtempSync(join(tmpdir(), 'kubelab-durability-'));
const procs = new Set<ChildProcess>();
after(() => {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface Proc {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<NodeJS.Signals | number | null>;
}

async function startCLI(port: number): Promise<Proc> {
  assert.ok(existsSync(CLI), `${CLI} is missing${fromSource ? '' : ' (run tsc first)'}`);
  const child = spawn(process.execPath, [CLI, 'apiserver', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      procs.delete(child);
      resolve(signal ?? code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let dead = false;
  void exited.then(() => (dead = true));
  await until(
    'the apiserver to answer /readyz',
    async () => {
      if (dead) throw new Error(`the apiserver exited: ${out}`);
      const r = await fetch(`${url}/readyz`).catch(() => undefined);
      return r?.status === 200;
    },
    30_000,
    100,
  );
  return { child, url, output: () => out, exited };
}

interface Acked {
  uid: string;
  rv: number;
  payload: string;
  gen: number;
}

/** A deterministic payload per pod and generation. */
function payload(name: string, gen: number): string {
  return createHash('sha256').update(`${name}/${gen}`).digest('hex').repeat(8);
}

/**
 * Writers: `workers` loops each creating pods `<prefix>-<w>-<i>` and, every third pod, updating an earlier one
 * of its own. Runs until `stop()` or an error (the server died).
 */
function startWriters(url: string, ns: string, prefix: string, workers: number, sent: Set<string>, acked: Map<string, Acked>, inflightUpdate: Map<string, number>) {
  let stopped = false;
  const api = client(url);
  let okCount = 0;
  const httpErrors: string[] = [];
  /** Transport errors (the server went away): when, and what. */
  const transportErrors: { at: number; message: string }[] = [];
  const loops = Array.from({ length: workers }, async (_, w) => {
    const mine: string[] = [];
    for (let i = 0; !stopped; i++) {
      const name = `${prefix}-${w}-${i}`;
      sent.add(name);
      try {
        const r = await api.post(`/api/v1/namespaces/${ns}/pods`, {
          metadata: { name, labels: { writer: String(w), seq: String(i) }, annotations: { payload: payload(name, 0), gen: '0' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        });
        if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
        acked.set(name, { uid: r.json.metadata.uid, rv: Number(r.json.metadata.resourceVersion), payload: payload(name, 0), gen: 0 });
        mine.push(name);
        okCount++;
        if (i % 3 === 2) {
          const target = mine[Math.floor(mine.length / 2)] as string;
          const cur = acked.get(target) as Acked;
          const gen = cur.gen + 1;
          inflightUpdate.set(target, gen);
          const g = await api.get(`/api/v1/namespaces/${ns}/pods/${target}`);
          if (g.status !== 200) throw new Error(`get ${target}: ${g.status}`);
          const body = g.json;
          body.metadata.annotations = { payload: payload(target, gen), gen: String(gen) };
          const u = await api.put(`/api/v1/namespaces/${ns}/pods/${target}`, body);
          if (u.status !== 200) throw new Error(`update ${target}: ${u.status} ${u.text}`);
          acked.set(target, { uid: cur.uid, rv: Number(u.json.metadata.resourceVersion), payload: payload(target, gen), gen });
          okCount++;
        }
      } catch (e) {
        // a transport error means the server went away; an HTTP error status is a server bug
        if (e instanceof Error && /^(create|get|update) /.test(e.message)) httpErrors.push(e.message);
        else transportErrors.push({ at: Date.now(), message: e instanceof Error ? e.message : String(e) });
        return;
      }
    }
  });
  return {
    get acks() {
      return okCount;
    },
    httpErrors,
    transportErrors,
    stop() {
      stopped = true;
    },
    done: Promise.all(loops),
  };
}

/** Checks the server's state against what was sent and acknowledged. Returns the highest rv seen. */
async function verify(url: string, ns: string, sent: Set<string>, acked: Map<string, Acked>, inflightUpdate: Map<string, number>): Promise<number> {
  const api = client(url);
  const r = await api.get(`/api/v1/namespaces/${ns}/pods`);
  assert.equal(r.status, 200, r.text);
  const present = new Map<string, any>(r.json.items.map((p: any) => [p.metadata.name, p]));
  const problems: string[] = [];
  for (const [name, a] of acked) {
    const p = present.get(name);
    if (!p) {
      problems.push(`acknowledged pod ${name} is missing`);
      continue;
    }
    if (p.metadata.uid !== a.uid) problems.push(`${name}: uid ${p.metadata.uid} != acknowledged ${a.uid}`);
    const gen = Number(p.metadata.annotations?.gen);
    const pending = inflightUpdate.get(name);
    // the state is the last acknowledged write, or an update that was in flight at the kill
    if (gen === a.gen) {
      if (Number(p.metadata.resourceVersion) !== a.rv) problems.push(`${name}: rv ${p.metadata.resourceVersion} != acknowledged ${a.rv}`);
    } else if (!(pending !== undefined && gen === pending && gen === a.gen + 1)) {
      problems.push(`${name}: generation ${gen}, acknowledged ${a.gen}`);
    }
    if (p.metadata.annotations?.payload !== payload(name, gen)) problems.push(`${name}: payload corrupted`);
    if (p.spec?.containers?.[0]?.image !== 'busybox') problems.push(`${name}: spec corrupted`);
  }
  for (const name of present.keys()) if (!sent.has(name)) problems.push(`pod ${name} exists but was never sent`);
  assert.deepEqual(problems, [], problems.slice(0, 30).join('\n'));
  let max = Number(r.json.metadata.resourceVersion);
  for (const p of present.values()) max = Math.max(max, Number(p.metadata.resourceVersion));
  return max;
}

test('SIGKILL mid-stream loses no acknowledged write, invents none, and resourceVersions keep increasing', async () => {
  const port = await freePort();
  const ns = 'durable';
  const sent = new Set<string>();
  const acked = new Map<string, Acked>();
  const inflightUpdate = new Map<string, number>();
  let proc = await startCLI(port);
  assert.equal((await client(proc.url).post('/api/v1/namespaces', { metadata: { name: ns } })).status, 201);
  let maxRV = 0;
  for (const round of [1, 2]) {
    const writers = startWriters(proc.url, ns, `r${round}`, 8, sent, acked, inflightUpdate);
    // kill while writes are streaming in
    await until(`round ${round}: 150 acknowledged writes`, () => writers.acks >= 150, 30_000, 10);
    const killedAt = Date.now();
    const inFlightAtKill = sent.size - acked.size + [...inflightUpdate].filter(([n, gen]) => (acked.get(n)?.gen ?? -1) < gen).length;
    proc.child.kill('SIGKILL');
    assert.equal(await proc.exited, 'SIGKILL');
    await writers.done;
    assert.deepEqual(writers.httpErrors, [], 'writes failed with an HTTP error before the kill');
    const early = writers.transportErrors.filter((e) => e.at < killedAt);
    assert.deepEqual(early, [], 'writers lost their connection before the kill');
    assert.ok(inFlightAtKill > 0, `some writes (creates or updates) were in flight at the kill (round ${round}: ${writers.transportErrors.length} writers stopped by it)`);
    proc = await startCLI(port);
    const max = await verify(proc.url, ns, sent, acked, inflightUpdate);
    assert.ok(max >= maxRV, `rv went backwards after restart: ${max} < ${maxRV}`);
    maxRV = max;
    // new writes get higher resourceVersions than anything before the kill
    const highestAcked = Math.max(...[...acked.values()].map((a) => a.rv));
    const name = `after-${round}`;
    sent.add(name);
    const fresh = await client(proc.url).post(`/api/v1/namespaces/${ns}/pods`, {
      metadata: { name, annotations: { payload: payload(name, 0), gen: '0' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal(fresh.status, 201, fresh.text);
    const freshRV = Number(fresh.json.metadata.resourceVersion);
    assert.ok(freshRV > highestAcked && freshRV > maxRV, `new rv ${freshRV} must exceed ${highestAcked} and ${maxRV}`);
    acked.set(name, { uid: fresh.json.metadata.uid, rv: freshRV, payload: payload(name, 0), gen: 0 });
    maxRV = freshRV;
  }
  // a final check after a clean shutdown too
  proc.child.kill('SIGTERM');
  await proc.exited;
  proc = await startCLI(port);
  await verify(proc.url, ns, sent, acked, inflightUpdate);
  proc.child.kill('SIGTERM');
  await proc.exited;
  console.log(`durability: ${sent.size} creates sent, ${acked.size} pods acknowledged`);
});
