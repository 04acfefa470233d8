import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ManagedFieldsEntry } from '../../shared/api/meta.ts';
import { StatusError } from '../../shared/errors/status-error.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import { addDefaultTolerations, applyPriorityAdmission, defaultPod } from '../../shared/api/defaults/pod.ts';
import { FieldSet } from './field-set.ts';
import {
  FieldManager,
  LAST_APPLIED_CONFIG_ANNOTATION,
  apply,
  managerFromUserAgent,
  managerOrUserAgent,
  updateManagedFields,
  validatePatchOptions,
} from './field-manager.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T11:00:00Z';
const T2 = '2024-05-01T12:00:00Z';

/** The manifest of the examples: a pod with one nginx container. */
const manifest = (image = 'nginx:1.25', extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, ...extra },
  spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] },
});

/** What the registry stores after a create (system fields the field manager must ignore). */
function stored(obj: Obj): KubeObject {
  const o = structuredClone(obj);
  o.metadata.uid = 'uid-1';
  o.metadata.resourceVersion = '5';
  o.metadata.creationTimestamp = T0;
  return o as KubeObject;
}

const withoutMF = (obj: KubeObject): KubeObject => {
  const o = structuredClone(obj);
  delete o.metadata.managedFields;
  return o;
};

const entry = (obj: KubeObject, manager: string): ManagedFieldsEntry | undefined => obj.metadata.managedFields?.find((e) => e.manager === manager);

function expectStatus(fn: () => unknown, code: number, message: string): StatusError {
  let caught: StatusError | undefined;
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    caught = e;
    return true;
  });
  return caught as StatusError;
}

