import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../../shared/api/apps-v1.ts';
import type { KubeObject } from '../../../shared/api/meta.ts';
import type { UpdateStrategy } from '../rest/strategy.ts';
import { deploymentStatusStrategy } from './deployment/strategy.ts';
import { daemonSetStatusStrategy } from './daemonset/strategy.ts';
import { replicaSetStatusStrategy } from './replicaset/strategy.ts';
import { getScale, updateScale } from './scale.ts';
import { statusOf, useMemoryRegistry } from '../testing.ts';

/** apps/v1 strategies through the real registry (embedded store in memory): generation, status, scale. */

const NS = 'apps';
const { store } = useMemoryRegistry({ namespaces: [NS] });

const template = (app: string, image = 'nginx:1.27') => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image }] } });

function deployment(name: string): Deployment {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS }, spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: template(name) } };
}

async function put<T extends KubeObject>(resource: string, obj: T, mutate: (o: T) => void): Promise<T> {
  const s = store(resource);
  const { object } = await s.update(NS, obj.metadata.name ?? '', (cur) => {
    const next = structuredClone(cur) as T;
    mutate(next);
    return next;
  });
  return object as T;
}

async function putStatus<T extends KubeObject>(resource: string, obj: T, strategy: UpdateStrategy, mutate: (o: T) => void): Promise<T> {
  const { object } = await store(resource).update(
    NS,
    obj.metadata.name ?? '',
    (cur) => {
      const next = structuredClone(cur) as T;
      mutate(next);
      return next;
    },
    { strategy, subresource: 'status' },
  );
  return object as T;
}

test('Deployment: generation 1 on create with status {}; spec and annotation changes bump it; status writes do not touch spec or labels', async () => {
  const created = (await store('deployments').create(NS, deployment('gen'))) as Deployment;
  assert.equal(created.metadata.generation, 1);
  assert.deepEqual(created.status, {});
  assert.equal(created.spec.strategy?.type, 'RollingUpdate');

  const scaled = await put('deployments', created, (d) => (d.spec.replicas = 5));
  assert.equal(scaled.metadata.generation, 2);
  const annotated = await put('deployments', scaled, (d) => (d.metadata.annotations = { note: 'x' }));
  assert.equal(annotated.metadata.generation, 3, 'annotation changes bump a Deployment generation');
  const labelled = await put('deployments', annotated, (d) => (d.metadata.labels = { team: 'a' }));
  assert.equal(labelled.metadata.generation, 3, 'label changes do not');
  const ignoredStatus = await put('deployments', labelled, (d) => (d.status = { replicas: 9 }));
  assert.deepEqual(ignoredStatus.status, {}, 'the main resource ignores status');
  assert.equal(ignoredStatus.metadata.generation, 3);

  const withStatus = await putStatus('deployments', ignoredStatus, deploymentStatusStrategy, (d) => {
    d.status = { observedGeneration: 3, replicas: 5, readyReplicas: 4, availableReplicas: 4, updatedReplicas: 5 };
    d.spec.replicas = 1;
    d.metadata.labels = { changed: 'yes' };
    d.metadata.annotations = { note: 'y' };
  });
  assert.equal(withStatus.spec.replicas, 5, 'a status write keeps the spec');
  assert.deepEqual(withStatus.metadata.labels, { team: 'a' }, 'and the labels');
  assert.deepEqual(withStatus.metadata.annotations, { note: 'y' }, 'but not the annotations (upstream resets labels only)');
  assert.equal(withStatus.metadata.generation, 3);
  assert.equal(withStatus.status?.readyReplicas, 4);

  const bad = await statusOf(putStatus('deployments', withStatus, deploymentStatusStrategy, (d) => (d.status = { replicas: 1, readyReplicas: 2, availableReplicas: 3 })));
  assert.equal(
    bad.status.message,
    'Deployment.apps "gen" is invalid: [status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas, status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas, status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas]',
  );
});

test('Deployment: selector is immutable in apps/v1, in kube words', async () => {
  const created = (await store('deployments').create(NS, deployment('immutable'))) as Deployment;
  const err = await statusOf(
    put('deployments', created, (d) => {
      d.spec.selector = { matchLabels: { app: 'other' } };
      d.spec.template.metadata = { labels: { app: 'other' } };
    }),
  );
  assert.equal(err.status.code, 422);
  assert.equal(
    err.status.message,
    'Deployment.apps "immutable" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  );
});

test('ReplicaSet: status {replicas: 0} on create, generation on spec change only, status strategy keeps spec', async () => {
  const rs: ReplicaSet = { metadata: { name: 'rs', namespace: NS }, spec: { selector: { matchLabels: { app: 'rs' } }, template: template('rs') } };
  const created = (await store('replicasets').create(NS, rs)) as ReplicaSet;
  assert.deepEqual(created.status, { replicas: 0 });
  assert.equal(created.spec.replicas, 1);
  const annotated = await put('replicasets', created, (r) => (r.metadata.annotations = { a: 'b' }));
  assert.equal(annotated.metadata.generation, 1, 'annotations do not bump a ReplicaSet');
  const templ = await put('replicasets', annotated, (r) => (r.spec.template!.spec!.containers[0]!.image = 'nginx:1.28'));
  assert.equal(templ.metadata.generation, 2);
  const st = await putStatus('replicasets', templ, replicaSetStatusStrategy, (r) => {
    r.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 2 };
    r.spec.replicas = 7;
  });
  assert.equal(st.spec.replicas, 1);
  assert.equal(st.status?.observedGeneration, 2);
  assert.equal(st.metadata.generation, 2);
});

