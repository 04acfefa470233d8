/**
 * Access control on a real `kubelab up --nodes 2` cluster (issue 11), with the real kubectl:
 *
 * 1. Who may do what: a can-i matrix for the admin, a ServiceAccount bound to `view` in one namespace, a
 *    ServiceAccount with no bindings, each node's own identity and a bootstrap token; every cell asserted, and the
 *    refusals carry kube's 403 wording. A client without credentials gets 401 except on health and version.
 * 2. From inside a pod: its mounted token lists what its Role allows and is refused the rest; an unauthenticated
 *    request to a node agent (from a pod and from the host) gets 401; exec and logs through the API server work.
 * 3. Node identity: node-1 cannot delete node-2, patch node-2's status, read a Secret only a pod on node-2 uses,
 *    or change a pod on node-2; its own node and pods work.
 * 4. Tokens and users: `kubectl create token`, `kubectl auth whoami`, `--as`, RBAC escalation refused.
 * 5. Pod Security: a namespace enforcing baseline refuses a privileged/hostPath pod; `default` warns.
 * 6. Credentials: every node joined by bootstrap token holds a signed client certificate in 0600 files, and no
 *    process's command line carries a credential.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { Cluster, inNetns, kubelab, prerequisites, waitFor, withDiagnostics, exec, webPod } from './_cluster.ts';
import { Kubectl } from '../framework/kubectl.ts';
import type { Pod } from '../../../shared/api/core-v1.ts';

const NS = 'team-a';

/** A kubeconfig for the cluster with a bearer token (written 0600 into the state dir). */
function tokenKubeconfig(k: Cluster, name: string, token: string): Kubectl {
  const file = join(k.stateDir, `${name}.kubeconfig`);
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: c', '  cluster:', `    server: ${k.state.apiserverURL}`, `    certificate-authority: ${join(k.stateDir, 'pki', 'ca.crt')}`,
    'users:', `- name: u`, '  user:', `    token: ${token}`,
    'contexts:', '- name: c', '  context: {cluster: c, user: u}', 'current-context: c', '',
  ].join('\n'), { mode: 0o600 });
  return new Kubectl({ binary: k.kubectl.binary, kubeconfig: file, cacheDir: join(k.stateDir, `.kube-cache-${name}`), cwd: k.stateDir });
}

/** The kubeconfig a node agent wrote after its TLS bootstrap (its own client certificate). */
function nodeKubectl(k: Cluster, node: string): Kubectl {
  const file = join(k.node(node).dir, 'kubeconfig');
  assert.ok(existsSync(file), `${file} exists after the TLS bootstrap`);
  return new Kubectl({ binary: k.kubectl.binary, kubeconfig: file, cacheDir: join(k.stateDir, `.kube-cache-${node}`), cwd: k.stateDir });
}

