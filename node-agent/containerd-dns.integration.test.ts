/**
 * Pod DNS and Service environment variables on a real containerd: the agent passes the resolver settings
 * through CRI PodSandboxConfig.dns_config, containerd writes them into the sandbox's /etc/resolv.conf, and the
 * containers see kubelet's Service variables. Read back with exec.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../test/integration/framework/containerd.ts';
import { containerdNodeAgentConfig } from '../test/integration/framework/containerd-node-agent.ts';
import { startTestServer, type TestServer } from '../test/integration/framework/test-server.ts';
import { newClientset, type Clientset } from '../shared/client/clientset.ts';
import { loadKubeconfig } from '../shared/client/kubeconfig.ts';
import type { Pod, Service } from '../shared/api/core-v1.ts';
import { runNodeAgent, type RunningNodeAgent } from './main.ts';
import { untilWith } from '../test/integration/framework/until.ts';

const NODE = 'dns-node';
const CLUSTER_DNS = '10.213.99.10';
const until = untilWith({ timeoutMs: 60_000, everyMs: 100 });

function podOf(name: string, spec: Partial<Pod['spec']>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }], ...spec },
  };
}

/** resolv.conf lines without comments and blank lines. */
const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

describe('pod DNS and Service variables on containerd', () => {
  let cd: ContainerdInstance;
  let srv: TestServer;
  let cs: Clientset;
  let agent: RunningNodeAgent;
  let db: Service;

  const runningContainer = (name: string) =>
    until(`${name} running`, async () => {
      const p = (await cs.pods.get('default', name)) as Pod;
      const id = p.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '');
      return p.status?.phase === 'Running' && id ? id : undefined;
    });
  const exec = async (id: string, cmd: string[]) => (await agent.runtime.execSync(id, cmd, { timeoutSeconds: 10 })).stdout.toString();

  before(async () => {
    cd = await startContainerd({ name: 'agent-dns' });
    srv = await startTestServer();
    cs = newClientset(loadKubeconfig({ path: srv.kubeconfig }).options);
    db = await cs.services.create({ metadata: { namespace: 'default', name: 'db-main' }, spec: { ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }], selector: { app: 'db' } } } as Service);
    const hostResolv = path.join(cd.rootDir, 'host-resolv.conf');
    fs.writeFileSync(hostResolv, 'nameserver 192.0.2.53\nsearch corp.example\noptions timeout:2\n');
    agent = await runNodeAgent(containerdNodeAgentConfig(cd, NODE, {
      server: srv.url,
      agent: { relistPeriodMs: 500, housekeepingIntervalMs: 500, clusterDNS: [CLUSTER_DNS], clusterDomain: 'cluster.local', resolvConf: hostResolv },
    }));
  });

  after(async () => {
    await agent?.close().catch(() => undefined);
    await srv?.close().catch(() => undefined);
    await cd?.stop();
  });

  it('ClusterFirst: cluster DNS, the cluster search path then the host\'s, ndots:5; FQDN hostname and /etc/hosts; Service variables', async () => {
    await cs.pods.create(podOf('dns-first', { hostname: 'dns-0', subdomain: 'sub', setHostnameAsFQDN: true, hostAliases: [{ ip: '10.1.2.3', hostnames: ['db.example', 'db'] }], containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '3600'], env: [{ name: 'DB_URL', value: 'postgres://$(DB_MAIN_SERVICE_HOST):$(DB_MAIN_SERVICE_PORT_PG)/' }] }] }));
    const id = await runningContainer('dns-first');
    assert.deepEqual(lines(await exec(id, ['cat', '/etc/resolv.conf'])), [
      'search default.svc.cluster.local svc.cluster.local cluster.local corp.example',
      `nameserver ${CLUSTER_DNS}`,
      'options ndots:5',
    ]);
    assert.equal((await exec(id, ['hostname'])).trim(), 'dns-0.sub.default.svc.cluster.local');
    const podIP = ((await cs.pods.get('default', 'dns-first')) as Pod).status?.podIP ?? '';
    const hosts = lines(await exec(id, ['cat', '/etc/hosts']));
    assert.ok(hosts.includes(`${podIP}\tdns-0.sub.default.svc.cluster.local\tdns-0`), `kubelet's hosts entry in ${JSON.stringify(hosts)}`);
    assert.ok(hosts.includes('10.1.2.3\tdb.example\tdb'), 'hostAliases');
    const env = new Map(lines(await exec(id, ['env'])).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const ip = db.spec?.clusterIP ?? '';
    assert.equal(env.get('DB_MAIN_SERVICE_HOST'), ip);
    assert.equal(env.get('DB_MAIN_SERVICE_PORT'), '5432');
    assert.equal(env.get('DB_MAIN_SERVICE_PORT_PG'), '5432');
    assert.equal(env.get('DB_MAIN_PORT'), `tcp://${ip}:5432`);
    assert.equal(env.get('DB_MAIN_PORT_5432_TCP_ADDR'), ip);
    assert.equal(env.get('DB_URL'), `postgres://${ip}:5432/`, '$(VAR) expands Service variables');
    const kubernetes = await cs.services.get('default', 'kubernetes').catch(() => undefined);
    if (kubernetes?.spec?.clusterIP) assert.equal(env.get('KUBERNETES_SERVICE_HOST'), kubernetes.spec.clusterIP);
  });

  it('Default: the host resolv.conf; dnsConfig merged; enableServiceLinks false drops the namespace\'s variables', async () => {
    await cs.pods.create(podOf('dns-default', { dnsPolicy: 'Default', enableServiceLinks: false, dnsConfig: { searches: ['extra.example'], options: [{ name: 'ndots', value: '2' }] } }));
    const id = await runningContainer('dns-default');
    assert.deepEqual(lines(await exec(id, ['cat', '/etc/resolv.conf'])), ['search corp.example extra.example', 'nameserver 192.0.2.53', 'options timeout:2 ndots:2']);
    const env = await exec(id, ['env']);
    assert.doesNotMatch(env, /DB_MAIN_SERVICE_HOST/);
  });

  it('None: exactly the pod dnsConfig', async () => {
    await cs.pods.create(podOf('dns-none', { dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.99'], searches: ['only.example'] } }));
    const id = await runningContainer('dns-none');
    assert.deepEqual(lines(await exec(id, ['cat', '/etc/resolv.conf'])), ['search only.example', 'nameserver 192.0.2.99']);
  });
});
