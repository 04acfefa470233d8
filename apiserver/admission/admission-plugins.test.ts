import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { StatusError } from '../../shared/errors/status-error.ts';
import { realClock } from '../../shared/util/clock.ts';
import { MemoryStorage } from '../storage/cacher/_memory-storage.ts';
import { Registry } from '../registry/registry.ts';
import type { GenericStore } from '../registry/generic/store.ts';
import type { AdmissionAttributes } from './admission.ts';
import { AdmissionChain } from './chain.ts';
import { buildAdmissionChain, enabledAdmissionPlugins } from './admission-plugins.ts';
import { ADMIN, nodeUser, pod } from './testing/fake-lookups.ts';

describe('--enable-admission-plugins / --disable-admission-plugins', () => {
  it('defaults: NodeRestriction and PodSecurity; ServiceAccount only on a secured server', () => {
    assert.deepEqual(enabledAdmissionPlugins({ secured: false }), ['NodeRestriction', 'PodSecurity']);
    assert.deepEqual(enabledAdmissionPlugins({ secured: true }), ['ServiceAccount', 'NodeRestriction', 'PodSecurity']);
    assert.deepEqual(enabledAdmissionPlugins({ secured: false, enable: ['ServiceAccount', 'NamespaceLifecycle'] }), ['ServiceAccount', 'NodeRestriction', 'PodSecurity']);
    assert.deepEqual(enabledAdmissionPlugins({ secured: true, disable: ['ServiceAccount', 'PodSecurity'] }), ['NodeRestriction']);
  });
  it('unknown names and overlaps are errors', () => {
    assert.throws(() => enabledAdmissionPlugins({ secured: false, enable: ['Bogus'] }), /enable-admission-plugins plugin "Bogus" is unknown/);
    assert.throws(() => enabledAdmissionPlugins({ secured: false, disable: ['Nope'] }), /disable-admission-plugins plugin "Nope" is unknown/);
    assert.throws(() => enabledAdmissionPlugins({ secured: false, enable: ['PodSecurity'], disable: ['PodSecurity'] }), /\[PodSecurity\] in enable-admission-plugins and disable-admission-plugins overlapped/);
  });
});

describe('admission in the registry (GenericStore)', () => {
  let registry: Registry;
  const seen: AdmissionAttributes[] = [];
  const ns = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const store = (r: string) => registry.stores.get(r) as GenericStore;

  before(async () => {
    registry = new Registry(new MemoryStorage(), realClock, {
      admission: (lookups) => {
        const real = buildAdmissionChain(['ServiceAccount', 'NodeRestriction', 'PodSecurity'], lookups, { generateName: (b) => `${b}xxxxx` });
        const recorder = {
          name: 'Recorder',
          handles: () => true,
          admit: (a: AdmissionAttributes) => {
            seen.push(a);
          },
        };
        return new AdmissionChain([recorder, ...real.plugins]);
      },
    });
    await registry.start();
    await store('namespaces').create(undefined, ns('locked', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' }), { user: ADMIN });
    await store('serviceaccounts').create('locked', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, { user: ADMIN });
  });
  after(async () => {
    await registry.stop();
  });

  it('a create runs mutating admission before validation and returns the warnings', async () => {
    const warnings: string[] = [];
    const created = (await store('pods').create('locked', pod('ok', 'locked'), { user: ADMIN, warnings })) as Pod;
    assert.equal(created.spec.serviceAccountName, 'default');
    assert.equal(created.spec.volumes?.[0]?.name, 'kube-api-access-xxxxx');
    assert.deepEqual(created.spec.containers[0]?.volumeMounts, [{ name: 'kube-api-access-xxxxx', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });

  it('a refusal is the plugin\'s StatusError and nothing is stored', async () => {
    const bad = pod('bad', 'locked', { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] });
    await assert.rejects(
      () => store('pods').create('locked', bad, { user: ADMIN }),
      (e: unknown) => e instanceof StatusError && e.status.code === 403 && e.message === 'pods "bad" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
    await assert.rejects(() => store('pods').get('locked', 'bad'), (e: unknown) => e instanceof StatusError && e.status.code === 404);
  });

  it('server-internal writes (no user) run no admission', async () => {
    const before = seen.length;
    await store('namespaces').create(undefined, ns('internal'), {});
    const created = (await store('pods').create('internal', pod('p', 'internal'), {})) as Pod;
    assert.equal(created.spec.serviceAccountName, undefined);
    assert.equal(seen.length, before);
  });

  it('update and delete carry the stored object as oldObject, and subresources their name', async () => {
    seen.length = 0;
    const n = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } };
    await store('nodes').create(undefined, n, { user: ADMIN });
    await store('nodes').update(undefined, 'node-1', (cur) => ({ ...(cur as KubeObject), metadata: { ...(cur as KubeObject).metadata, labels: { a: 'b' } } }), { user: ADMIN });
    const upd = seen.find((a) => a.operation === 'UPDATE');
    assert.equal(upd?.oldObject?.metadata.name, 'node-1');
    assert.deepEqual(upd?.object?.metadata.labels, { a: 'b' });
    assert.equal(upd?.subresource, '');
    // node-2 may not touch node-1: the refusal comes from inside the CAS closure.
    await assert.rejects(
      () => store('nodes').update(undefined, 'node-1', (cur) => cur as KubeObject, { user: nodeUser('node-2'), subresource: 'status' }),
      (e: unknown) => e instanceof StatusError && e.message === 'nodes "node-1" is forbidden: node "node-2" is not allowed to modify node "node-1"',
    );
    assert.equal(seen.at(-1)?.subresource, 'status');
    await assert.rejects(
      () => store('nodes').delete(undefined, 'node-1', { user: nodeUser('node-2') }),
      (e: unknown) => e instanceof StatusError && e.message === 'nodes "node-1" is forbidden: node "node-2" is not allowed to modify node "node-1"',
    );
    const del = seen.at(-1);
    assert.equal(del?.operation, 'DELETE');
    assert.equal(del?.oldObject?.metadata.name, 'node-1');
    assert.equal(del?.object, undefined);
    await store('nodes').get(undefined, 'node-1');
    await store('nodes').delete(undefined, 'node-1', { user: nodeUser('node-1') });
  });

  it('a retried CAS runs admission again and reports only the last attempt\'s warnings', async () => {
    await store('pods').create('locked', pod('retry', 'locked'), { user: ADMIN });
    let calls = 0;
    const warnings: string[] = [];
    await store('pods').update(
      'locked',
      'retry',
      async (cur) => {
        calls++;
        if (calls === 1) {
          // A concurrent write between the read and the compare-and-swap.
          await store('pods').update('locked', 'retry', (c) => ({ ...(c as KubeObject), metadata: { ...(c as KubeObject).metadata, annotations: { n: '1' } } }), {});
        }
        const p = structuredClone(cur) as Pod;
        p.spec.containers[0]!.image = `busybox:${calls}`;
        return p;
      },
      { user: ADMIN, warnings },
    );
    assert.equal(calls, 2);
    assert.equal(warnings.length, 1, warnings.join('\n'));
  });
});
