/**
 * Admission on a secured API server (TLS and token authentication, so authorization Node,RBAC and the default
 * admission plugins ServiceAccount, NodeRestriction, PodSecurity): with the real kubectl, a node identity
 * cannot rewrite another node's status or delete it, and cannot create pods; its own Node works; pods need
 * their ServiceAccount.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSecuredTestServer, type SecuredTestServer } from '../../test/integration/framework/secured-test-server.ts';
import { kubectlBinary } from '../../test/e2e/framework/kubectl.ts';

const work = mkdtempSync(join(tmpdir(), 'kubelab-admission-secured-'));
let server: SecuredTestServer;
let binary: string;

const TOKENS: Record<string, { user: string; groups: string[] }> = {
  'admin-token': { user: 'kubernetes-admin', groups: ['system:masters'] },
  'node-1-token': { user: 'system:node:node-1', groups: ['system:nodes'] },
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(token: string, args: string[], stdin?: string): Promise<Run> {
  const kubeconfig = server.kubeconfig({ token }, `kubeconfig-${token}`);
  return new Promise((resolve) => {
    const child = execFile(binary, ['--kubeconfig', kubeconfig, '--cache-dir', join(work, `cache-${token}`), '--request-timeout', '20s', ...args], { env: { ...process.env, HOME: work }, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

async function ok(token: string, args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(token, args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** One HTTPS request as the kubelet sends it (a merge patch of nodes/status needs no GET first). */
async function call(method: string, path: string, token: string, body: unknown, contentType = 'application/merge-patch+json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await server.call(method, path, { token, body, headers: { 'content-type': contentType } });
  return { status: res.status, json: JSON.parse(res.body) as Record<string, unknown> };
}

before(async () => {
  binary = kubectlBinary(32);
  server = await startSecuredTestServer({ tokens: TOKENS });
  for (const name of ['node-1', 'node-2']) {
    await ok('admin-token', ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } }));
  }
});

after(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('admission on a secured server', () => {
  it('NodeRestriction: node-1 may not patch node-2\'s status addresses or delete node-2', async () => {
    const hijack = JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: '127.0.0.9' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } });
    const patch = await call('PATCH', '/api/v1/nodes/node-2/status', 'node-1-token', JSON.parse(hijack));
    assert.equal(patch.status, 403);
    assert.equal(patch.json['message'], 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
    assert.equal(patch.json['reason'], 'Forbidden');
    // Refused by authorization or, where the node's role allows deleting Nodes, by NodeRestriction.
    const del = await kubectl('node-1-token', ['delete', 'node', 'node-2']);
    assert.match(del.stderr, /^Error from server \(Forbidden\): nodes "node-2" is forbidden: /);
    assert.equal(await ok('admin-token', ['get', 'node', 'node-2', '-o', 'name']), 'node/node-2\n');
    const addresses = await ok('admin-token', ['get', 'node', 'node-2', '-o', 'jsonpath={.status.addresses}']);
    assert.equal(addresses, '');
    // Its own Node works, but not a protected label.
    assert.equal((await call('PATCH', '/api/v1/nodes/node-1/status', 'node-1-token', JSON.parse(hijack))).status, 200);
    assert.equal(await ok('admin-token', ['get', 'node', 'node-1', '-o', 'jsonpath={.status.addresses[0].address}']), '127.0.0.9');
    const label = await kubectl('node-1-token', ['label', 'node', 'node-1', 'node-role.kubernetes.io/control-plane=']);
    assert.equal(label.stderr, 'Error from server (Forbidden): nodes "node-1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane\n');
  });

  it('NodeRestriction: a node creates no pods (kubelab has no mirror pods)', async () => {
    await ok('admin-token', ['create', 'serviceaccount', 'default', '-n', 'default']);
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'evil', namespace: 'default' }, spec: { nodeName: 'node-1', hostPID: true, containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });
    const r = await kubectl('node-1-token', ['create', '-f', '-'], pod);
    assert.equal(r.stderr, 'Error from server (Forbidden): error when creating "STDIN": pods "evil" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods\n');
  });

  it('ServiceAccount admission is on by default: no ServiceAccount, no pod; with it, the token volume', async () => {
    await ok('admin-token', ['create', 'namespace', 'apps']);
    const refused = await kubectl('admin-token', ['run', 'web', '--image=busybox', '-n', 'apps']);
    assert.equal(refused.stderr, 'Error from server (Forbidden): pods "web" is forbidden: error looking up service account apps/default: serviceaccount "default" not found\n');
    await ok('admin-token', ['create', 'serviceaccount', 'default', '-n', 'apps']);
    assert.equal(await ok('admin-token', ['run', 'web', '--image=busybox', '-n', 'apps']), 'pod/web created\n');
    const mount = await ok('admin-token', ['get', 'pod', 'web', '-n', 'apps', '-o', 'jsonpath={.spec.containers[0].volumeMounts[0].mountPath}']);
    assert.equal(mount, '/var/run/secrets/kubernetes.io/serviceaccount');
  });
});
