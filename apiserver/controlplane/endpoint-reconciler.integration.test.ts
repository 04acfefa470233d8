/**
 * The API servers' endpoint reconciler on a real etcd: two API servers (one in this process, one a
 * `kubelab apiserver` process) keep default/kubernetes Endpoints and EndpointSlice listing both; a graceful
 * stop removes its address at once; a SIGKILLed one is removed when its lease expires; two servers behind one
 * address (a load balancer) give one address and one port, which stays when one of them leaves; the
 * kubernetes Service targets the advertised port.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runAPIServer, type RunningAPIServer } from '../main.ts';
import { startEtcd, type EtcdHandle } from '../../test/integration/framework/etcd.ts';
import { until } from '../../test/integration/framework/until.ts';
import type { EndpointReconcilerConfig } from './endpoint-reconciler-setup.ts';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let etcd: EtcdHandle | undefined;
async function sharedEtcd(): Promise<EtcdHandle> {
  if (!etcd) {
    const e = await startEtcd();
    etcd = e;
    cleanups.push(() => e.stop());
  }
  return etcd;
}

let prefixes = 0;
const newPrefix = () => `/kubelab-epapi-${process.pid}-${++prefixes}`;

async function inProcess(prefix: string, endpointReconciler: EndpointReconcilerConfig): Promise<RunningAPIServer> {
  const e = await sharedEtcd();
  const s = await runAPIServer({ host: '127.0.0.1', port: 0, etcdServers: [e.endpoint], etcdPrefix: prefix, logLevel: 'error', endpointReconciler });
  cleanups.push(() => s.close());
  return s;
}

/** `kubelab apiserver` as its own process; resolves with its URL once it serves. */
async function processServer(prefix: string, flags: string[]): Promise<{ url: string; child: ChildProcess }> {
  const e = await sharedEtcd();
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', CLI, 'apiserver', '--listen', '127.0.0.1:0', '--etcd-servers', e.endpoint, '--etcd-prefix', prefix, '--log-level', 'info', ...flags],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubelab apiserver did not start:\n${output}`)), 30_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /kubelab apiserver ready url=(\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubelab apiserver exited with ${code}:\n${output}`));
    });
  });
  return { url, child };
}

async function getJSON(url: string): Promise<Record<string, unknown>> {
  const r = await fetch(url);
  assert.equal(r.status, 200, `${url}: ${r.status}`);
  return (await r.json()) as Record<string, unknown>;
}

interface Published {
  endpoints: string[];
  endpointsPorts: string[];
  slice: string[];
  slicePorts: string[];
}

/** What default/kubernetes Endpoints and EndpointSlice publish, as `ip` lists and `name:port/protocol` lists. */
async function published(url: string): Promise<Published> {
  const ep = (await getJSON(`${url}/api/v1/namespaces/default/endpoints/kubernetes`)) as { subsets?: { addresses?: { ip: string }[]; ports?: { name: string; port: number; protocol: string }[] }[] };
  const sl = (await getJSON(`${url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes`)) as {
    endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
    ports?: { name: string; port: number; protocol: string }[];
  };
  const port = (p: { name: string; port: number; protocol: string }) => `${p.name}:${p.port}/${p.protocol}`;
  return {
    endpoints: (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)),
    endpointsPorts: (ep.subsets ?? []).flatMap((s) => (s.ports ?? []).map(port)),
    slice: (sl.endpoints ?? []).filter((e) => e.conditions?.ready === true).map((e) => e.addresses[0] ?? ''),
    slicePorts: (sl.ports ?? []).map(port),
  };
}

