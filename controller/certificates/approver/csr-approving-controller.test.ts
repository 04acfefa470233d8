import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSigningRequest, KeyUsage } from '../../../shared/api/certificates-v1.ts';
import type { Node } from '../../../shared/api/core-v1.ts';
import { silentLogger } from '../../../shared/util/log.ts';
import type { AccessReviewSpec } from '../csr-helpers.ts';
import { newCertFixture, newCSR, type CSRFixtureOptions } from '../testing.ts';
import { CSRApprovingController, NODE_BOUND_BOOTSTRAP_MESSAGE, NODE_CLIENT_MESSAGE, SELF_NODE_CLIENT_MESSAGE, SERVING_MESSAGE } from './csr-approving-controller.ts';

const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const CLIENT_USAGES: KeyUsage[] = ['digital signature', 'client auth'];

function clientCSR(node: string, username: string, groups: string[], extra: Partial<CSRFixtureOptions> = {}): Promise<CertificateSigningRequest> {
  return newCSR(`csr-${username.replace(/[^a-z0-9]/g, '-')}-${node}`, {
    subject: { commonName: `system:node:${node}`, organizations: ['system:nodes'] },
    signerName: CLIENT_SIGNER,
    usages: CLIENT_USAGES,
    username,
    groups,
    ...extra,
  });
}

function node(name: string, addresses: { type: string; address: string }[]): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { addresses } } as Node;
}

/** Runs one reconcile of every CSR given and returns what the approver wrote and which reviews it asked. */
async function approve(csrs: CertificateSigningRequest[], options: { allow?: (spec: AccessReviewSpec) => boolean; nodes?: Node[] } = {}) {
  const f = newCertFixture([...csrs, ...(options.nodes ?? [])]);
  const reviews: string[] = [];
  const c = new CSRApprovingController({
    clientset: f.clientset,
    informerFactory: f.informerFactory,
    csrClient: f.csrClient,
    reviewer: async (spec) => {
      reviews.push(`${spec.user} ${spec.resourceAttributes.verb} ${spec.resourceAttributes.resource}/${spec.resourceAttributes.subresource ?? ''}`);
      return options.allow?.(spec) ?? false;
    },
    clock: f.clock,
    log: silentLogger(),
  });
  const signal = await f.start();
  for (const csr of csrs) await c.reconcile(csr.metadata.name ?? '', signal);
  const out = await Promise.all(csrs.map((csr) => f.get(csr.metadata.name ?? '')));
  await f.stop();
  return { writes: f.writes, reviews, csrs: out };
}

function approvedMessage(csr: CertificateSigningRequest | undefined): string | undefined {
  const c = csr?.status?.conditions?.find((x) => x.type === 'Approved');
  if (!c) return undefined;
  assert.equal(c.status, 'True');
  assert.equal(c.reason, 'AutoApproved');
  return c.message;
}

test('renewal: the node itself is approved after a selfnodeclient SubjectAccessReview', async () => {
  const csr = await clientCSR('n1', 'system:node:n1', ['system:nodes', 'system:authenticated']);
  const r = await approve([csr], { allow: (s) => s.resourceAttributes.subresource === 'selfnodeclient' && s.user === 'system:node:n1' });
  assert.deepEqual(r.reviews, ['system:node:n1 create certificatesigningrequests/selfnodeclient']);
  assert.equal(approvedMessage(r.csrs[0]), SELF_NODE_CLIENT_MESSAGE);
  assert.deepEqual(r.writes, [`approval ${csr.metadata.name}`]);
});

test('renewal refused by the review is not approved (and another node renewing for n1 is not "self")', async () => {
  const own = await clientCSR('n1', 'system:node:n1', ['system:nodes']);
  const other = await clientCSR('n1', 'system:node:n2', ['system:nodes']);
  const r = await approve([own, other]);
  assert.deepEqual(r.reviews, [
    'system:node:n1 create certificatesigningrequests/selfnodeclient',
    'system:node:n1 create certificatesigningrequests/nodeclient',
    'system:node:n2 create certificatesigningrequests/nodeclient',
  ]);
  assert.deepEqual(r.writes, []);
  assert.equal(approvedMessage(r.csrs[0]), undefined);
});

