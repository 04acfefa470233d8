/**
 * Scenario `auth` (issue 11): the cost of authentication and authorization on every request. Two embedded-store
 * API servers in their own processes, both HTTPS on loopback, measured side by side in the same run:
 *  - chain off: TLS only (the loopback dev mode: every request is system:masters, AlwaysAllow);
 *  - chain on: client certificates (--client-ca-file), ServiceAccount tokens, --authorization-mode Node,RBAC; the
 *    load runs as identities that are NOT system:masters (a user with a client certificate and a ServiceAccount,
 *    bound by a RoleBinding to a Role that allows pods in the bench namespace), so every request goes through RBAC.
 * Pod creates at concurrency 64 (interleaved off / cert / token, repeated, the median run reported), LIST of the
 * namespace's pods (rv=0, from the watch cache), and WATCH establishment (requests that each authenticate and
 * authorize, then get their headers). Target: every "on" number >= 90% of "off".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.ts';
import { closedLoop, expectStatus, keepAliveAgent, request, type HttpResult, type LoadResult } from '../lib/http.ts';
import { podBodies, names } from '../lib/pods.ts';
import { medianBy, ms, pct, summarize, nowMs } from '../lib/stats.ts';
import { ensurePKI, issueCertificate } from '../../../deploy/cluster/pki.ts';
import { spawnAPIServer, type APIServerProcess } from '../lib/apiserver-process.ts';
import type http from 'node:http';
import https from 'node:https';

const NS = 'bench-auth';
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'kubelab-bench/1' };

interface Identity {
  label: string;
  server: APIServerProcess;
  ns: string;
  agent: (concurrency: number) => http.Agent;
  headers: Record<string, string>;
}

async function call(url: string, agent: http.Agent, method: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return request(url, { method, agent, headers: { ...JSON_HEADERS, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function must(r: Promise<HttpResult>, ok: number[], what: string): Promise<HttpResult> {
  const res = await r;
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 400)}`);
  return res;
}

export async function authScenario(ctx: BenchContext): Promise<void> {
  const pkiDir = join(ctx.tmp, 'pki');
  const pki = ensurePKI(pkiDir, { ips: ['127.0.0.1'], dns: ['localhost'] });
  const user = { cert: join(pkiDir, 'bench-user.crt'), key: join(pkiDir, 'bench-user.key') };
  issueCertificate(pki, user, { cn: 'bench-user', usage: 'client' });
  const ca = readFileSync(pki.caCert);
  const tls = ['--tls-cert-file', pki.serverCert, '--tls-private-key-file', pki.serverKey];
  const chain = [
    '--client-ca-file', pki.caCert,
    '--service-account-key-file', pki.saPub, '--service-account-signing-key-file', pki.saKey,
    '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
    '--authorization-mode', 'Node,RBAC',
  ];
  const entry = await ctx.serverEntry();
  const anonAgent = keepAliveAgent(4, { ca });
  const adminAgent = keepAliveAgent(4, { ca, cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key) });
  // The same admission plugins on both (ServiceAccount is on by default only on a secured server): the difference
  // measured is authentication and authorization alone.
  // BENCH_AUTH_OFF_CERTS=1, a control: the chain-off server also asks every client for a certificate and its load
  // presents the admin's (authorization stays AlwaysAllow), so both sides pay the same TLS handshake and only the
  // chain's own work differs.
  const offCerts = process.env.BENCH_AUTH_OFF_CERTS === '1';
  const adminTLS = { ca, cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key) };
  const offTLS = offCerts ? adminTLS : { ca };
  const off = await spawnAPIServer({
    entry,
    backend: 'embedded',
    serverArgs: [...tls, '--enable-admission-plugins', 'ServiceAccount', ...(offCerts ? ['--client-ca-file', pki.caCert, '--authorization-mode', 'AlwaysAllow'] : [])],
    tlsAgent: anonAgent,
    nodeFlags: ctx.nodeFlags,
  });
  const on = await spawnAPIServer({ entry, backend: 'embedded', serverArgs: [...tls, ...chain], tlsAgent: anonAgent, nodeFlags: ctx.nodeFlags });
  ctx.log(`auth: chain off pid ${off.pid} at ${off.url}; chain on pid ${on.pid} at ${on.url}`);
  try {
    // Setup as the admin (system:masters). Each identity works in a namespace of its own, so every LIST and WATCH
    // below sees the same number of pods: `bench-auth-off` on the chain-off server, `bench-auth-cert` and
    // `bench-auth-token` on the chain-on server, each with its ServiceAccounts (the ones a controller would create;
    // none runs here) and, on the chain-on server, a Role for pods bound to that namespace's identity.
    const spaces = { off: `${NS}-off`, cert: `${NS}-cert`, token: `${NS}-token` };
    for (const [s, ns] of [[off, spaces.off], [on, spaces.cert], [on, spaces.token]] as const) {
      await must(call(`${s.url}/api/v1/namespaces`, adminAgent, 'POST', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), [201, 409], 'namespace');
      for (const name of ['default', 'bench']) {
        await must(call(`${s.url}/api/v1/namespaces/${ns}/serviceaccounts`, adminAgent, 'POST', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }), [201, 409], `serviceaccount ${name}`);
      }
    }
    const subjects = { [spaces.cert]: { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bench-user' }, [spaces.token]: { kind: 'ServiceAccount', name: 'bench', namespace: spaces.token } };
    for (const [ns, subject] of Object.entries(subjects)) {
      // A Role of its own (edit/view are filled by the controller's aggregation, which does not run here).
      await must(call(`${on.url}/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, adminAgent, 'POST', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'bench-pods' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch'] }],
      }), [201, 409], 'role');
      await must(call(`${on.url}/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, adminAgent, 'POST', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'bench-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bench-pods' },
        subjects: [subject],
      }), [201, 409], 'rolebinding');
    }
    const tr = await must(call(`${on.url}/api/v1/namespaces/${spaces.token}/serviceaccounts/bench/token`, adminAgent, 'POST', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    }), [201], 'token request');
    const token = (JSON.parse(tr.body.toString('utf8')) as { status: { token: string } }).status.token;
    const userCert = { ca, cert: readFileSync(user.cert), key: readFileSync(user.key) };
    const identities: Identity[] = [
      { label: offCerts ? 'chain off (TLS with client certificates, AlwaysAllow)' : 'chain off (TLS, AlwaysAllow)', server: off, ns: spaces.off, agent: (c) => keepAliveAgent(c, offTLS), headers: {} },
      { label: 'chain on, client certificate + RBAC', server: on, ns: spaces.cert, agent: (c) => keepAliveAgent(c, userCert), headers: {} },
      { label: 'chain on, ServiceAccount token + RBAC', server: on, ns: spaces.token, agent: (c) => keepAliveAgent(c, { ca }), headers: { Authorization: `Bearer ${token}` } },
    ];
    // Sanity: the chain is really on (an unauthenticated list is refused, each identity may list only its namespace).
    const refused = await call(`${on.url}/api/v1/namespaces/${spaces.cert}/pods`, anonAgent, 'GET', undefined);
    if (refused.status !== 403 && refused.status !== 401) throw new Error(`chain on: an anonymous list answered ${refused.status}, want 401/403`);
    for (const id of identities) {
      await must(call(`${id.server.url}/api/v1/namespaces/${id.ns}/pods?limit=1`, id.agent(1), 'GET', undefined, id.headers), [200], `${id.label}: list`);
    }
    const cross = await call(`${on.url}/api/v1/namespaces/${spaces.token}/pods?limit=1`, identities[1]!.agent(1), 'GET', undefined);
    if (cross.status !== 403) throw new Error(`chain on: the certificate user listed another namespace (${cross.status}), want 403`);

    // 1. Pod creates, c=64, interleaved, repeated.
    const concurrency = 64;
    const n = ctx.createN;
    const runs = new Map<string, LoadResult[]>();
    for (let rep = 0; rep < ctx.createRepeats; rep++) {
      for (const [i, id] of identities.entries()) {
        const bodies = podBodies(id.ns, names(`auth-${rep}-${i}`, n));
        const agent = id.agent(concurrency);
        const target = `${id.server.url}/api/v1/namespaces/${id.ns}/pods`;
        try {
          const r = await closedLoop(bodies.length, concurrency, async (k) => {
            await expectStatus(201, target, { method: 'POST', headers: { ...JSON_HEADERS, ...id.headers }, body: bodies[k] as Buffer, agent, keepBody: true });
          });
          runs.set(id.label, [...(runs.get(id.label) ?? []), r]);
          ctx.log(`auth create ${id.label} rep ${rep}: ${r.throughput.toFixed(0)}/s`);
        } finally {
          agent.destroy();
        }
      }
    }
    const base = medianBy(runs.get(identities[0]!.label) ?? [], (r) => r.throughput);
    for (const id of identities) {
      const med = medianBy(runs.get(id.label) ?? [], (r) => r.throughput);
      const s = summarize(med.latencies);
      const ratio = med.throughput / base.throughput;
      ctx.rows.push({
        scenario: 'auth',
        case: `create c=${concurrency}: ${id.label}`,
        value: `${med.throughput.toFixed(0)}/s`,
        p50: ms(s.p50),
        p99: ms(s.p99),
        raw: `${base.throughput.toFixed(0)}/s (off)`,
        ratio: pct(ratio),
        target: id === identities[0] ? '' : '>= 90%',
        verdict: id === identities[0] ? '' : ratio >= 0.9 ? 'PASS' : 'MISS',
      });
    }

    // The chain-on server now holds two identities' pods, the chain-off server one's: a filler namespace on the
    // chain-off server (not timed) makes both watch caches the same size before the LIST and WATCH runs.
    {
      const filler = `${NS}-filler`;
      await must(call(`${off.url}/api/v1/namespaces`, adminAgent, 'POST', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: filler } }), [201, 409], 'namespace');
      await must(call(`${off.url}/api/v1/namespaces/${filler}/serviceaccounts`, adminAgent, 'POST', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }), [201, 409], 'serviceaccount');
      const bodies = podBodies(filler, names('filler', n * ctx.createRepeats));
      const agent = keepAliveAgent(concurrency, offTLS);
      try {
        await closedLoop(bodies.length, concurrency, async (k) => {
          await expectStatus(201, `${off.url}/api/v1/namespaces/${filler}/pods`, { method: 'POST', headers: JSON_HEADERS, body: bodies[k] as Buffer, agent });
        });
      } finally {
        agent.destroy();
      }
    }

    // 2. LIST of the namespace's pods from the watch cache (rv=0).
    const listP50 = new Map<string, number>();
    for (const id of identities) {
      const agent = id.agent(1);
      const lat: number[] = [];
      let bytes = 0;
      try {
        for (let i = 0; i < 3 + ctx.listIters; i++) {
          const r = await expectStatus(200, `${id.server.url}/api/v1/namespaces/${id.ns}/pods?resourceVersion=0`, { headers: { Accept: 'application/json', ...id.headers }, agent, keepBody: false });
          if (i >= 3) lat.push(r.endMs);
          bytes = r.bytes;
        }
      } finally {
        agent.destroy();
      }
      const s = summarize(lat);
      listP50.set(id.label, s.p50);
      const offP50 = listP50.get(identities[0]!.label) ?? s.p50;
      const ratio = offP50 / s.p50;
      ctx.rows.push({
        scenario: 'auth',
        case: `list rv=0 (${(bytes / 1e6).toFixed(1)} MB): ${id.label}`,
        value: ms(s.p50),
        p50: ms(s.p50),
        p99: ms(s.p99),
        raw: `${ms(offP50)} (off)`,
        ratio: pct(ratio),
        target: id === identities[0] ? '' : '>= 90%',
        verdict: id === identities[0] ? '' : ratio >= 0.9 ? 'PASS' : 'MISS',
      });
    }

    // 3. WATCH establishment: watches from the current resourceVersion (no initial events: they would measure the
    // cache, not the chain), 500 per run at concurrency 16, each to its response headers and then closed (a watch
    // holds its connection, so each is a new TLS connection with its handshake). Runs are interleaved across the
    // identities and repeated; the median run counts. One extra row without a target: the admin on the chain-on
    // server (client certificate, system:masters: authorization short-circuits), to tell TLS and authentication
    // apart from the RBAC lookup.
    const adminId: Identity = { label: 'chain on, admin client certificate (system:masters, no RBAC lookup)', server: on, ns: spaces.cert, agent: (c) => keepAliveAgent(c, adminTLS), headers: {} };
    const watchers = [...identities, adminId];
    const watchRuns = new Map<Identity, number[]>();
    const watches = 500;
    for (let rep = 0; rep < Math.max(3, ctx.createRepeats); rep++) {
      for (const id of watchers) {
        const head = await must(call(`${id.server.url}/api/v1/namespaces/${id.ns}/pods?limit=1`, id.agent(1), 'GET', undefined, id.headers), [200], `${id.label}: list`);
        const rv = (JSON.parse(head.body.toString('utf8')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
        const url = `${id.server.url}/api/v1/namespaces/${id.ns}/pods?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`;
        const agent = id.agent(16);
        const t0 = nowMs();
        try {
          await closedLoop(watches, 16, () => new Promise<void>((resolve, reject) => {
            const req = https.request(url, { agent, headers: { Accept: 'application/json', ...id.headers } }, (res) => {
              if (res.statusCode !== 200) reject(new Error(`watch: HTTP ${res.statusCode}`));
              else resolve();
              res.destroy();
            });
            req.on('error', (e) => (String(e).includes('socket hang up') ? resolve() : reject(e)));
            req.end();
          }));
        } finally {
          agent.destroy();
        }
        watchRuns.set(id, [...(watchRuns.get(id) ?? []), watches / ((nowMs() - t0) / 1000)]);
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
    const offRate = median(watchRuns.get(identities[0]!) ?? []);
    for (const id of watchers) {
      const rate = median(watchRuns.get(id) ?? []);
      const ratio = rate / offRate;
      const scored = id !== identities[0] && id !== adminId;
      ctx.rows.push({
        scenario: 'auth',
        case: `watch start x${watches} c=16: ${id.label}`,
        value: `${rate.toFixed(0)}/s`,
        p50: '',
        p99: '',
        raw: `${offRate.toFixed(0)}/s (off)`,
        ratio: pct(ratio),
        target: scored ? '>= 90%' : '',
        verdict: scored ? (ratio >= 0.9 ? 'PASS' : 'MISS') : '',
      });
    }
  } finally {
    anonAgent.destroy();
    adminAgent.destroy();
    await off.stop();
    await on.stop();
  }
}
