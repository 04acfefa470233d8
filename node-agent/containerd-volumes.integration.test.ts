/**
 * Secret, configMap and projected (ServiceAccount token) volumes and secret/configMap env on a real
 * containerd (integration tier, root): what a container sees, updates in place, a missing Secret.
 *
 * Pods, nodes, events, Secrets and ConfigMaps go to an in-process API server (the loopback dev server, no
 * authentication). TokenRequests are answered by the fake client: the API server issues them only with a
 * service-account signing key, which turns authentication on (the chain is tested in apiserver/); the agent
 * posts serviceaccounts/{name}/token through the same Client interface either way.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../test/integration/framework/containerd.ts';
import { containerdNodeAgentConfig, waitForNodeReady } from '../test/integration/framework/containerd-node-agent.ts';
import { startTestServer, type TestServer } from '../test/integration/framework/test-server.ts';
import { Clientset, configMapsResource, secretsResource, serviceAccountsResource } from '../shared/client/clientset.ts';
import { FakeClient } from '../shared/client/fake/clientset.ts';
import type { Client, ResourceClient, ResourceDescriptor } from '../shared/client/interfaces.ts';
import { loadKubeconfig } from '../shared/client/kubeconfig.ts';
import { RestClient } from '../shared/client/rest-client.ts';
import type { KubeObject } from '../shared/api/meta.ts';
import type { Event, Pod } from '../shared/api/core-v1.ts';
import type { TokenRequest } from './token/token-manager.ts';
import { runNodeAgent, type NodeAgentConfig, type RunningNodeAgent } from './main.ts';
import { until } from '../test/integration/framework/until.ts';

const NODE = 'vol-node';
const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** ServiceAccounts (TokenRequest) from the fake, everything else from the server. */
class RoutingClient implements Client {
  #rest: Client;
  #fake: Client;
  constructor(rest: Client, fake: Client) {
    this.#rest = rest;
    this.#fake = fake;
  }
  resource<T extends KubeObject = KubeObject>(d: ResourceDescriptor): ResourceClient<T> {
    const local = d.group === '' && d.resource === 'serviceaccounts';
    return (local ? this.#fake : this.#rest).resource<T>(d);
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('secret, configMap and projected volumes on containerd', () => {
  let cd: ContainerdInstance;
  let srv: TestServer;
  let cs: Clientset;
  let fake: FakeClient;
  let agent: RunningNodeAgent;
  let config: NodeAgentConfig;
  let issued = 0;

  const secrets = () => cs.resource(secretsResource);
  const configMaps = () => cs.resource(configMapsResource);
  const get = async (name: string) => (await cs.pods.get('default', name)) as Pod;
  const running = (name: string, timeoutMs = 60_000) =>
    until(`${name} Running`, async () => {
      const p = await get(name);
      return p.status?.phase === 'Running' && p.status.conditions?.find((x) => x.type === 'Ready')?.status === 'True' ? p : undefined;
    }, timeoutMs);
  const exec = async (p: Pod, cmd: string[], container = 0) => {
    const id = p.status?.containerStatuses?.[container]?.containerID?.replace('containerd://', '') ?? '';
    const r = await agent.runtime.execSync(id, cmd, { timeoutSeconds: 5 });
    return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
  };
  const cat = async (p: Pod, file: string) => (await exec(p, ['cat', file])).out;

  before(async () => {
    cd = await startContainerd({ name: 'agent-volumes' });
    srv = await startTestServer();
    fake = new FakeClient({ resources: [serviceAccountsResource] });
    fake.prependReactor('create', 'serviceaccounts', (a) => {
      if (a.subresource !== 'token') return undefined;
      const tr = a.object as TokenRequest;
      const exp = new Date(Date.now() + (tr.spec.expirationSeconds ?? 3600) * 1000).toISOString();
      const claims = { sub: `system:serviceaccount:${a.namespace}:${a.name}`, pod: tr.spec.boundObjectRef?.name, n: ++issued };
      return { object: { ...tr, status: { token: `eyJhbGciOiJSUzI1NiJ9.${b64(JSON.stringify(claims))}.sig`, expirationTimestamp: exp } } };
    });
    cs = new Clientset(new RoutingClient(new RestClient(loadKubeconfig({ path: srv.kubeconfig }).options), fake));
    config = containerdNodeAgentConfig(cd, NODE, {
      clientset: cs,
      agent: { relistPeriodMs: 500, housekeepingIntervalMs: 500, volumeResyncIntervalMs: 1000, backOffPeriodMs: 1000 },
    });
    agent = await runNodeAgent(config);
    await waitForNodeReady(cs, NODE);
    await secrets().create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, data: { password: b64('one'), user: b64('admin') } } as KubeObject);
    await configMaps().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'default' }, data: { 'app.conf': 'mode=fast\n' } } as KubeObject);
    await configMaps().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } } as KubeObject);
  });

  after(async () => {
    await agent?.close().catch(() => undefined);
    await srv?.close().catch(() => undefined);
    await cd?.stop();
  });

  it('a pod reads a Secret, a ConfigMap, env from them and its projected token; a Secret update reaches the running container', async () => {
    await cs.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        serviceAccountName: 'default',
        volumes: [
          { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } },
          { name: 'conf', configMap: { name: 'app' } },
          {
            name: 'kube-api-access-t9x2q',
            projected: {
              defaultMode: 0o644,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
              ],
            },
          },
        ],
        containers: [
          {
            name: 'c',
            image: BUSYBOX_IMAGE,
            command: ['sleep', '3600'],
            env: [{ name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } }],
            envFrom: [{ configMapRef: { name: 'app' }, prefix: 'CFG_' }],
            volumeMounts: [
              { name: 'creds', mountPath: '/etc/creds' },
              { name: 'conf', mountPath: '/etc/conf' },
              { name: 'conf', mountPath: '/etc/app.conf', subPath: 'app.conf' },
              { name: 'kube-api-access-t9x2q', mountPath: SA_MOUNT, readOnly: true },
            ],
          },
        ],
      },
    } as Pod);
    const p = await running('reader');
    assert.equal(await cat(p, '/etc/creds/password'), 'one');
    assert.equal(await cat(p, '/etc/conf/app.conf'), 'mode=fast\n');
    assert.equal(await cat(p, '/etc/app.conf'), 'mode=fast\n');
    const ls = (await exec(p, ['ls', '-la', '/etc/creds'])).out;
    assert.match(ls, /\.\.data -> \.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+/, `ls -la shows the ..data link:\n${ls}`);
    assert.match(ls, /password -> \.\.data\/password/);
    assert.match((await exec(p, ['stat', '-L', '-c', '%a', '/etc/creds/password'])).out, /^400/, 'defaultMode applies');
    assert.notEqual((await exec(p, ['touch', '/etc/creds/x'])).code, 0, 'secret volumes are read-only');
    assert.notEqual((await exec(p, ['sh', '-c', 'echo x > /etc/conf/app.conf'])).code, 0, 'configMap volumes are read-only');
    assert.equal((await exec(p, ['sh', '-c', 'echo "$DB_USER"'])).out, 'admin\n');
    const envOut = (await exec(p, ['env'])).out;
    assert.match(envOut, /^DB_USER=admin$/m);
    assert.match(envOut, /^CFG_app\.conf=mode=fast$/m, 'envFrom with a prefix (dots are valid in names)');

    // The ServiceAccount volume: token bound to this pod, the cluster CA, the namespace.
    const token = await cat(p, `${SA_MOUNT}/token`);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64').toString()) as { sub: string; pod: string };
    assert.deepEqual([claims.sub, claims.pod], ['system:serviceaccount:default:default', 'reader']);
    assert.match(await cat(p, `${SA_MOUNT}/ca.crt`), /^-----BEGIN CERTIFICATE-----/);
    assert.equal(await cat(p, `${SA_MOUNT}/namespace`), 'default');
    assert.notEqual((await exec(p, ['touch', `${SA_MOUNT}/x`])).code, 0);
    const tr = fake.actions().find((a) => a.subresource === 'token');
    assert.deepEqual((tr?.object as TokenRequest).spec.boundObjectRef, { apiVersion: 'v1', kind: 'Pod', name: 'reader', uid: p.metadata.uid });

    // Secrets and the projected volume are on a tmpfs on the node; the configMap is not.
    const volDir = path.join(config.rootDir, 'pods', p.metadata.uid ?? '', 'volumes');
    const mountinfo = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]);
    assert.ok(mountinfo().includes(path.join(volDir, 'kubernetes.io~secret', 'creds')));
    assert.ok(mountinfo().includes(path.join(volDir, 'kubernetes.io~projected', 'kube-api-access-t9x2q')));
    assert.ok(!mountinfo().includes(path.join(volDir, 'kubernetes.io~configmap', 'conf')));

    // Updates reach the running container atomically; the subPath mount keeps the old file (as kube).
    const sec = await secrets().get('default', 'db');
    const t0 = Date.now();
    await secrets().update({ ...sec, data: { password: b64('two'), user: b64('admin') } } as KubeObject);
    await until('the new password in the container', async () => ((await cat(p, '/etc/creds/password')) === 'two' ? true : undefined), 20_000);
    process.stderr.write(`secret update visible in the container after ${Date.now() - t0} ms\n`);
    const cm = await configMaps().get('default', 'app');
    await configMaps().update({ ...cm, data: { 'app.conf': 'mode=safe\n' } } as KubeObject);
    await until('the new config in the container', async () => ((await cat(p, '/etc/conf/app.conf')) === 'mode=safe\n' ? true : undefined), 20_000);
    assert.equal(await cat(p, '/etc/app.conf'), 'mode=fast\n', 'a subPath mount does not update');
    assert.equal((await exec(p, ['sh', '-c', 'ls -a /etc/creds | grep -c "^\\.\\.[0-9]"'])).out.trim(), '1', 'one data dir remains');

    await cs.pods.delete('default', 'reader', { gracePeriodSeconds: 0 });
    await until('volumes unmounted and removed', () => (!fs.existsSync(volDir) && !mountinfo().some((m) => m?.startsWith(volDir)) ? true : undefined), 30_000);
  });

  it('a missing Secret keeps the pod in ContainerCreating with a FailedMount event until the Secret exists', async () => {
    await cs.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'waits', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'v', secret: { secretName: 'later' } }],
        containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'cat /s/k; sleep 3600'], volumeMounts: [{ name: 'v', mountPath: '/s' }] }],
      },
    } as Pod);
    const ev = await until('FailedMount event', async () => {
      const events = (await cs.events.list('default')).items as Event[];
      return events.find((e) => e.involvedObject.name === 'waits' && e.reason === 'FailedMount');
    });
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'MountVolume.SetUp failed for volume "v" : secret "later" not found');
    const p = await get('waits');
    assert.equal(p.status?.phase, 'Pending');
    assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? 'ContainerCreating', 'ContainerCreating');
    await secrets().create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'later', namespace: 'default' }, data: { k: b64('arrived') } } as KubeObject);
    const r = await running('waits');
    assert.equal(await cat(r, '/s/k'), 'arrived');
    await cs.pods.delete('default', 'waits', { gracePeriodSeconds: 0 });
  });

  it('a missing secretKeyRef key is CreateContainerConfigError with kubelet\'s message', async () => {
    await cs.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'badenv', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'nope' } } }] }],
      },
    } as Pod);
    const waiting = await until('CreateContainerConfigError', async () => {
      const w = (await get('badenv')).status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    });
    assert.equal(waiting.message, "couldn't find key nope in Secret default/db");
    await cs.pods.delete('default', 'badenv', { gracePeriodSeconds: 0 });
  });
});