/** `kubectl auth can-i` as yes/no (exit 0 = yes, 1 = no; anything else fails). */
async function canI(kc: Kubectl, args: string[]): Promise<'yes' | 'no'> {
  const r = await kc.run(['auth', 'can-i', ...args]);
  assert.ok(r.code === 0 || r.code === 1, `can-i ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim() === 'yes' ? 'yes' : 'no';
}

describe('access control on kubelab up --nodes 2', { concurrency: 1 }, () => {
  let c: Cluster | undefined;
  const cluster = () => {
    if (!c) throw new Error('the cluster did not come up (see the before hook)');
    return c;
  };
  let viewer: Kubectl;
  let nobody: Kubectl;

  before(async () => {
    prerequisites();
    c = await Cluster.up('access', ['--nodes', '2']);
    const k = c.kubectl;
    await k.ok(['create', 'namespace', NS]);
    await k.ok(['-n', NS, 'create', 'serviceaccount', 'viewer']);
    await k.ok(['-n', NS, 'create', 'serviceaccount', 'nobody']);
    await k.ok(['-n', NS, 'create', 'rolebinding', 'viewer-view', '--clusterrole', 'view', `--serviceaccount=${NS}:viewer`]);
    viewer = tokenKubeconfig(c, 'viewer', (await k.ok(['-n', NS, 'create', 'token', 'viewer'])).trim());
    nobody = tokenKubeconfig(c, 'nobody', (await k.ok(['-n', NS, 'create', 'token', 'nobody'])).trim());
  });
  after(async () => {
    if (!c) return;
    const r = await c.down();
    if (r.code !== 0) process.stderr.write(`[e2e] kubelab down exited ${r.code}: ${r.stderr}\n`);
    c.cleanup();
  });

  it('can-i matrix: admin, a view-bound ServiceAccount, an unbound one, each node, a bootstrap token', () => withDiagnostics(c, async () => {
    const k = cluster();
    const bootstrap = tokenKubeconfig(k, 'bootstrap', (await kubelab(['token', 'create', '--node', 'node-9', '--state-dir', k.stateDir])).stdout.trim());
    const n1 = nodeKubectl(k, 'node-1');
    // [identity, can-i args, expected]
    const matrix: [string, Kubectl, string[], 'yes' | 'no'][] = [
      ['admin', k.kubectl, ['*', '*', '--all-namespaces'], 'yes'],
      ['admin', k.kubectl, ['delete', 'nodes'], 'yes'],
      ['viewer', viewer, ['list', 'pods', '-n', NS], 'yes'],
      ['viewer', viewer, ['watch', 'pods', '-n', NS], 'yes'],
      ['viewer', viewer, ['get', 'pods', '--subresource=log', '-n', NS], 'yes'],
      ['viewer', viewer, ['create', 'pods', '-n', NS], 'no'],
      ['viewer', viewer, ['create', 'pods', '--subresource=exec', '-n', NS], 'no'],
      ['viewer', viewer, ['get', 'secrets', '-n', NS], 'no'],
      ['viewer', viewer, ['list', 'pods', '-n', 'default'], 'no'],
      ['viewer', viewer, ['list', 'nodes'], 'no'],
      ['nobody', nobody, ['list', 'pods', '-n', NS], 'no'],
      ['nobody', nobody, ['get', 'namespaces'], 'no'],
      ['node-1', n1, ['get', 'nodes/node-1'], 'yes'],
      // AuthorizeNodeWithSelectors (kube 1.32): a node lists pods only with spec.nodeName=<itself>, reads only its own Node.
      ['node-1', n1, ['list', 'pods', '--all-namespaces'], 'no'],
      ['node-1', n1, ['get', 'nodes/node-2'], 'no'],
      ['node-1', n1, ['delete', 'nodes/node-2'], 'no'],
      ['node-1', n1, ['list', 'secrets', '--all-namespaces'], 'no'],
      // RBAC's system:node rules allow creating pods (mirror pods); NodeRestriction refuses the rest (below).
      ['node-1', n1, ['create', 'pods', '-n', 'default'], 'yes'],
      ['node-1', n1, ['update', 'pods', '--subresource=status', '-n', 'default'], 'yes'],
      ['node-1', n1, ['create', 'serviceaccounts', '--subresource=token', '-n', NS], 'no'],
      ['bootstrap', bootstrap, ['create', 'certificatesigningrequests.certificates.k8s.io'], 'yes'],
      ['bootstrap', bootstrap, ['list', 'pods', '-n', 'default'], 'no'],
      ['bootstrap', bootstrap, ['get', 'nodes'], 'no'],
    ];
    const wrong: string[] = [];
    for (const [who, kc, args, want] of matrix) {
      const got = await canI(kc, args);
      if (got !== want) wrong.push(`${who}: can-i ${args.join(' ')}: ${got}, want ${want}`);
    }
    assert.deepEqual(wrong, []);
    // Refusals carry kube's wording.
    const denied = await nobody.fail(['get', 'pods', '-n', NS]);
    assert.match(denied.stderr, new RegExp(`Error from server \\(Forbidden\\): pods is forbidden: User "system:serviceaccount:${NS}:nobody" cannot list resource "pods" in API group "" in the namespace "${NS}"`));
    // Nothing answers anonymously but health and version (kubelab up's --authentication-config): a request
    // without credentials anywhere else is kube's 401 Status, not an RBAC refusal of system:anonymous.
    const anon = await exec('curl', ['-sk', '--max-time', '5', `${k.state.apiserverURL}/api/v1/pods`]);
    assert.deepEqual(JSON.parse(anon.stdout), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }, anon.stdout);
    const authConfig = join(k.stateDir, 'pki', 'authentication-config.yaml');
    assert.equal(statSync(authConfig).mode & 0o777, 0o600, authConfig);
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) {
      const r = await exec('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `${k.state.apiserverURL}${path}`]);
      assert.equal(r.stdout, '200', `anonymous ${path}`);
    }
  }));

  it('kubectl auth whoami, create token, --as, and RBAC escalation refused', () => withDiagnostics(c, async () => {
    const k = cluster();
    assert.match(await k.kubectl.ok(['auth', 'whoami']), /kubernetes-admin[\s\S]*system:masters/);
    assert.match(await viewer.ok(['auth', 'whoami']), new RegExp(`system:serviceaccount:${NS}:viewer[\\s\\S]*system:serviceaccounts:${NS}`));
    // Impersonation: the admin may; the result is the impersonated user's rights.
    assert.equal(await canI(k.kubectl, ['list', 'pods', '-n', NS, `--as=system:serviceaccount:${NS}:viewer`]), 'yes');
    assert.equal(await canI(k.kubectl, ['create', 'pods', '-n', NS, `--as=system:serviceaccount:${NS}:viewer`]), 'no');
    const imp = await viewer.fail(['get', 'pods', '-n', NS, '--as=someone-else']);
    assert.match(imp.stderr, /users "someone-else" is forbidden: User "system:serviceaccount:team-a:viewer" cannot impersonate resource "users" in API group "" at the cluster scope/);
    // Escalation: a user who may create rolebindings but does not hold `edit` cannot bind it.
    await k.kubectl.ok(['-n', NS, 'create', 'role', 'binder', '--verb=create,get,list', '--resource=rolebindings.rbac.authorization.k8s.io']);
    await k.kubectl.ok(['-n', NS, 'create', 'rolebinding', 'nobody-binder', '--role', 'binder', `--serviceaccount=${NS}:nobody`]);
    const esc = await nobody.fail(['-n', NS, 'create', 'rolebinding', 'self-edit', '--clusterrole', 'edit', `--serviceaccount=${NS}:nobody`]);
    assert.match(esc.stderr, /is forbidden: user "system:serviceaccount:team-a:nobody" \(groups=\[.*\]\) is attempting to grant RBAC permissions not currently held/);
    await k.kubectl.ok(['-n', NS, 'delete', 'rolebinding', 'nobody-binder']);
  }));

  it('from inside a pod: the mounted token lists what its role allows and is refused the rest; agents answer 401 without credentials', () => withDiagnostics(c, async () => {
    const k = cluster();
    // busybox's TLS client cannot talk to the API server's ECDSA certificate, so the requests are made by curl
    // inside the pod's own network namespace, with the token and CA the pod has mounted (read through
    // /proc/<pid>/root: the container's filesystem).
    await k.apply([{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prober', namespace: NS },
      spec: {
        serviceAccountName: 'viewer', terminationGracePeriodSeconds: 1, nodeSelector: { 'kubernetes.io/hostname': 'node-1' },
        containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3601'] }],
      },
    }]);
    const [pod] = await k.waitRunning('', 1, 90_000, NS);
    const pid = await waitFor('the prober container process', async () => {
      const r = await exec('pgrep', ['-f', '^sleep 3601$']);
      return r.stdout.trim().split('\n')[0] || undefined;
    }, 30_000);
    const sa = `/proc/${pid}/root/var/run/secrets/kubernetes.io/serviceaccount`;
    assert.equal(readFileSync(join(sa, 'namespace'), 'utf8'), NS);
    const token = readFileSync(join(sa, 'token'), 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; 'kubernetes.io': { pod: { name: string; uid: string } } };
    assert.equal(claims.sub, `system:serviceaccount:${NS}:viewer`);
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'prober', uid: pod?.metadata.uid }, 'the token is bound to the pod');
    const fromPod = (url: string, withToken: boolean) => exec('nsenter', ['-t', pid, '-n', 'curl', '-s', '--max-time', '5', '--cacert', join(sa, 'ca.crt'),
      ...(withToken ? ['-H', `Authorization: Bearer ${token}`] : ['-k']), '-w', '\n@@%{http_code}', url]);
    const code = (r: { stdout: string }) => r.stdout.split('\n@@').at(-1);
    const body = (r: { stdout: string }) => r.stdout.split('\n@@')[0] ?? '';
    const own = await fromPod(`${k.state.apiserverURL}/api/v1/namespaces/${NS}/pods`, true);
    assert.equal(code(own), '200', own.stdout + own.stderr);
    const listed = JSON.parse(body(own)) as { items: Pod[] };
    assert.deepEqual(listed.items.map((p) => p.metadata.name), ['prober'], 'the pod lists its own namespace');
    const other = await fromPod(`${k.state.apiserverURL}/api/v1/namespaces/default/pods`, true);
    assert.equal(code(other), '403', other.stdout);
    assert.equal((JSON.parse(body(other)) as { message: string }).message, `pods is forbidden: User "system:serviceaccount:${NS}:viewer" cannot list resource "pods" in API group "" in the namespace "default"`);
    for (const n of ['node-1', 'node-2']) {
      const agent = await fromPod(`https://${k.node(n).ip}:10250/pods`, false);
      assert.equal(code(agent), '401', `anonymous GET /pods on ${n}'s agent from a pod: ${agent.stdout}`);
    }
    // exec and logs through the API server (which authenticates to the agent with its own client certificate).
    assert.equal((await k.kubectl.ok(['-n', NS, 'exec', 'prober', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])).trim(), NS);
    await k.kubectl.ok(['-n', NS, 'logs', 'prober']);
    // From the host: no credential -> 401, for every node agent; plain HTTP is not served.
    for (const n of ['node-1', 'node-2']) {
      const r = await exec('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `https://${k.node(n).ip}:10250/pods`]);
      assert.equal(r.stdout, '401', `anonymous GET /pods on ${n}'s agent from the host`);
      const plain = await exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `http://${k.node(n).ip}:10250/pods`]);
      assert.notEqual(plain.stdout, '200', `plain HTTP to ${n}'s agent must not answer`);
    }
  }));

  it('node-1 may not touch node-2, its pods or a Secret only node-2 uses; its own node and pods work', () => withDiagnostics(c, async () => {
    const k = cluster();
    await k.kubectl.ok(['create', 'secret', 'generic', 'only-node-2', '--from-literal=k=v']);
    await k.apply([{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-node-2' },
      spec: {
        terminationGracePeriodSeconds: 1, nodeSelector: { 'kubernetes.io/hostname': 'node-2' },
        containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '3600'], env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'only-node-2', key: 'k' } } }] }],
      },
    }, webPod('on-node-1', { nodeName: 'node-1' })]);
    await waitFor('both pods bound', async () => {
      const ps = await k.pods('default');
      return ps.filter((p: Pod) => ['on-node-1', 'on-node-2'].includes(p.metadata.name ?? '') && p.spec?.nodeName).length === 2 ? true : undefined;
    }, 60_000);
    const n1 = nodeKubectl(k, 'node-1');
    const del = await n1.fail(['delete', 'node', 'node-2', '--wait=false']);
    assert.match(del.stderr, /Forbidden/);
    const sec = await n1.fail(['get', 'secret', 'only-node-2']);
    assert.match(sec.stderr, /secrets "only-node-2" is forbidden: User "system:node:node-1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node-1' and this object/);
    const pod2 = await n1.fail(['label', 'pod', 'on-node-2', 'x=y']);
    assert.match(pod2.stderr, /Forbidden/);
    // A direct PATCH with node-1's own client certificate (kubectl would first GET pods/status, which nodes may not).
    const pem = join(k.node('node-1').dir, 'agent', 'pki', 'kubelet-client-current.pem');
    const asNode1 = (path: string, body: object) => exec('curl', ['-s', '--max-time', '5', '--cert', pem, '--key', pem, '--cacert', join(k.stateDir, 'pki', 'ca.crt'),
      '-X', 'PATCH', '-H', 'Content-Type: application/merge-patch+json', '-d', JSON.stringify(body), `${k.state.apiserverURL}${path}`]);
    const pod2status = JSON.parse((await asNode1('/api/v1/namespaces/default/pods/on-node-2/status', { status: { message: 'forged' } })).stdout) as { code: number; message: string };
    assert.equal(pod2status.code, 403);
    assert.equal(pod2status.message, 'pods "on-node-2" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself');
    const node2status = JSON.parse((await asNode1('/api/v1/nodes/node-2/status', { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.66' }] } })).stdout) as { code: number; message: string };
    assert.equal(node2status.code, 403);
    assert.equal(node2status.message, 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
    const created = await n1.fail(['run', 'sneaky', '--image=localhost/busybox:1.35', '--overrides={"spec":{"nodeName":"node-1"}}']);
    assert.match(created.stderr, /pods "sneaky" is forbidden: pod does not have "kubernetes.io\/config.mirror" annotation, node "node-1" can only create mirror pods/);
    // Its own node and its own pods' status work.
    await n1.ok(['get', 'node', 'node-1']);
    await n1.ok(['get', 'pod', 'on-node-1']);
    const node2 = JSON.parse(await k.kubectl.ok(['get', 'node', 'node-2', '-o', 'json'])) as { status: { addresses: { address: string }[] } };
    assert.ok(!node2.status.addresses.some((a) => a.address === '10.0.0.66'), 'node-2 keeps its addresses');
  }));

  it('Pod Security: enforce=baseline refuses a privileged hostPath pod with kube\'s message; default warns', () => withDiagnostics(c, async () => {
    const k = cluster();
    await k.kubectl.ok(['create', 'namespace', 'strict']);
    await k.kubectl.ok(['label', 'namespace', 'strict', 'pod-security.kubernetes.io/enforce=baseline']);
    const bad = (ns: string) => JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rooty', namespace: ns },
      spec: {
        containers: [{ name: 'c', image: 'localhost/busybox:1.35', command: ['sleep', '1'], securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      },
    });
    const refused = await k.kubectl.fail(['apply', '-f', '-'], { stdin: bad('strict') });
    assert.match(refused.stderr, /pods "rooty" is forbidden: violates PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext\.privileged=true\), hostPath volumes \(volume "root"\)/);
    const warned = await k.kubectl.run(['apply', '-f', '-', '--dry-run=server'], { stdin: bad('default') });
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /Warning: would violate PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext\.privileged=true\), hostPath volumes \(volume "root"\)/);
  }));

  it('every node holds its own signed client certificate in 0600 files; no command line carries a credential', () => withDiagnostics(c, async () => {
    const k = cluster();
    const ca = new X509Certificate(readFileSync(join(k.stateDir, 'pki', 'ca.crt')));
    for (const n of ['node-1', 'node-2']) {
      const dir = join(k.node(n).dir, 'agent', 'pki');
      const pem = join(dir, 'kubelet-client-current.pem');
      assert.equal(statSync(pem).mode & 0o777, 0o600, `${pem} is 0600`);
      assert.equal(statSync(dir).mode & 0o777, 0o700, `${dir} is 0700`);
      const cert = new X509Certificate(readFileSync(pem));
      assert.ok(cert.verify(ca.publicKey), `${n}'s client certificate is signed by the cluster CA`);
      assert.match(cert.subject, new RegExp(`CN=system:node:${n}`));
      assert.match(cert.subject, /O=system:nodes/);
      const csrs = JSON.parse(await k.kubectl.ok(['get', 'csr', '-o', 'json'])) as { items: { spec: { username: string; signerName: string }; status: { conditions?: { type: string }[] } }[] };
      assert.ok(csrs.items.some((x) => x.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet' && x.spec.username.startsWith('system:bootstrap:') && x.status.conditions?.some((cd) => cd.type === 'Approved')), 'an approved bootstrap CSR');
    }
    // No process's command line carries a token, a key or a password.
    const leaks: string[] = [];
    const secrets = [
      ...['node-1', 'node-2'].map((n) => /token: (\S+)/.exec(readFileSync(join(k.node(n).dir, 'bootstrap-kubeconfig'), 'utf8'))?.[1] ?? ''),
    ];
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      if (/--token[= ]|--password|BEGIN [A-Z ]*PRIVATE KEY/.test(cmd) || secrets.some((s) => s && cmd.includes(s))) leaks.push(`${pid}: ${cmd.slice(0, 200)}`);
    }
    assert.deepEqual(leaks, []);
    // The node agents' listeners are TLS: a plain TLS client that does not trust the CA fails the handshake.
    const r = await inNetns(k.node('node-1').netns, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '--cacert', join(k.stateDir, 'pki', 'ca.crt'), `https://${k.node('node-2').ip}:10250/healthz`]);
    assert.equal(r.stdout, '200', `the agent's serving certificate verifies against the cluster CA for its address: ${r.stderr}`);
  }));
});