async function until_(url: string, what: string, want: Partial<Published>, timeoutMs = 30_000): Promise<Published> {
  let last: Published | undefined;
  try {
    return await until(
      what,
      async () => {
        last = await published(url).catch(() => undefined);
        if (!last) return undefined;
        for (const [k, v] of Object.entries(want)) if (JSON.stringify(last[k as keyof Published]) !== JSON.stringify(v)) return undefined;
        return last;
      },
      timeoutMs,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen ${JSON.stringify(last)}`);
  }
}

describe('lease endpoint reconciler with two API servers on one etcd', () => {
  it('lists both, removes a gracefully stopped one at once and a killed one when its lease expires', async () => {
    const prefix = newPrefix();
    // A renews every 300ms with a long TTL: only a graceful stop can take it out quickly.
    const a = await inProcess(prefix, { advertiseAddress: '192.0.2.10', advertisePort: 7443, leaseTTLMs: 60_000, intervalMs: 300 });
    const b = await processServer(prefix, ['--advertise-address', '192.0.2.11', '--advertise-port', '7443', '--endpoint-lease-ttl', '3s', '--endpoint-lease-interval', '300ms']);
    const both = { endpoints: ['192.0.2.10', '192.0.2.11'], endpointsPorts: ['https:7443/TCP'], slice: ['192.0.2.10', '192.0.2.11'], slicePorts: ['https:7443/TCP'] };
    await until_(a.url, 'both API servers in default/kubernetes', both);
    await until_(b.url, 'both API servers, seen through the other server', both);
    const svc = (await getJSON(`${a.url}/api/v1/namespaces/default/services/kubernetes`)) as { spec: { ports: { name: string; port: number; targetPort: number }[] } };
    assert.deepEqual(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['https', 443, 7443]]);
    const slice = (await getJSON(`${a.url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes`)) as { metadata: { labels?: Record<string, string>; ownerReferences?: unknown }; addressType: string };
    assert.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.equal(slice.metadata.ownerReferences, undefined);
    assert.equal(slice.addressType, 'IPv4');

    // Graceful stop of A: its address goes before close() returns, well inside A's 60s lease.
    const stoppedAt = Date.now();
    await a.close();
    const afterA = await published(b.url);
    assert.deepEqual(afterA.endpoints, ['192.0.2.11'], 'A removed itself on graceful shutdown');
    assert.deepEqual(afterA.slice, ['192.0.2.11']);
    assert.ok(Date.now() - stoppedAt < 10_000);

    // A comes back (a short TTL this time), then B is killed: B stays until its 3s lease expires, then goes.
    const a2 = await inProcess(prefix, { advertiseAddress: '192.0.2.10', advertisePort: 7443, leaseTTLMs: 3000, intervalMs: 300 });
    await until_(a2.url, 'A back', both);
    b.child.kill('SIGKILL');
    const killedAt = Date.now();
    await until_(a2.url, 'the killed API server gone once its lease expired', { endpoints: ['192.0.2.10'], slice: ['192.0.2.10'] }, 20_000);
    const gone = Date.now() - killedAt;
    assert.ok(gone >= 2000, `removed after ${gone}ms: a killed server must stay until its lease (3s) expires`);
  });

  it('two API servers advertising one address (behind a load balancer) publish one address and one port', async () => {
    const prefix = newPrefix();
    const cfg = { advertiseAddress: '192.0.2.20', advertisePort: 6443, leaseTTLMs: 3000, intervalMs: 300 };
    const a = await inProcess(prefix, cfg);
    const b = await inProcess(prefix, cfg);
    const want = { endpoints: ['192.0.2.20'], endpointsPorts: ['https:6443/TCP'], slice: ['192.0.2.20'], slicePorts: ['https:6443/TCP'] };
    await until_(a.url, 'one address', want);
    // Both keep reconciling without fighting: the objects stop changing.
    const rv = async () => ((await getJSON(`${b.url}/api/v1/namespaces/default/endpoints/kubernetes`)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const before = await rv();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await rv(), before);
    assert.deepEqual(await published(b.url), want);
    // One of them leaves gracefully: the other still serves that address, so it stays listed.
    await a.close();
    assert.deepEqual(await published(b.url), want);
  });

  it('--endpoint-reconciler-type none leaves the endpoints alone', async () => {
    const prefix = newPrefix();
    const s = await inProcess(prefix, { type: 'none', advertisePort: 7443 });
    const r = await fetch(`${s.url}/api/v1/namespaces/default/endpoints/kubernetes`);
    assert.equal(r.status, 404);
    const svc = (await getJSON(`${s.url}/api/v1/namespaces/default/services/kubernetes`)) as { spec: { ports: { targetPort: number }[] } };
    assert.equal(svc.spec.ports[0]?.targetPort, 7443);
  });
});
