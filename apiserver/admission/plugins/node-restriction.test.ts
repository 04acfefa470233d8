import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../shared/api/core-v1.ts';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { StatusError } from '../../../shared/errors/status-error.ts';
import type { AdmissionAttributes } from '../admission.ts';
import { ADMIN, FakeLookups, attrs, nodeUser, pod } from '../testing/fake-lookups.ts';
import { forbiddenLabels, isKubeletLabel, nodeIdentity, nodeRestrictionAdmission } from './node-restriction.ts';

const N1 = nodeUser('node-1');

async function run(l: FakeLookups, a: AdmissionAttributes): Promise<string | undefined> {
  const plugin = nodeRestrictionAdmission(l);
  if (!plugin.handles(a)) return undefined;
  try {
    await plugin.admit?.(a);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.status.code, 403);
    return e.message;
  }
}

const node = (name: string, labels?: Record<string, string>, spec: Record<string, unknown> = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec }) as Node;

describe('NodeRestriction admission', () => {
  it('identifies nodes by group and name prefix', () => {
    assert.equal(nodeIdentity(N1), 'node-1');
    assert.equal(nodeIdentity({ name: 'system:node:x', groups: [] }), undefined);
    assert.equal(nodeIdentity({ name: 'bob', groups: ['system:nodes'] }), undefined);
    assert.equal(nodeIdentity(ADMIN), undefined);
  });

  it('leaves everyone but nodes alone', async () => {
    const l = new FakeLookups();
    assert.equal(await run(l, attrs('nodes', 'DELETE', { name: 'node-2', oldObject: node('node-2') })), undefined);
  });

  it('pods: a node creates only mirror pods bound to itself, with upstream\'s messages', async () => {
    const l = new FakeLookups();
    l.addNode('node-1', 'uid-1');
    const create = (obj: KubeObject) => attrs('pods', 'CREATE', { namespace: 'ns', name: obj.metadata.name, object: obj, user: N1 });
    assert.equal(await run(l, create(pod('p', 'ns', { nodeName: 'node-1' }))), 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods');
    const mirror = (spec = {}, meta = {}) => pod('m', 'ns', { nodeName: 'node-1', ...spec }, { annotations: { 'kubernetes.io/config.mirror': 'h' }, ...meta });
    assert.equal(await run(l, create(mirror({ nodeName: 'node-2' }))), 'pods "m" is forbidden: node "node-1" can only create pods with spec.nodeName set to itself');
    assert.equal(await run(l, create(mirror())), 'pods "m" is forbidden: node "node-1" can only create pods with an owner reference set to itself');
    const owner = { apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'uid-1', controller: true };
    assert.equal(await run(l, create(mirror({}, { ownerReferences: [owner] }))), undefined);
    assert.equal(await run(l, create(mirror({}, { ownerReferences: [{ ...owner, uid: 'other' }] }))), 'pods "m" is forbidden: node node-1 UID mismatch: expected other got uid-1');
    assert.equal(await run(l, create(mirror({}, { ownerReferences: [{ ...owner, controller: false }] }))), 'pods "m" is forbidden: node "node-1" can only create pods with a controller owner reference set to itself');
    assert.equal(
      await run(l, create(mirror({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }, { ownerReferences: [owner] }))),
      'pods "m" is forbidden: node "node-1" can not create pods that reference secrets',
    );
    assert.equal(await run(l, create(mirror({ serviceAccountName: 'sa' }, { ownerReferences: [owner] }))), 'pods "m" is forbidden: node "node-1" can not create pods that reference a service account');
  });

  it('pods: status updates, deletes and evictions only of pods bound to itself', async () => {
    const l = new FakeLookups();
    const mine = pod('mine', 'ns', { nodeName: 'node-1' });
    const theirs = pod('theirs', 'ns', { nodeName: 'node-2' });
    l.addPod(mine);
    l.addPod(theirs);
    const status = (old: typeof mine, next = old) => attrs('pods', 'UPDATE', { namespace: 'ns', name: old.metadata.name, subresource: 'status', object: next, oldObject: old, user: N1 });
    assert.equal(await run(l, status(mine)), undefined);
    assert.equal(await run(l, status(theirs)), 'pods "theirs" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself');
    assert.equal(await run(l, status(mine, { ...mine, metadata: { ...mine.metadata, labels: { x: 'y' } } })), 'pods "mine" is forbidden: node "node-1" cannot update labels through pod status');
    assert.equal(await run(l, attrs('pods', 'DELETE', { namespace: 'ns', name: 'theirs', oldObject: theirs, user: N1 })), 'pods "theirs" is forbidden: node "node-1" can only delete pods with spec.nodeName set to itself');
    assert.equal(await run(l, attrs('pods', 'DELETE', { namespace: 'ns', name: 'mine', oldObject: mine, user: N1 })), undefined);
    assert.equal(
      await run(l, attrs('pods', 'UPDATE', { namespace: 'ns', name: 'mine', object: mine, oldObject: mine, user: N1 })),
      'pods "mine" is forbidden: unexpected operation "UPDATE", node "node-1" can only create and delete mirror pods',
    );
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'theirs', namespace: 'ns' } };
    assert.equal(await run(l, attrs('pods', 'CREATE', { namespace: 'ns', name: 'theirs', subresource: 'eviction', object: eviction, user: N1 })), 'pods "theirs" is forbidden: node node-1 can only evict pods with spec.nodeName set to itself');
    assert.equal(
      await run(l, attrs('pods', 'CREATE', { namespace: 'ns', name: 'mine', subresource: 'binding', object: eviction, user: N1 })),
      'pods "mine" is forbidden: unexpected pod subresource "binding", only \'status\' and \'eviction\' are allowed',
    );
  });

  it('nodes: only its own Node; no other node\'s status (addresses), no deleting others', async () => {
    const l = new FakeLookups();
    const n2 = node('node-2');
    const hijack = { ...n2, status: { addresses: [{ type: 'InternalIP', address: '10.9.9.9' }] } } as Node;
    assert.equal(await run(l, attrs('nodes', 'UPDATE', { name: 'node-2', subresource: 'status', object: hijack, oldObject: n2, user: N1 })), 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
    assert.equal(await run(l, attrs('nodes', 'DELETE', { name: 'node-2', oldObject: n2, user: N1 })), 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
    assert.equal(await run(l, attrs('nodes', 'CREATE', { name: 'node-2', object: n2, user: N1 })), 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
    const n1 = node('node-1', { 'kubernetes.io/hostname': 'node-1' });
    assert.equal(await run(l, attrs('nodes', 'CREATE', { name: 'node-1', object: n1, user: N1 })), undefined);
    assert.equal(await run(l, attrs('nodes', 'UPDATE', { name: 'node-1', subresource: 'status', object: n1, oldObject: n1, user: N1 })), undefined);
    assert.equal(await run(l, attrs('nodes', 'DELETE', { name: 'node-1', oldObject: n1, user: N1 })), undefined);
  });

  it('nodes: protected labels, taints and configSource', async () => {
    const l = new FakeLookups();
    const create = (n: Node) => attrs('nodes', 'CREATE', { name: 'node-1', object: n, user: N1 });
    assert.equal(
      await run(l, create(node('node-1', { 'node-restriction.kubernetes.io/pool': 'a', 'kubernetes.io/hostname': 'h', 'node-role.kubernetes.io/control-plane': '', 'example.com/x': 'y' }))),
      'nodes "node-1" is forbidden: node "node-1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane',
    );
    assert.equal(await run(l, create(node('node-1', {}, { configSource: { configMap: {} } }))), 'nodes "node-1" is forbidden: node "node-1" is not allowed to create pods with a non-nil configSource');
    const old = node('node-1', { 'node-role.kubernetes.io/worker': '' }, { taints: [{ key: 'k', effect: 'NoSchedule' }] });
    const update = (n: Node) => attrs('nodes', 'UPDATE', { name: 'node-1', object: n, oldObject: old, user: N1 });
    assert.equal(await run(l, update(node('node-1', { 'node-role.kubernetes.io/worker': '' }, {}))), 'nodes "node-1" is forbidden: node "node-1" is not allowed to modify taints');
    assert.equal(
      await run(l, update(node('node-1', { 'topology.kubernetes.io/zone': 'z' }, { taints: [{ key: 'k', effect: 'NoSchedule' }] }))),
      'nodes "node-1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/worker',
    );
    assert.equal(await run(l, update(node('node-1', { 'node-role.kubernetes.io/worker': '', 'node.kubernetes.io/exclude': 'x' }, { taints: [{ key: 'k', effect: 'NoSchedule' }] }))), undefined);
  });

  it('kubelet label rules', () => {
    assert.equal(isKubeletLabel('kubernetes.io/arch'), true);
    assert.equal(isKubeletLabel('foo.node.kubernetes.io/x'), true);
    assert.equal(isKubeletLabel('kubelet.kubernetes.io/x'), true);
    assert.equal(isKubeletLabel('node-role.kubernetes.io/master'), false);
    assert.deepEqual(forbiddenLabels(new Set(['a.k8s.io/x', 'example.com/y', 'x.node-restriction.kubernetes.io/z'])), ['a.k8s.io/x', 'x.node-restriction.kubernetes.io/z']);
  });

  it('leases only in kube-node-lease and named after the node', async () => {
    const l = new FakeLookups();
    const lease = (name: string, namespace: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } });
    assert.equal(await run(l, attrs('leases', 'CREATE', { namespace: 'kube-node-lease', name: 'node-1', object: lease('node-1', 'kube-node-lease'), user: N1 })), undefined);
    assert.equal(
      await run(l, attrs('leases', 'UPDATE', { namespace: 'kube-node-lease', name: 'node-2', object: lease('node-2', 'kube-node-lease'), oldObject: lease('node-2', 'kube-node-lease'), user: N1 })),
      'leases.coordination.k8s.io "node-2" is forbidden: can only access node lease with the same name as the requesting node',
    );
    assert.equal(
      await run(l, attrs('leases', 'CREATE', { namespace: 'default', name: 'node-1', object: lease('node-1', 'default'), user: N1 })),
      'leases.coordination.k8s.io "node-1" is forbidden: can only access leases in the "kube-node-lease" system namespace',
    );
  });

  it('serviceaccounts/token: only bound to a pod on the node', async () => {
    const l = new FakeLookups();
    l.addPod(pod('mine', 'ns', { nodeName: 'node-1' }, { uid: 'u1' }));
    l.addPod(pod('theirs', 'ns', { nodeName: 'node-2' }, { uid: 'u2' }));
    const tr = (ref?: Record<string, string>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'default' }, spec: { audiences: [], boundObjectRef: ref } });
    const req = (ref?: Record<string, string>) => attrs('serviceaccounts', 'CREATE', { namespace: 'ns', name: 'default', subresource: 'token', object: tr(ref), user: N1 });
    assert.equal(await run(l, req()), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
    assert.equal(await run(l, req({ apiVersion: 'v1', kind: 'Pod', name: 'mine' })), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
    assert.equal(await run(l, req({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'u1' })), undefined);
    assert.equal(await run(l, req({ apiVersion: 'v1', kind: 'Pod', name: 'theirs', uid: 'u2' })), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
  });
});
