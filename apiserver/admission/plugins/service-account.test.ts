import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../shared/api/core-v1.ts';
import { StatusError } from '../../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../../shared/util/clock.ts';
import { FakeLookups, attrs, pod } from '../testing/fake-lookups.ts';
import { serviceAccountAdmission, tokenVolume } from './service-account.ts';

async function refusal(fn: () => unknown): Promise<StatusError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

/** A clock whose sleeps return at once (the retries of a missing default ServiceAccount). */
const instant: Clock = Object.assign(Object.create(realClock) as Clock, { sleep: async () => {} });

function plugin(l: FakeLookups) {
  return serviceAccountAdmission(l, { generateName: (base) => `${base}abcde`, clock: instant });
}

async function admitCreate(l: FakeLookups, p: Pod) {
  const sa = plugin(l);
  const a = attrs('pods', 'CREATE', { namespace: p.metadata.namespace, name: p.metadata.name, object: p });
  assert.ok(sa.handles(a));
  await sa.admit?.(a);
  await sa.validate?.(a);
  return p;
}

const MOUNT = { name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

describe('ServiceAccount admission', () => {
  it('defaults serviceAccountName, adds the projected token volume and mounts it in init and app containers', async () => {
    const l = new FakeLookups();
    l.addServiceAccount('ns', 'default', { imagePullSecrets: [{ name: 'regcred' }] });
    const p = pod('p', 'ns', {
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
      volumes: [{ name: 'mine', emptyDir: {} }],
    });
    await admitCreate(l, p);
    assert.equal(p.spec.serviceAccountName, 'default');
    assert.equal(p.spec.serviceAccount, 'default');
    assert.deepEqual(p.spec.initContainers?.[0]?.volumeMounts, [MOUNT]);
    assert.deepEqual(p.spec.containers[0]?.volumeMounts, [MOUNT]);
    // A container that already mounts something at the path keeps its own mount only.
    assert.deepEqual(p.spec.containers[1]?.volumeMounts, [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.deepEqual(p.spec.volumes?.[1], {
      name: 'kube-api-access-abcde',
      projected: {
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
        defaultMode: 420,
      },
    });
    assert.deepEqual(p.spec.imagePullSecrets, [{ name: 'regcred' }]);
  });

  it('the default volume name is kube-api-access- and 5 characters from kube\'s name alphabet', async () => {
    const l = new FakeLookups();
    l.addServiceAccount('ns', 'default');
    const p = pod('p', 'ns');
    const a = attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: p });
    await serviceAccountAdmission(l, { clock: instant }).admit?.(a);
    assert.match(p.spec.volumes?.[0]?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(tokenVolume('x').name, 'x');
  });

  it('automountServiceAccountToken: the pod decides, else the ServiceAccount', async () => {
    const l = new FakeLookups();
    l.addServiceAccount('ns', 'quiet', { automountServiceAccountToken: false });
    l.addServiceAccount('ns', 'default');
    const off = await admitCreate(l, pod('p', 'ns', { automountServiceAccountToken: false }));
    assert.equal(off.spec.volumes, undefined);
    assert.equal(off.spec.containers[0]?.volumeMounts, undefined);
    const bySa = await admitCreate(l, pod('p', 'ns', { serviceAccountName: 'quiet' }));
    assert.equal(bySa.spec.volumes, undefined);
    const podWins = await admitCreate(l, pod('p', 'ns', { serviceAccountName: 'quiet', automountServiceAccountToken: true }));
    assert.equal(podWins.spec.volumes?.[0]?.name, 'kube-api-access-abcde');
  });

  it('a missing ServiceAccount is refused with upstream\'s message (the default one after retries)', async () => {
    const l = new FakeLookups();
    const e = await refusal(() => admitCreate(l, pod('p', 'ns', { serviceAccountName: 'builder' })));
    assert.equal(e.status.code, 403);
    assert.equal(e.message, 'pods "p" is forbidden: error looking up service account ns/builder: serviceaccount "builder" not found');
    const before = l.serviceAccountLookups;
    const d = await refusal(() => admitCreate(l, pod('q', 'ns')));
    assert.equal(d.message, 'pods "q" is forbidden: error looking up service account ns/default: serviceaccount "default" not found');
    assert.equal(l.serviceAccountLookups - before, 10);
  });

  it('mirror pods are not mutated and may not reference ServiceAccounts, Secrets or token projections', async () => {
    const l = new FakeLookups();
    const mirror = (spec: Partial<Pod['spec']> = {}) => pod('m', 'ns', spec, { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    const plain = await admitCreate(l, mirror());
    assert.equal(plain.spec.serviceAccountName, undefined);
    assert.equal(plain.spec.volumes, undefined);
    assert.equal((await refusal(() => admitCreate(l, mirror({ serviceAccountName: 'sa' })))).message, 'pods "m" is forbidden: a mirror pod may not reference service accounts');
    assert.equal((await refusal(() => admitCreate(l, mirror({ volumes: [{ name: 's', secret: { secretName: 'x' } }] })))).message, 'pods "m" is forbidden: a mirror pod may not reference secrets');
    assert.equal(
      (await refusal(() => admitCreate(l, mirror({ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] })))).message,
      'pods "m" is forbidden: a mirror pod may not use ServiceAccountToken volume projections',
    );
  });

  it('kubernetes.io/enforce-mountable-secrets limits Secret references to the ServiceAccount\'s', async () => {
    const l = new FakeLookups();
    l.addServiceAccount('ns', 'default', { metadata: { name: 'default', namespace: 'ns', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }, secrets: [{ name: 'ok' }] });
    await admitCreate(l, pod('p', 'ns', { volumes: [{ name: 's', secret: { secretName: 'ok' } }] }));
    const e = await refusal(() => admitCreate(l, pod('p', 'ns', { volumes: [{ name: 's', secret: { secretName: 'other' } }] })));
    assert.equal(e.message, 'pods "p" is forbidden: volume with secret.secretName="other" is not allowed because service account default does not reference that secret');
  });

  it('only pod creates are mutated; status updates are not handled', async () => {
    const l = new FakeLookups();
    const sa = plugin(l);
    const p = pod('p', 'ns');
    const update = attrs('pods', 'UPDATE', { namespace: 'ns', name: 'p', object: p, oldObject: pod('p', 'ns') });
    await sa.admit?.(update);
    await sa.validate?.(update);
    assert.equal(p.spec.serviceAccountName, undefined);
    assert.equal(sa.handles(attrs('pods', 'UPDATE', { namespace: 'ns', name: 'p', subresource: 'status', object: p, oldObject: p })), false);
    assert.equal(sa.handles(attrs('nodes', 'CREATE', { name: 'n', object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } } })), false);
  });
});