describe('updateManagedFields (operation Update)', () => {
  it('a create (kubectl run) owns what it set; system metadata is never owned', () => {
    const body = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'web', creationTimestamp: null, labels: { run: 'web' } },
      spec: { containers: [{ name: 'web', image: 'busybox', args: ['sleep', '3600'], resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
      status: {},
    };
    const out = updateManagedFields(null, stored(body), 'kubectl-run', 'Update', undefined, T0);
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl-run',
        operation: 'Update',
        apiVersion: 'v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:run': {} } },
          'f:spec': {
            'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} } },
            'f:dnsPolicy': {},
            'f:restartPolicy': {},
          },
        },
      },
    ]);
    assert.equal(body.metadata.labels.run, 'web', 'input untouched');
  });

  it('kubectl label takes the label it changed, as manager kubectl-label', () => {
    const created = updateManagedFields(null, stored(manifest()), 'kubectl-client-side-apply', 'Update', undefined, T0);
    const labeled = structuredClone(created);
    labeled.metadata.labels = { app: 'web', a: 'b' };
    const out = updateManagedFields(created, labeled, 'kubectl-label', 'Update', undefined, T1);
    assert.deepEqual(entry(out, 'kubectl-label'), {
      manager: 'kubectl-label',
      operation: 'Update',
      apiVersion: 'v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {} } } },
    });
    // The creator keeps its fields and its time; entries are sorted by time.
    assert.deepEqual(out.metadata.managedFields?.map((e) => [e.manager, e.time]), [
      ['kubectl-client-side-apply', T0],
      ['kubectl-label', T1],
    ]);

    // --overwrite of a label the creator set moves it; removing it drops it from everybody.
    const overwritten = structuredClone(out);
    overwritten.metadata.labels = { app: 'other', a: 'b' };
    const out2 = updateManagedFields(out, overwritten, 'kubectl-label', 'Update', undefined, T2);
    assert.deepEqual(entry(out2, 'kubectl-label')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:app': {} } } });
    assert.deepEqual((entry(out2, 'kubectl-client-side-apply')?.fieldsV1 as Obj)['f:metadata'], { 'f:labels': {} });
    const removed = structuredClone(out2);
    removed.metadata.labels = { app: 'other' };
    const out3 = updateManagedFields(out2, removed, 'kubectl-label', 'Update', undefined, T2);
    assert.deepEqual(entry(out3, 'kubectl-label')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
  });

  it('a no-op write changes nothing, not even times', () => {
    const created = updateManagedFields(null, stored(manifest()), 'creator', 'Update', undefined, T0);
    const out = updateManagedFields(created, structuredClone(created), 'someone', 'Update', undefined, T1);
    assert.deepEqual(out.metadata.managedFields, created.metadata.managedFields);
  });

  it('entries are per subresource; the status subresource owns status, not spec', () => {
    const created = updateManagedFields(null, stored(manifest()), 'creator', 'Update', undefined, T0);
    const withStatus = structuredClone(created) as Obj;
    withStatus.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    withStatus.spec.nodeName = 'n1'; // ignored through /status
    const out = updateManagedFields(created, withStatus as KubeObject, 'kubelet', 'Update', 'status', T1);
    assert.deepEqual(entry(out, 'kubelet'), {
      manager: 'kubelet',
      operation: 'Update',
      apiVersion: 'v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {} } },
      subresource: 'status',
    });
    // The main resource does not record status.
    const main = updateManagedFields(created, withStatus as KubeObject, 'editor', 'Update', undefined, T1);
    assert.deepEqual(entry(main, 'editor')?.fieldsV1, { 'f:spec': { 'f:nodeName': {} } });
  });

  it('a ConfigMap create owns the data map itself', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } };
    const out = updateManagedFields(null, cm as KubeObject, 'kubectl-create', 'Update', undefined, T0);
    assert.deepEqual(entry(out, 'kubectl-create')?.fieldsV1, { 'f:data': { '.': {}, 'f:k': {} } });
  });

  it('a custom resource (kind not in patch-meta) starts from an empty object: spec owned with "."', () => {
    const cr = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' }, spec: { cronSpec: '* * * * */5', image: 'img' } };
    const created = updateManagedFields(null, cr as KubeObject, 'kubectl-create', 'Update', undefined, T0);
    assert.deepEqual(entry(created, 'kubectl-create')?.fieldsV1, { 'f:spec': { '.': {}, 'f:cronSpec': {}, 'f:image': {} } });
    const applied = apply(null, cr, 'kubectl', { now: T0 }).managedFields;
    assert.deepEqual(applied[0]?.fieldsV1, { 'f:spec': { 'f:cronSpec': {}, 'f:image': {} } });
  });

  it('managedFields sent with the object win; [] resets them and the object stays untracked until an apply', () => {
    const created = updateManagedFields(null, stored(manifest()), 'creator', 'Update', undefined, T0);
    const sent = structuredClone(created);
    (sent.metadata.managedFields as ManagedFieldsEntry[])[0]!.manager = 'renamed';
    assert.deepEqual(updateManagedFields(created, sent, 'editor', 'Update', undefined, T1).metadata.managedFields?.map((e) => e.manager), ['renamed']);

    const reset = structuredClone(created);
    reset.metadata.managedFields = [];
    reset.metadata.labels = { app: 'web', x: 'y' };
    // decodeLiveOrNew gives no managers, and skipNonAppliedManager does not track updates of such objects.
    const out = updateManagedFields(created, reset, 'editor', 'Update', undefined, T1);
    assert.equal(out.metadata.managedFields, undefined);
    const later = structuredClone(out);
    later.metadata.labels = { app: 'web', x: 'z' };
    assert.equal(updateManagedFields(out, later, 'editor', 'Update', undefined, T2).metadata.managedFields, undefined);
    const resetWithEmptyEntry = structuredClone(created);
    resetWithEmptyEntry.metadata.managedFields = [{}];
    assert.equal(updateManagedFields(created, resetWithEmptyEntry, 'editor', 'Update', undefined, T1).metadata.managedFields, undefined);
  });

  it('keeps at most 10 Update entries, merging the oldest into ancient-changes', () => {
    let obj = updateManagedFields(null, stored(manifest()), 'm0', 'Update', undefined, '2024-01-01T00:00:00Z');
    for (let i = 1; i <= 11; i++) {
      const next = structuredClone(obj);
      (next.metadata.labels as Record<string, string>)[`l${i}`] = 'v';
      obj = updateManagedFields(obj, next, `m${i}`, 'Update', undefined, `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`);
    }
    const managers = obj.metadata.managedFields?.map((e) => e.manager) ?? [];
    assert.equal(managers.length, 10);
    assert.ok(managers.includes('ancient-changes'));
    assert.ok(!managers.includes('m0') && !managers.includes('m1') && !managers.includes('m2'));
    const ancient = entry(obj, 'ancient-changes')?.fieldsV1 as Obj;
    assert.ok('f:l1' in ancient['f:metadata']['f:labels'] && 'f:l2' in ancient['f:metadata']['f:labels']);
  });

  it('an object that does not fit the schema keeps the live managedFields', () => {
    const created = updateManagedFields(null, stored(manifest()), 'creator', 'Update', undefined, T0);
    const broken = structuredClone(created) as Obj;
    broken.spec.containers.push({ image: 'no-name' });
    const out = updateManagedFields(created, broken as KubeObject, 'editor', 'Update', undefined, T1);
    assert.deepEqual(out.metadata.managedFields, created.metadata.managedFields);
  });
});

