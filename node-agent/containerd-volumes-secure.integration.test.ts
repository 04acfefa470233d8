/**
 * The ServiceAccount token volume end to end on a real containerd (integration tier, root): an HTTPS API
 * server with a client CA, a ServiceAccount signing key and Node,RBAC authorization; the node agent with its
 * own node identity (`system:node:<name>` client certificate). The agent reads the pod's Secret and the
 * cluster CA ConfigMap by name and asks TokenRequest for a token bound to the pod, as the Node authorizer
 * allows; the token the container sees authenticates as the pod's ServiceAccount; the node cannot read a
 * Secret none of its pods uses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestCertificate } from '../test/integration/framework/test-certificates.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../test/integration/framework/secured-test-server.ts';
import { BUSYBOX_IMAGE, startContainerd, type ContainerdInstance } from '../test/integration/framework/containerd.ts';
import { containerdNodeAgentConfig, waitForNodeReady } from '../test/integration/framework/containerd-node-agent.ts';
import { Clientset, configMapsResource, secretsResource, serviceAccountsResource } from '../shared/client/clientset.ts';
import type { KubeObject } from '../shared/api/meta.ts';
import type { Pod } from '../shared/api/core-v1.ts';
import { isAlreadyExists } from '../shared/errors/status-error.ts';
import { runNodeAgent, type RunningNodeAgent } from './main.ts';
import { until } from '../test/integration/framework/until.ts';

const NODE = 'secure-node';
const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('ServiceAccount token volume with authentication and the Node authorizer', () => {
  let cd: ContainerdInstance;
  let server: SecuredTestServer;
  let ca: TestCertificate;
  let admin: Clientset;
  let agent: RunningNodeAgent;
  const call = (method: string, urlPath: string, opts: { token?: string; cert?: TestCertificate; body?: unknown } = {}) => server.call(method, urlPath, opts);

  let nodeCert: TestCertificate;
  let adminCert: TestCertificate;

  before(async () => {
    server = await startSecuredTestServer();
    ca = server.ca;
    adminCert = server.admin;
    nodeCert = await server.clientCertificate(`CN=system:node:${NODE}, O=system:nodes`);
    admin = server.clientset({ cert: adminCert });
    const ensure = async (client: ReturnType<Clientset['resource']>, obj: KubeObject) => {
      try {
        await client.create(obj);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    };
    await ensure(admin.resource(serviceAccountsResource), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } });
    await ensure(admin.resource(configMapsResource), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': ca.certPem } } as KubeObject);
    await admin.resource(secretsResource).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, data: { password: b64('one') } } as KubeObject);
    await admin.resource(secretsResource).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated', namespace: 'default' }, data: { k: b64('v') } } as KubeObject);

    cd = await startContainerd({ name: 'agent-secure-vol' });
    agent = await runNodeAgent(
      containerdNodeAgentConfig(cd, NODE, {
        kubeconfig: server.kubeconfig({ cert: nodeCert }, 'node'),
        agent: { relistPeriodMs: 500, housekeepingIntervalMs: 500, volumeResyncIntervalMs: 1000, backOffPeriodMs: 1000 },
      }),
    );
    await waitForNodeReady(admin, NODE);
  });

  after(async () => {
    await agent?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await cd?.stop();
  });

  it("the pod's token, CA and namespace are mounted; the token authenticates as its ServiceAccount, bound to the pod", async () => {
    await admin.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api-client', namespace: 'default' },
      spec: {
        nodeName: NODE,
        serviceAccountName: 'default',
        terminationGracePeriodSeconds: 1,
        volumes: [
          { name: 'creds', secret: { secretName: 'db' } },
          {
            name: 'kube-api-access-h2w8d',
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
            volumeMounts: [
              { name: 'creds', mountPath: '/etc/creds', readOnly: true },
              { name: 'kube-api-access-h2w8d', mountPath: SA_MOUNT, readOnly: true },
            ],
          },
        ],
      },
    } as Pod);
    const p = await until('api-client Running', async () => {
      const x = (await admin.pods.get('default', 'api-client')) as Pod;
      return x.status?.phase === 'Running' ? x : undefined;
    }, 60_000);
    const id = p.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '') ?? '';
    const cat = async (f: string) => (await agent.runtime.execSync(id, ['cat', f], { timeoutSeconds: 5 })).stdout.toString();
    assert.equal(await cat('/etc/creds/password'), 'one', 'the node read the Secret its pod uses');
    assert.equal(await cat(`${SA_MOUNT}/ca.crt`), ca.certPem);
    assert.equal(await cat(`${SA_MOUNT}/namespace`), 'default');
    const token = await cat(`${SA_MOUNT}/token`);
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');

    const review = JSON.parse(
      (await call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { cert: adminCert, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } })).body,
    ) as { status: { authenticated?: boolean; user?: { username: string; groups: string[]; extra?: Record<string, string[]> } } };
    assert.equal(review.status.authenticated, true);
    assert.equal(review.status.user?.username, 'system:serviceaccount:default:default');
    assert.ok(review.status.user?.groups.includes('system:serviceaccounts:default'));
    assert.deepEqual(review.status.user?.extra?.['authentication.kubernetes.io/pod-name'], ['api-client']);
    assert.deepEqual(review.status.user?.extra?.['authentication.kubernetes.io/pod-uid'], [p.metadata.uid]);

    const list = await call('GET', '/api/v1/namespaces/default/secrets', { token });
    assert.equal(list.status, 403, 'the ServiceAccount has no role: authenticated, then refused');
    assert.match(JSON.parse(list.body).message, /^secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets" in API group "" in the namespace "default"/);

    // The node reads what its pods reference, and nothing else.
    assert.equal((await call('GET', '/api/v1/namespaces/default/secrets/db', { cert: nodeCert })).status, 200);
    assert.equal((await call('GET', '/api/v1/namespaces/default/secrets/unrelated', { cert: nodeCert })).status, 403);

    await admin.pods.delete('default', 'api-client', { gracePeriodSeconds: 0 });
  });

  it('the kube-api-access volume ServiceAccount admission injects is materialized', async () => {
    const created = (await admin.pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'plain', namespace: 'default' },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }] },
    } as Pod)) as Pod;
    const vol = created.spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(vol?.projected, `admission added the projected volume: ${JSON.stringify(created.spec.volumes)}`);
    const p = await until('plain Running', async () => {
      const x = (await admin.pods.get('default', 'plain')) as Pod;
      return x.status?.phase === 'Running' ? x : undefined;
    }, 60_000);
    const id = p.status?.containerStatuses?.[0]?.containerID?.replace('containerd://', '') ?? '';
    const sh = async (cmd: string) => (await agent.runtime.execSync(id, ['sh', '-c', cmd], { timeoutSeconds: 5 })).stdout.toString();
    assert.equal(await sh(`ls ${SA_MOUNT}`), 'ca.crt\nnamespace\ntoken\n');
    assert.equal(await sh(`cat ${SA_MOUNT}/namespace`), 'default');
    assert.equal(await sh(`cat ${SA_MOUNT}/ca.crt`), ca.certPem);
    const token = await sh(`cat ${SA_MOUNT}/token`);
    const review = JSON.parse(
      (await call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { cert: adminCert, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } })).body,
    ) as { status: { authenticated?: boolean; user?: { username: string; extra?: Record<string, string[]> } } };
    assert.equal(review.status.user?.username, 'system:serviceaccount:default:default');
    assert.deepEqual(review.status.user?.extra?.['authentication.kubernetes.io/pod-name'], ['plain']);
    assert.notEqual((await agent.runtime.execSync(id, ['touch', `${SA_MOUNT}/x`], { timeoutSeconds: 5 })).exitCode, 0, 'read-only');
    await admin.pods.delete('default', 'plain', { gracePeriodSeconds: 0 });
  });
});
