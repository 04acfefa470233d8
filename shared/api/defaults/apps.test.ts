import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../apps-v1.ts';
import type { PodTemplateSpec } from '../core-v1.ts';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps.ts';

const template = () => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } });

/** What SetDefaults_PodSpec and SetDefaults_Container leave on a minimal template (no Pod-only defaults). */
const DEFAULTED_TEMPLATE = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'c', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
    ],
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
  },
};

describe('apps/v1 defaults', () => {
  it('Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, template PodSpec defaults', () => {
    const d = defaultDeployment({ metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } } as Deployment);
    assert.deepEqual(d.spec, {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: DEFAULTED_TEMPLATE,
    });
  });
  it('Deployment: Recreate gets no rollingUpdate; explicit values are kept', () => {
    const d = defaultDeployment({
      metadata: { name: 'web' },
      spec: { replicas: 0, revisionHistoryLimit: 0, strategy: { type: 'Recreate' }, selector: {}, template: template() },
    } as unknown as Deployment);
    assert.equal(d.spec.replicas, 0);
    assert.equal(d.spec.revisionHistoryLimit, 0);
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
  });
  it('templates do not get the Pod-only defaults (enableServiceLinks, requests from limits, host ports)', () => {
    const t = template() as PodTemplateSpec;
    t.spec!.hostNetwork = true;
    t.spec!.containers[0]!.ports = [{ containerPort: 80 }];
    t.spec!.containers[0]!.resources = { limits: { cpu: '1' } };
    const rs = defaultReplicaSet({ metadata: { name: 'r' }, spec: { selector: { matchLabels: { app: 'web' } }, template: t } } as ReplicaSet);
    const spec = rs.spec.template!.spec!;
    assert.equal(spec.enableServiceLinks, undefined);
    assert.deepEqual(spec.containers[0]!.ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.deepEqual(spec.containers[0]!.resources, { limits: { cpu: '1' } });
    assert.equal(rs.spec.replicas, 1);
  });
  it('ReplicaSet without a template still gets a defaulted PodSpec (the v1 field is a struct)', () => {
    const rs = defaultReplicaSet({ metadata: { name: 'r' }, spec: { selector: { matchLabels: { a: 'b' } } } } as ReplicaSet);
    assert.equal(rs.spec.template?.spec?.restartPolicy, 'Always');
  });
  it('StatefulSet: OrderedReady, RollingUpdate partition 0, Retain/Retain, replicas 1, revisionHistoryLimit 10, claim template defaults', () => {
    const sts = defaultStatefulSet({
      metadata: { name: 'db' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: template(),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } } }],
      },
    } as StatefulSet);
    assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(sts.spec.replicas, 1);
    assert.equal(sts.spec.revisionHistoryLimit, 10);
    assert.deepEqual(sts.spec.template, DEFAULTED_TEMPLATE);
    assert.deepEqual(sts.spec.volumeClaimTemplates?.[0], {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
  });
  it('StatefulSet: OnDelete gets no rollingUpdate; RollingUpdate with rollingUpdate {} gets partition 0', () => {
    const onDelete = defaultStatefulSet({ metadata: { name: 'a' }, spec: { updateStrategy: { type: 'OnDelete' } } } as StatefulSet);
    assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
    const explicit = defaultStatefulSet({ metadata: { name: 'a' }, spec: { updateStrategy: { type: 'RollingUpdate' } } } as StatefulSet);
    assert.deepEqual(explicit.spec.updateStrategy, { type: 'RollingUpdate' });
  });
  it('DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, revisionHistoryLimit 10', () => {
    const ds = defaultDaemonSet({ metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } } as DaemonSet);
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
    assert.deepEqual(ds.spec.template, DEFAULTED_TEMPLATE);
  });
});
