/**
 * `kubelab dns` as a process against a real (secured) API server, as user system:kube-dns by client
 * certificate: Services and EndpointSlices created through the API answer on a loopback port over UDP and
 * TCP, changes show within the informer's latency, and other names are forwarded to a fake upstream.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket, { type DecodedPacket as PacketBase, type RecordType } from 'dns-packet';
import type { Service } from '../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../shared/api/discovery-v1.ts';
import type { Clientset } from '../shared/client/clientset.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../test/integration/framework/secured-test-server.ts';
import { until } from '../test/integration/framework/until.ts';

type DecodedPacket = PacketBase & { rcode: string };

const cliMain = fileURLToPath(new URL(`../cli/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

let server: SecuredTestServer;
let admin: Clientset;
let dns: ChildProcess | undefined;
let dnsPort = 0;
let upstream: dgram.Socket;
const stderr: string[] = [];

before(async () => {
  server = await startSecuredTestServer();
  admin = server.clientset({ cert: server.admin });
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    if (!question) return;
    upstream.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE, questions: [question], answers: question.type === 'A' ? [{ name: question.name, type: 'A', ttl: 30, data: '192.0.2.77' }] : [] }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));

  await admin.services.create({ metadata: { namespace: 'default', name: 'web' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], selector: { app: 'web' } } } as Service);
  await admin.services.create({ metadata: { namespace: 'default', name: 'db' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } } as Service);
  await admin.services.create({ metadata: { namespace: 'default', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'www.example.com' } } as Service);
  await admin.endpointSlices.create({
    metadata: { namespace: 'default', name: 'db-1', labels: { [LABEL_SERVICE_NAME]: 'db' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], hostname: 'db-0', conditions: { ready: true } }, { addresses: ['10.244.2.6'], conditions: { ready: false } }],
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  } as EndpointSlice);

  const cert = await server.clientCertificate('CN=system:kube-dns');
  const kubeconfig = server.kubeconfig({ cert }, 'kube-dns');
  dns = spawn(process.execPath, [cliMain, 'dns', '--kubeconfig', kubeconfig, '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstream.address().port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, KUBELAB_LOG_FORMAT: 'json', KUBELAB_LOG_LEVEL: 'info' },
  });
  dns.stderr?.setEncoding('utf8');
  dns.stderr?.on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
  dnsPort = await until('kubelab dns to serve', () => {
    for (const l of stderr) {
      const m = /"msg":"Cluster DNS running".*"listen":"127\.0\.0\.1:(\d+)"/.exec(l);
      if (m) return Number(m[1]);
    }
    return undefined;
  }, 30_000);
});

after(async () => {
  if (dns && dns.exitCode === null) {
    const exited = new Promise((resolve) => dns?.once('exit', resolve));
    dns.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (dns.exitCode === null) dns.kill('SIGKILL');
  }
  upstream?.close();
  await server?.close();
});

let id = 1;
async function ask(name: string, type: RecordType, transport: 'udp' | 'tcp' = 'udp'): Promise<DecodedPacket> {
  const q = dnsPacket.encode({ type: 'query', id: id++, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
  if (transport === 'udp') {
    const s = dgram.createSocket('udp4');
    try {
      return await new Promise<DecodedPacket>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no UDP answer for ${name}`)), 3000);
        s.on('message', (m) => { clearTimeout(t); try { resolve(dnsPacket.decode(m) as DecodedPacket); } catch (e) { reject(e as Error); } });
        s.send(q, dnsPort, '127.0.0.1');
      });
    } finally {
      s.close();
    }
  }
  const c = net.connect({ host: '127.0.0.1', port: dnsPort });
  try {
    return await new Promise<DecodedPacket>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no TCP answer for ${name}`)), 3000);
      let buf = Buffer.alloc(0);
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        clearTimeout(t);
        try { resolve(dnsPacket.decode(buf.subarray(2)) as DecodedPacket); } catch (e) { reject(e as Error); }
      });
      c.on('error', reject);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      c.write(Buffer.concat([len, q]));
    });
  } finally {
    c.destroy();
  }
}
const data = (p: DecodedPacket) => (p.answers ?? []).map((a) => (a as { data: unknown }).data);

test('Services and EndpointSlices from the API server answer over UDP and TCP', async () => {
  const web = await admin.services.get('default', 'web');
  const ip = web.spec?.clusterIP ?? '';
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(data(await ask('web.default.svc.cluster.local', 'A')), [ip]);
  assert.deepEqual(data(await ask('WEB.default.svc.cluster.local', 'A', 'tcp')), [ip]);
  assert.deepEqual(data(await ask('_http._tcp.web.default.svc.cluster.local', 'SRV')), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
  assert.deepEqual(data(await ask(`${ip.split('.').reverse().join('.')}.in-addr.arpa`, 'PTR')), ['web.default.svc.cluster.local']);
  assert.deepEqual(data(await ask('db.default.svc.cluster.local', 'A')), ['10.244.1.5'], 'only ready endpoints of a headless Service');
  assert.deepEqual(data(await ask('db-0.db.default.svc.cluster.local', 'A')), ['10.244.1.5']);
  assert.deepEqual(data(await ask('_pg._tcp.db.default.svc.cluster.local', 'SRV')), [{ priority: 0, weight: 100, port: 5432, target: 'db-0.db.default.svc.cluster.local' }]);
  const ext = await ask('ext.default.svc.cluster.local', 'A');
  assert.deepEqual(ext.answers?.map((a) => [a.type, (a as { data: unknown }).data]), [['CNAME', 'www.example.com'], ['A', '192.0.2.77']]);
  const nx = await ask('nope.default.svc.cluster.local', 'A');
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.equal(nx.authorities?.[0]?.type, 'SOA');
  const nodata = await ask('default.svc.cluster.local', 'A');
  assert.equal(nodata.rcode, 'NOERROR');
  assert.equal(nodata.answers?.length, 0);
  assert.equal((await ask('kube-public.svc.cluster.local', 'A')).rcode, 'NOERROR', 'an existing namespace without Services: NODATA');
  assert.equal((await ask('no-such-ns.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  assert.deepEqual(data(await ask('dns-version.cluster.local', 'TXT')).map((d) => (d as Buffer[]).map(String)), [['1.1.0']]);
  assert.deepEqual(data(await ask('example.org', 'A')), ['192.0.2.77'], 'forwarded upstream');
});

test('changes through the API show in answers (new Service, endpoint turning ready, deleted Service)', async () => {
  await admin.namespaces.create({ metadata: { name: 'team' } });
  const created = await admin.services.create({ metadata: { namespace: 'team', name: 'api' }, spec: { ports: [{ port: 8080 }] } } as Service);
  const ip = created.spec?.clusterIP ?? '';
  await until('the new Service to resolve', async () => JSON.stringify(data(await ask('api.team.svc.cluster.local', 'A'))) === JSON.stringify([ip]), 10_000);

  const slice = await admin.endpointSlices.get('default', 'db-1');
  slice.endpoints = slice.endpoints.map((e) => ({ ...e, conditions: { ready: true } }));
  await admin.endpointSlices.update(slice);
  await until('the second endpoint to be published', async () => data(await ask('db.default.svc.cluster.local', 'A')).length === 2, 10_000);
  assert.deepEqual(data(await ask('10-244-2-6.db.default.svc.cluster.local', 'A')), ['10.244.2.6']);

  await admin.services.delete('default', 'web');
  await until('the deleted Service to be NXDOMAIN', async () => (await ask('web.default.svc.cluster.local', 'A')).rcode === 'NXDOMAIN', 10_000);
});