test('a bootstrapper bound to the node is approved without a review', async () => {
  const csr = await clientCSR('n1', 'system:bootstrap:abcdef', ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1', 'system:authenticated']);
  const r = await approve([csr]);
  assert.deepEqual(r.reviews, []);
  assert.equal(approvedMessage(r.csrs[0]), NODE_BOUND_BOOTSTRAP_MESSAGE);
});

test('a bootstrapper bound to another node is refused, even when a nodeclient review would allow it', async () => {
  const csr = await clientCSR('n2', 'system:bootstrap:abcdef', ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1', 'system:authenticated']);
  const r = await approve([csr], { allow: () => true });
  assert.deepEqual(r.reviews, [], 'the SubjectAccessReview path is closed to node-bound tokens');
  assert.deepEqual(r.writes, []);
  assert.equal(approvedMessage(r.csrs[0]), undefined);
  assert.equal(r.csrs[0]?.status?.conditions, undefined, 'left pending, never denied (as upstream)');
});

test('an unbound bootstrapper is approved only when a nodeclient SubjectAccessReview allows it (upstream)', async () => {
  const csr = await clientCSR('n3', 'system:bootstrap:abcdef', ['system:bootstrappers', 'system:authenticated']);
  const refused = await approve([csr]);
  assert.deepEqual(refused.reviews, ['system:bootstrap:abcdef create certificatesigningrequests/nodeclient']);
  assert.deepEqual(refused.writes, []);
  const allowed = await approve([csr], { allow: (s) => s.resourceAttributes.subresource === 'nodeclient' && (s.groups ?? []).includes('system:bootstrappers') });
  assert.equal(approvedMessage(allowed.csrs[0]), NODE_CLIENT_MESSAGE);
});

test('requests that are not kubelet client certificates are not approved', async () => {
  const groups = ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1'];
  const cases = [
    await clientCSR('n1', 'system:bootstrap:a', groups, { subject: { commonName: 'system:node:n1', organizations: ['system:masters'] } }),
    await clientCSR('n1', 'system:bootstrap:b', groups, { subject: { commonName: 'system:node:n1', organizations: ['system:nodes', 'system:masters'] } }),
    await clientCSR('n1', 'system:bootstrap:c', groups, { subject: { commonName: 'admin', organizations: ['system:nodes'] } }),
    await clientCSR('n1', 'system:bootstrap:d', groups, { dnsNames: ['n1'] }),
    await clientCSR('n1', 'system:bootstrap:e', groups, { ipAddresses: ['10.0.0.1'] }),
    await clientCSR('n1', 'system:bootstrap:f', groups, { usages: ['digital signature', 'client auth', 'server auth'] }),
    await clientCSR('n1', 'system:bootstrap:g', groups, { signerName: 'kubernetes.io/kube-apiserver-client' }),
  ];
  const r = await approve(cases, { allow: () => true });
  assert.deepEqual(r.writes, []);
  assert.deepEqual(r.reviews, []);
});

test('RSA-style usages (with key encipherment) are a kubelet client request too', async () => {
  const csr = await clientCSR('n1', 'system:bootstrap:abcdef', ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1'], { usages: ['digital signature', 'key encipherment', 'client auth'] });
  const r = await approve([csr]);
  assert.equal(approvedMessage(r.csrs[0]), NODE_BOUND_BOOTSTRAP_MESSAGE);
});

test('already approved, denied or issued CSRs are left alone', async () => {
  const groups = ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1'];
  const denied = await clientCSR('n1', 'system:bootstrap:a', groups);
  denied.status = { conditions: [{ type: 'Denied', status: 'True', reason: 'Admin' }] };
  const issued = await clientCSR('n1', 'system:bootstrap:b', groups);
  issued.status = { certificate: 'Zm9v' };
  const r = await approve([denied, issued]);
  assert.deepEqual(r.writes, []);
});

function servingCSR(name: string, nodeName: string, username: string, o: { dns?: string[]; ips?: string[]; groups?: string[] }): Promise<CertificateSigningRequest> {
  return newCSR(name, {
    subject: { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] },
    signerName: SERVING_SIGNER,
    usages: ['digital signature', 'server auth'],
    username,
    groups: o.groups ?? ['system:nodes', 'system:authenticated'],
    ...(o.dns ? { dnsNames: o.dns } : {}),
    ...(o.ips ? { ipAddresses: o.ips } : {}),
  });
}

test('serving certificates: approved for the node itself and only its own addresses', async () => {
  const nodes = [
    node('n1', [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }]),
    node('n2', [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'InternalIP', address: '10.0.0.9' }]),
    node('n3', [{ type: 'InternalIP', address: '10.0.0.9' }]),
  ];
  const good = await servingCSR('good', 'n1', 'system:node:n1', { dns: ['n1'], ips: ['10.0.0.1'] });
  const foreignIP = await servingCSR('foreign-ip', 'n1', 'system:node:n1', { ips: ['10.0.0.1', '10.0.0.2'] });
  const foreignName = await newCSR('serving-dns', {
    subject: { commonName: 'system:node:n1', organizations: ['system:nodes'] },
    signerName: SERVING_SIGNER,
    usages: ['digital signature', 'server auth'],
    username: 'system:node:n1',
    groups: ['system:nodes'],
    dnsNames: ['kubernetes.default.svc'],
  });
  const byOtherNode = await servingCSR('by-other-node', 'n1', 'system:node:n2', { ips: ['10.0.0.1'] });
  const byBootstrapper = await servingCSR('by-bootstrapper', 'n1', 'system:bootstrap:abcdef', { ips: ['10.0.0.1'], groups: ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1'] });
  const sharedIP = await servingCSR('shared-ip', 'n2', 'system:node:n2', { ips: ['10.0.0.9'] });
  const noNode = await servingCSR('no-node', 'n9', 'system:node:n9', { ips: ['10.0.0.99'] });
  const r = await approve([good, foreignIP, foreignName, byOtherNode, byBootstrapper, sharedIP, noNode], { nodes, allow: () => true });
  assert.deepEqual(r.writes, [`approval ${good.metadata.name}`]);
  assert.equal(approvedMessage(r.csrs[0]), SERVING_MESSAGE);
  assert.deepEqual(r.reviews, []);
});

test('a serving CSR that came before its Node reported the addresses is approved once the Node reports them', async () => {
  const csr = await servingCSR('early', 'n1', 'system:node:n1', { ips: ['10.0.0.1'] });
  const f = newCertFixture([csr, node('n1', [])]);
  const c = new CSRApprovingController({ clientset: f.clientset, informerFactory: f.informerFactory, csrClient: f.csrClient, reviewer: async () => false, clock: f.clock, log: silentLogger() });
  const signal = await f.start();
  await c.reconcile('early', signal);
  assert.deepEqual(f.writes, [], 'no addresses yet');
  while (c.controller.queue.len() > 0) await c.controller.processNextWorkItem(signal);
  const n = (await f.clientset.nodes.get('', 'n1')) as Node;
  await f.clientset.nodes.updateStatus({ ...n, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } } as Node);
  for (let i = 0; i < 50 && c.controller.queue.len() === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(c.controller.queue.len(), 1, 'the Node change queued the pending serving CSR');
  await c.controller.processNextWorkItem(signal);
  assert.deepEqual(f.writes, ['approval early']);
  await f.stop();
});