describe('apply (server-side apply)', () => {
  it('creates: the applier owns exactly its configuration', () => {
    const { object, managedFields } = apply(null, manifest(), 'kubectl', { now: T0 });
    assert.deepEqual(object.spec, manifest().spec);
    assert.deepEqual(object.metadata.labels, { app: 'web' });
    assert.deepEqual(managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    ]);
    assert.deepEqual(object.metadata.managedFields, managedFields);
  });

  it('changes its own field without conflict and refreshes its time', () => {
    const first = stored(apply(null, manifest(), 'kubectl', { now: T0 }).object);
    const { object } = apply(first, manifest('nginx:1.26'), 'kubectl', { now: T1 });
    assert.equal((object.spec as Obj).containers[0].image, 'nginx:1.26');
    assert.equal(entry(object, 'kubectl')?.time, T1);
    assert.equal(object.metadata.uid, 'uid-1', 'live system fields are kept');
  });

  it('a no-op apply keeps the time', () => {
    const first = stored(apply(null, manifest(), 'kubectl', { now: T0 }).object);
    const { object } = apply(first, manifest(), 'kubectl', { now: T1 });
    assert.equal(entry(object, 'kubectl')?.time, T0);
  });

  it('conflicts with another manager: 409, message and causes exactly as kube (kubectl.md §11)', () => {
    const live = updateManagedFields(null, stored(manifest()), 'kubectl-client-side-apply', 'Update', undefined, T0);
    const err = expectStatus(
      () => apply(live, manifest('nginx:1.26'), 'kubectl', { now: T1 }),
      409,
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="nginx"].image',
    );
    assert.deepEqual(err.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="nginx"].image',
      reason: 'Conflict',
      details: {
        causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.spec.containers[name="nginx"].image' }],
      },
      code: 409,
    });
  });

  it('several conflicts are grouped by manager', () => {
    let live = updateManagedFields(null, stored(manifest()), 'kubectl-client-side-apply', 'Update', undefined, T0);
    const labeled = structuredClone(live);
    labeled.metadata.labels = { app: 'web', tier: 'be' };
    live = updateManagedFields(live, labeled, 'kubectl-label', 'Update', undefined, T1);
    const applied = manifest('nginx:1.26');
    applied.metadata.labels = { app: 'api', tier: 'fe' };
    const err = expectStatus(
      () => apply(live, applied, 'kubectl', { now: T2 }),
      409,
      'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using v1:\n' +
        '- .metadata.labels.app\n' +
        '- .spec.containers[name="nginx"].image\n' +
        'conflicts with "kubectl-label" using v1:\n' +
        '- .metadata.labels.tier',
    );
    assert.deepEqual(err.status.details?.causes?.map((c) => [c.message, c.field]), [
      ['conflict with "kubectl-client-side-apply" using v1', '.metadata.labels.app'],
      ['conflict with "kubectl-client-side-apply" using v1', '.spec.containers[name="nginx"].image'],
      ['conflict with "kubectl-label" using v1', '.metadata.labels.tier'],
    ]);
  });

  it('an object without managedFields is first owned by before-first-apply', () => {
    const live = stored(manifest());
    expectStatus(
      () => apply(live, manifest('nginx:2'), 'kubectl', { now: T1 }),
      409,
      'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .spec.containers[name="nginx"].image',
    );
    const { object } = apply(live, manifest(), 'kubectl', { now: T1 });
    assert.deepEqual(object.metadata.managedFields?.map((e) => [e.manager, e.operation]), [
      ['kubectl', 'Apply'],
      ['before-first-apply', 'Update'],
    ]);
  });

  it('conflicts with another applier name it without an apiVersion', () => {
    const live = stored(apply(null, manifest(), 'helm', { now: T0 }).object);
    expectStatus(() => apply(live, manifest('nginx:2'), 'other', { now: T1 }), 409, 'Apply failed with 1 conflict: conflict with "helm": .spec.containers[name="nginx"].image');
  });

  it('force takes the ownership', () => {
    const live = updateManagedFields(null, stored(manifest()), 'kubectl-client-side-apply', 'Update', undefined, T0);
    const { object } = apply(live, manifest('nginx:1.26'), 'kubectl', { now: T1, force: true });
    assert.equal((object.spec as Obj).containers[0].image, 'nginx:1.26');
    const csa = entry(object, 'kubectl-client-side-apply')?.fieldsV1 as Obj;
    assert.equal('f:image' in csa['f:spec']['f:containers']['k:{"name":"nginx"}'], false, 'the old owner lost the field');
    const mine = entry(object, 'kubectl')?.fieldsV1 as Obj;
    assert.ok('f:image' in mine['f:spec']['f:containers']['k:{"name":"nginx"}']);
  });

  it('the same value owned by another manager is shared, not a conflict', () => {
    const live = updateManagedFields(null, stored(manifest()), 'kubectl-client-side-apply', 'Update', undefined, T0);
    const { object } = apply(live, manifest(), 'kubectl', { now: T1 });
    const image = (e: ManagedFieldsEntry | undefined) => 'f:image' in ((e?.fieldsV1 as Obj)['f:spec']['f:containers']['k:{"name":"nginx"}'] as Obj);
    assert.ok(image(entry(object, 'kubectl')));
    assert.ok(image(entry(object, 'kubectl-client-side-apply')));
    assert.deepEqual(object.spec, live.spec);
  });

  it('fields applied before and omitted now are removed, unless someone else owns them', () => {
    const withSidecar = manifest('nginx:1.25', { labels: { app: 'web', b: 'x' } });
    withSidecar.spec.containers.push({ name: 'side', image: 'busybox' });
    const live = stored(apply(null, withSidecar, 'kubectl', { now: T0 }).object);

    const { object } = apply(live, manifest(), 'kubectl', { now: T1 });
    assert.deepEqual(object.metadata.labels, { app: 'web' });
    assert.deepEqual((object.spec as Obj).containers.map((c: Obj) => c.name), ['nginx']);

    // A second applier that also owns the label and the sidecar keeps them alive.
    const shared = apply(live, withSidecar, 'other', { now: T1 }).object;
    const { object: kept } = apply(shared, manifest(), 'kubectl', { now: T2 });
    assert.deepEqual(kept.metadata.labels, { app: 'web', b: 'x' });
    assert.deepEqual((kept.spec as Obj).containers.map((c: Obj) => c.name), ['nginx', 'side']);
    const mine = entry(kept, 'kubectl')?.fieldsV1 as Obj;
    assert.deepEqual(Object.keys(mine['f:spec']['f:containers']), ['k:{"name":"nginx"}']);
  });

  it('fields set by Update managers are not removed by an applier that did not own them', () => {
    const live = stored(apply(null, manifest(), 'kubectl', { now: T0 }).object);
    const labeled = structuredClone(live);
    labeled.metadata.labels = { app: 'web', extra: '1' };
    const withLabel = updateManagedFields(live, labeled, 'kubectl-label', 'Update', undefined, T1);
    const { object } = apply(withLabel, manifest(), 'kubectl', { now: T2 });
    assert.deepEqual(object.metadata.labels, { app: 'web', extra: '1' });
  });

  it('status is not applied or owned through the main resource', () => {
    const live = stored({ ...manifest(), status: { phase: 'Running' } });
    const applied = { ...manifest(), status: { phase: 'Failed' } };
    const { object, managedFields } = apply(live, applied, 'kubectl', { now: T1 });
    assert.deepEqual(object.status, { phase: 'Running' });
    assert.equal('f:status' in (managedFields[0]?.fieldsV1 as Obj), false);
  });

  it('kubectl upgrades client-side apply: fields still matching last-applied are taken without conflict', () => {
    const lastApplied = JSON.stringify(manifest()) + '\n';
    const created = updateManagedFields(null, stored(manifest('nginx:1.25', { annotations: { [LAST_APPLIED_CONFIG_ANNOTATION]: lastApplied } })), 'kubectl-client-side-apply', 'Update', undefined, T0);
    const applied = manifest('nginx:1.26', { annotations: { [LAST_APPLIED_CONFIG_ANNOTATION]: lastApplied } });
    const { object } = apply(created, applied, 'kubectl', { now: T1 });
    assert.equal((object.spec as Obj).containers[0].image, 'nginx:1.26');
    // The annotation is rewritten from the applied configuration (without itself), keys sorted, + "\n".
    const annotation = (object.metadata.annotations as Record<string, string>)[LAST_APPLIED_CONFIG_ANNOTATION] as string;
    assert.ok(annotation.endsWith('\n'));
    assert.deepEqual(JSON.parse(annotation), { ...manifest('nginx:1.26'), metadata: { ...manifest().metadata, annotations: {} } });
    assert.ok(annotation.startsWith('{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"labels"'));
    // Any other manager still conflicts.
    expectStatus(() => apply(created, applied, 'other', { now: T1 }), 409, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="nginx"].image');
  });

  it('a new manager whose apply changes nothing shares the fields and gets no time (managedFieldsUpdater)', () => {
    const live = stored(apply(null, manifest(), 'kubectl', { now: T0 }).object);
    const { object } = apply(live, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } } }, 'other', { now: T1 });
    assert.deepEqual(entry(object, 'other'), { manager: 'other', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } } });
    assert.equal(entry(object, 'kubectl')?.time, T0);
  });

  it('kubectl client-side to server-side migration: the re-sent apply keeps ports and tolerations, and re-applying is a no-op', () => {
    // The registry's steps, in kube's order: defaulting, managedFields, then admission (tolerations, priority).
    const admitted = (p: Obj): KubeObject => {
      addDefaultTolerations(p as Pod, 300);
      applyPriorityAdmission(p as Pod);
      return p as KubeObject;
    };
    const defaulted = (o: KubeObject): KubeObject => defaultPod(structuredClone(o) as Pod) as KubeObject;
    const lastApplied = (m: Obj) => JSON.stringify(m) + '\n';

    // 1. kubectl apply -f (create): kubectl-client-side-apply owns the manifest and the defaults, not the tolerations.
    const v1 = manifest('nginx:1.26');
    const created = defaulted(stored(manifest('nginx:1.26', { annotations: { [LAST_APPLIED_CONFIG_ANNOTATION]: lastApplied(v1) } })));
    const csa = admitted(updateManagedFields(null, created, 'kubectl-client-side-apply', 'Update', undefined, T0) as Obj);
    const csaFields = entry(csa, 'kubectl-client-side-apply')?.fieldsV1 as Obj;
    assert.ok('f:dnsPolicy' in csaFields['f:spec'] && !('f:tolerations' in csaFields['f:spec']) && !('f:priority' in csaFields['f:spec']));

    // 2. kubectl apply --server-side (image 1.27): the image conflict is allowed by the annotation.
    const ssa = manifest('nginx:1.27');
    const first = defaulted(stored(apply(csa, ssa, 'kubectl', { now: T1 }).object));
    // 3. kubectl saves the annotation under its own Apply manager: a no-op, so that entry has no time.
    const annotation = (first.metadata.annotations as Record<string, string>)[LAST_APPLIED_CONFIG_ANNOTATION] as string;
    const saved = apply(first, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', annotations: { [LAST_APPLIED_CONFIG_ANNOTATION]: annotation } } }, 'kubectl-last-applied', { now: T1 }).object;
    assert.deepEqual(withoutMF(saved), withoutMF(first));
    assert.equal(entry(saved, 'kubectl-last-applied')?.time, undefined);

    // 4. csaupgrade (client side, a JSON patch): kubectl-client-side-apply's fields join kubectl's Apply entry.
    const entries = structuredClone(saved.metadata.managedFields ?? []);
    const mine = entries.find((e) => e.manager === 'kubectl') as ManagedFieldsEntry;
    const old = entries.find((e) => e.manager === 'kubectl-client-side-apply') as ManagedFieldsEntry;
    mine.fieldsV1 = FieldSet.fromFieldsV1(mine.fieldsV1).union(FieldSet.fromFieldsV1(old.fieldsV1)).toFieldsV1();
    const migrated = structuredClone(saved);
    migrated.metadata.managedFields = entries.filter((e) => e !== old);

    // 5. kubectl re-sends its apply: what it owned only through client-side apply is pruned (the strategy
    //    defaults it again), its list items stay, and the unowned tolerations are untouched.
    const resent = apply(migrated, ssa, 'kubectl', { now: T2 }).object as Obj;
    assert.deepEqual(resent.spec.containers[0].ports, [{ containerPort: 80 }]);
    assert.equal(resent.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(resent.spec.tolerations, (saved as Obj).spec.tolerations);
    assert.equal(resent.spec.priority, 0);
    assert.equal(resent.spec.dnsPolicy, undefined);
    assert.deepEqual(resent.metadata.labels, { app: 'web' });
    assert.equal(resent.metadata.annotations[LAST_APPLIED_CONFIG_ANNOTATION], annotation, 'kubectl-last-applied keeps the annotation');
    assert.deepEqual(entry(resent as KubeObject, 'kubectl')?.fieldsV1, apply(null, ssa, 'kubectl', { now: T2 }).managedFields[0]?.fieldsV1, 'kubectl owns exactly its configuration');
    const stable = defaulted(stored(resent));
    assert.deepEqual(withoutMF(stable), withoutMF(saved as KubeObject), 'after defaulting, only managedFields changed');

    // 6. kubectl apply --server-side [--force-conflicts] of the same manifest: nothing changes at all.
    for (const force of [false, true]) {
      const again = apply(stable, ssa, 'kubectl', { now: '2024-05-01T13:00:00Z', force }).object;
      assert.deepEqual(defaulted(again), stable, 'same object, same managedFields and times');
    }
  });

  it('refuses bodies kube refuses', () => {
    const live = stored(manifest());
    expectStatus(() => apply(live, manifest(), '', { now: T0 }), 422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    expectStatus(() => apply(live, manifest('x', { managedFields: [] }), 'kubectl', { now: T0 }), 400, 'metadata.managedFields must be nil');
    expectStatus(() => apply(live, { ...manifest(), kind: 'Service' }, 'kubectl', { now: T0 }), 400, 'invalid object type: /v1, Kind=Service');
    expectStatus(() => apply(live, { ...manifest(), apiVersion: 'v2' }, 'kubectl', { now: T0 }), 400, 'invalid object type: /v2, Kind=Pod');
    expectStatus(() => apply(live, [1], 'kubectl', { now: T0 }), 400, 'error decoding YAML: json: cannot unmarshal array into Go value of type map[string]interface {}');
    const noKey = manifest();
    delete noKey.spec.containers[0].name;
    expectStatus(
      () => apply(live, noKey, 'kubectl', { now: T0 }),
      500,
      'failed to create typed patch object (default/web; /v1, Kind=Pod): .spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });

  it('the FieldManager class binds the options (e.g. a Lease)', () => {
    const fm = new FieldManager({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' });
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } };
    const { object } = fm.apply(null, lease, 'kubelet', { now: T0 });
    assert.deepEqual(entry(object, 'kubelet')?.fieldsV1, { 'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {} } });
    const renewed = structuredClone(object) as Obj;
    renewed.spec.renewTime = '2024-05-01T10:00:10.000000Z';
    const updated = fm.update(object, renewed as KubeObject, 'kubelet', T1);
    assert.deepEqual(entry(updated, 'kubelet')?.operation, 'Apply');
    assert.deepEqual(updated.metadata.managedFields?.map((e) => [e.manager, e.operation]), [
      ['kubelet', 'Apply'],
      ['kubelet', 'Update'],
    ]);
  });
});

describe('request helpers', () => {
  it('managerFromUserAgent takes the prefix up to the first /', () => {
    assert.equal(managerFromUserAgent('kubectl.1.32/v1.32.5 (linux/amd64) kubernetes/9894294'), 'kubectl.1.32');
    assert.equal(managerFromUserAgent('node-fetch'), 'node-fetch');
    assert.equal(managerFromUserAgent('bad\u0007agent/1'), 'badagent');
    assert.equal(managerFromUserAgent('x'.repeat(200)).length, 128);
    assert.equal(managerFromUserAgent(undefined), '');
    assert.equal(managerOrUserAgent('kubectl-label', 'kubectl/v1'), 'kubectl-label');
    assert.equal(managerOrUserAgent(undefined, 'node-fetch'), 'node-fetch');
  });

  it('validatePatchOptions', () => {
    validatePatchOptions('application/apply-patch+yaml', { fieldManager: 'kubectl', force: false });
    validatePatchOptions('application/merge-patch+json', {});
    expectStatus(() => validatePatchOptions('application/apply-patch+yaml', {}), 422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    expectStatus(() => validatePatchOptions('application/merge-patch+json', { force: true }), 422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const err = expectStatus(
      () => validatePatchOptions('application/json-patch+json', { fieldManager: 'a\u0001' }),
      422,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\u0001": invalid character U+0001 (at position 1)',
    );
    assert.deepEqual(err.status.details, {
      name: '',
      kind: 'PatchOptions',
      group: 'meta.k8s.io',
      causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "a\\u0001": invalid character U+0001 (at position 1)', field: 'fieldManager' }],
    });
  });
});
