/**
 * The real kubectl against the apiserver: create, get (server-side Table printing), get -w, delete, a NotFound
 * error; with kubectl.1.32 and with every kubectl.1.29 .. kubectl.1.33 installed next to the `kubectl`
 * dispatcher (each against a server reporting its minor version).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { startTestServer, type TestServer } from '../framework/test-server.ts';
import { client, until } from './_http.ts';

const INSTALL_HINT =
  "kubectl not found on PATH: install it with 'apt-get install -y kubectl' (from the Google Cloud SDK apt repository, which also installs kubectl.1.NN next to the dispatcher in /usr/lib/google-cloud-sdk/bin/)";

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The kubectl to use for minor 32 and the versioned binaries beside the dispatcher (if it is one). */
function locateKubectl(): { main: string; dispatcher?: string; versions: Map<number, string> } {
  const onPath = which('kubectl');
  if (!onPath) throw new Error(INSTALL_HINT);
  const dir = dirname(realpathSync(onPath));
  const versions = new Map<number, string>();
  for (let minor = 29; minor <= 33; minor++) {
    const p = join(dir, `kubectl.1.${minor}`);
    if (executable(p)) versions.set(minor, p);
  }
  const k132 = versions.get(32);
  if (k132) return { main: k132, dispatcher: onPath, versions };
  return { main: onPath, versions };
}

const work = mkdtempSync(join(tmpdir(), 'kubelab-kubectl-'));
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
  rmSync(work, { recursive: true, force: true });
});

const POD_YAML = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', '  labels:', '    app: web', 'spec:', '  containers:', '  - name: nginx', '    image: nginx:1.27', ''].join('\n');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubectl environment: a temp KUBECONFIG and cache dir for one server. */
function kubectlEnv(server: TestServer, label: string) {
  const dir = mkdtempSync(join(work, `${label}-`));
  const kubeconfig = join(dir, 'kubeconfig');
  copyFileSync(server.kubeconfig, kubeconfig);
  writeFileSync(join(dir, 'pod.yaml'), POD_YAML);
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
  const common = ['--cache-dir', join(dir, 'cache'), '--request-timeout', '20s'];
  return {
    dir,
    env,
    common,
    /** kubectl must run asynchronously: the server lives in this process. */
    run(bin: string, args: string[], timeoutMs = 30_000): Promise<Run> {
      return new Promise((resolve) => {
        execFile(bin, [...common, ...args], { env, cwd: dir, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
  };
}

/** The small flow every kubectl version must get through. */
async function flow(bin: string, server: TestServer, label: string): Promise<void> {
  const k = kubectlEnv(server, label);
  const api = client(server.url);
  const ctx = (what: string, r: Run) => `${label} ${what}: rc=${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

  const created = await k.run(bin, ['create', '-f', join(k.dir, 'pod.yaml')]);
  assert.equal(created.code, 0, ctx('create', created));
  assert.equal(created.stdout, 'pod/web created\n', ctx('create', created));
  const stored = await api.get('/api/v1/namespaces/default/pods/web');
  assert.equal(stored.status, 200);
  assert.equal(stored.json.spec.containers[0].image, 'nginx:1.27');

  const got = await k.run(bin, ['get', 'pods']);
  assert.equal(got.code, 0, ctx('get pods', got));
  const lines = got.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/, ctx('get pods', got));
  assert.equal(lines.length, 2, ctx('get pods', got));
  assert.match(lines[1] ?? '', /^web\s+0\/1\s+Pending\s+0\s+\d+s$/, ctx('get pods', got));

  // get -w: the list, then a change made meanwhile arrives as a row (and no second, non-Table header)
  const w = spawn(bin, [...k.common, 'get', 'pods', '-w'], { env: k.env, cwd: k.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let wout = '';
  let werr = '';
  w.stdout.on('data', (d: Buffer) => (wout += d.toString()));
  w.stderr.on('data', (d: Buffer) => (werr += d.toString()));
  const wExit = new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(code)));
  try {
    await until(`${label} get -w to print the pod`, () => /^web\s+0\/1\s+Pending/m.test(wout), 20_000);
    // the watch is established right after the list; give a status change to it
    const cur = (await api.get('/api/v1/namespaces/default/pods/web')).json;
    cur.status.phase = 'Running';
    cur.status.conditions = [...(cur.status.conditions ?? []), { type: 'Ready', status: 'False' }];
    const u = await api.put('/api/v1/namespaces/default/pods/web/status', cur);
    assert.equal(u.status, 200, u.text);
    await until(`${label} get -w to print the change`, () => /^web\s+0\/1\s+Running\s+0\s+\S+$/m.test(wout), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}\nstdout: ${wout}\nstderr: ${werr}`);
    });
    const wlines = wout.trimEnd().split('\n');
    assert.match(wlines[0] ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.equal(wlines.filter((l) => /^NAME\s/.test(l)).length, 1, `one header only (watch events are Tables):\n${wout}`);
    assert.ok(w.exitCode === null, `get -w must keep watching: exited ${w.exitCode}, stderr ${werr}`);
  } finally {
    w.kill('SIGTERM');
    await wExit;
  }

  const del = await k.run(bin, ['delete', 'pod', 'web']);
  assert.equal(del.code, 0, ctx('delete', del));
  assert.equal(del.stdout, 'pod "web" deleted\n', ctx('delete', del));
  assert.equal((await api.get('/api/v1/namespaces/default/pods/web')).status, 404, 'an unbound pod goes at once');

  const nope = await k.run(bin, ['get', 'pod', 'nope']);
  assert.equal(nope.code, 1, ctx('get pod nope', nope));
  assert.equal(nope.stdout, '');
  assert.equal(nope.stderr, 'Error from server (NotFound): pods "nope" not found\n', ctx('get pod nope', nope));
}

async function server(minorVersion: number): Promise<TestServer> {
  const s = await startTestServer({ minorVersion });
  servers.push(s);
  return s;
}

test('kubectl (1.32): create, get, get -w, delete, NotFound', async () => {
  const k = locateKubectl();
  const s = await server(32);
  await flow(k.main, s, 'kubectl');
});

test('the kubectl dispatcher picks the binary for the server minor version', async () => {
  const k = locateKubectl();
  if (!k.dispatcher) {
    // a plain kubectl: it must at least talk to the server's /version
    const s = await server(32);
    const r = await kubectlEnv(s, 'plain').run(k.main, ['version', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).serverVersion.minor, '32');
    return;
  }
  for (const minor of [32, ...[...k.versions.keys()].filter((m) => m !== 32).slice(0, 1)]) {
    const s = await server(minor);
    const r = await kubectlEnv(s, `dispatch-${minor}`).run(k.dispatcher, ['version', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout);
    assert.equal(v.serverVersion.minor, String(minor));
    // (the dispatcher is itself a 1.32 build and reports minor "32+")
    assert.match(v.clientVersion.gitVersion, new RegExp(`^v1\\.${minor}\\.`), `the dispatcher ran kubectl 1.${minor}: ${r.stdout}`);
  }
});

test('every kubectl.1.29 .. kubectl.1.33 installed beside the dispatcher gets through the same flow', async () => {
  const k = locateKubectl();
  assert.ok(k.versions.size > 0 || !k.dispatcher, 'no versioned kubectl binaries found');
  const tried: number[] = [];
  for (const [minor, bin] of k.versions) {
    const s = await server(minor);
    await flow(bin, s, `kubectl.1.${minor}`);
    tried.push(minor);
  }
  console.log(`kubectl versions exercised: ${tried.map((m) => `1.${m}`).join(', ') || '(none besides kubectl)'}`);
});