test('StatefulSet: only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds may change', async () => {
  const sts: StatefulSet = { metadata: { name: 'db', namespace: NS }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') } };
  const created = (await store('statefulsets').create(NS, sts)) as StatefulSet;
  assert.deepEqual(created.status, { replicas: 0, availableReplicas: 0 });
  const scaled = await put('statefulsets', created, (s) => {
    s.spec.replicas = 3;
    s.spec.minReadySeconds = 5;
    s.spec.updateStrategy = { type: 'OnDelete' };
  });
  assert.equal(scaled.metadata.generation, 2);
  const err = await statusOf(put('statefulsets', scaled, (s) => (s.spec.serviceName = 'other')));
  assert.equal(
    err.status.message,
    "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  );
});

test('DaemonSet: deprecated.daemonset.template.generation starts at 1 and moves with the template only; status writes keep it', async () => {
  const ds: DaemonSet = { metadata: { name: 'agent', namespace: NS }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } };
  const created = (await store('daemonsets').create(NS, ds)) as DaemonSet;
  const tg = (d: DaemonSet) => d.metadata.annotations?.['deprecated.daemonset.template.generation'];
  assert.equal(tg(created), '1');
  assert.equal(created.metadata.generation, 1);
  const strategyOnly = await put('daemonsets', created, (d) => (d.spec.minReadySeconds = 3));
  assert.equal(tg(strategyOnly), '1');
  assert.equal(strategyOnly.metadata.generation, 2);
  const templ = await put('daemonsets', strategyOnly, (d) => (d.spec.template.spec!.containers[0]!.image = 'busybox'));
  assert.equal(tg(templ), '2');
  assert.equal(templ.metadata.generation, 3);
  const dropped = await put('daemonsets', templ, (d) => (d.metadata.annotations = {}));
  assert.equal(tg(dropped), '2', 'an update cannot set templateGeneration');
  const st = await putStatus('daemonsets', dropped, daemonSetStatusStrategy, (d) => {
    d.metadata.annotations = {};
    d.status = { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1, observedGeneration: 3 };
  });
  assert.equal(tg(st), '2');
  assert.equal(st.status?.numberReady, 1);
});

test('ControllerRevision: data is immutable, no generation', async () => {
  const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-1', namespace: NS }, data: { spec: { template: {} } }, revision: 1 };
  const created = await store('controllerrevisions').create(NS, cr);
  assert.equal(created.metadata.generation, undefined);
  const err = await statusOf(put('controllerrevisions', created, (c) => ((c as Record<string, unknown>).data = { x: 1 })));
  assert.match(err.status.message ?? '', /^ControllerRevision\.apps "agent-1" is invalid: data: Invalid value: runtime\.RawExtension\{Raw:\[\]uint8\{0x7b, /);
  assert.match(err.status.message ?? '', /: field is immutable$/);
  const missing = await statusOf(store('controllerrevisions').create(NS, { ...cr, metadata: { name: 'no-data', namespace: NS }, data: undefined }));
  assert.equal(missing.status.message, 'ControllerRevision.apps "no-data" is invalid: data: Required value: data is mandatory');
});

test('scale: GET projects the workload; updates carry replicas back, honour resourceVersion and validate', async () => {
  const created = (await store('deployments').create(NS, deployment('scaled'))) as Deployment;
  const scale = await getScale(store('deployments'), NS, 'scaled');
  assert.deepEqual(scale, {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'scaled', namespace: NS, uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion, creationTimestamp: created.metadata.creationTimestamp },
    spec: { replicas: 2 },
    status: { replicas: 0, selector: 'app=scaled' },
  });
  const up = await updateScale(store('deployments'), NS, 'scaled', (s) => ({ ...s, spec: { replicas: 4 } }), {});
  assert.equal(up.spec?.replicas, 4);
  const stored = (await store('deployments').get(NS, 'scaled')) as Deployment;
  assert.equal(stored.spec.replicas, 4);
  assert.equal(stored.metadata.generation, 2);

  const stale = await statusOf(updateScale(store('deployments'), NS, 'scaled', (s) => ({ ...s, metadata: { ...s.metadata, resourceVersion: created.metadata.resourceVersion }, spec: { replicas: 1 } }), {}));
  assert.equal(stale.status.code, 409);
  const negative = await statusOf(updateScale(store('deployments'), NS, 'scaled', (s) => ({ ...s, spec: { replicas: -1 } }), {}));
  assert.equal(negative.status.message, 'Scale.autoscaling "scaled" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  const zero = await updateScale(store('deployments'), NS, 'scaled', (s) => ({ ...s, spec: {} }), {});
  assert.deepEqual(zero.spec, {}, 'an absent replicas is 0 and 0 is not written');
  const renamed = await statusOf(updateScale(store('deployments'), NS, 'scaled', (s) => ({ ...s, metadata: { name: 'other' }, spec: { replicas: 1 } }), {}));
  assert.equal(renamed.status.message, 'the name of the object (other) does not match the name on the URL (scaled)');
  const missing = await statusOf(getScale(store('deployments'), NS, 'nope'));
  assert.equal(missing.status.message, 'deployments.apps "nope" not found');
});
