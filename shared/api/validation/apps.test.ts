import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../../errors/status-error.ts';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../apps-v1.ts';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from '../defaults/apps.ts';
import {
  goIntOrString,
  goLabelSelector,
  goStringMap,
  validateDaemonSet,
  validateDeployment,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateStatefulSet,
  validateStatefulSetStatusUpdate,
} from './apps.ts';

/** `field: detail` lines, as kubectl prints a 422. */
const lines = (errs: FieldError[]): string[] => errs.map((e) => `${e.field}: ${e.detail}`);

const template = (labels: Record<string, string> = { app: 'web' }) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

function deployment(spec: Partial<Deployment['spec']>): Deployment {
  return defaultDeployment({ metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } as Deployment['spec'] });
}

describe('Go value rendering', () => {
  it('maps sort their keys; absent maps are nil', () => {
    assert.equal(goStringMap({ b: '2', a: '1' }), 'map[string]string{"a":"1", "b":"2"}');
    assert.equal(goStringMap(undefined), 'map[string]string(nil)');
  });
  it('label selectors and int-or-strings print as %#v', () => {
    assert.equal(
      goLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }),
      'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string{"a"}}}}',
    );
    assert.equal(goIntOrString(0), 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}');
    assert.equal(goIntOrString('0%'), 'intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}');
  });
});

describe('validateDeployment', () => {
  it('accepts a defaulted minimal Deployment', () => {
    assert.deepEqual(validateDeployment(deployment({})), []);
  });
  it('selector required, and then it matches no template labels', () => {
    const d = deployment({});
    delete (d.spec as Partial<Deployment['spec']>).selector;
    assert.deepEqual(lines(validateDeployment(d)), [
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });
  it('selector must match the template labels; empty selector is refused', () => {
    assert.deepEqual(lines(validateDeployment(deployment({ template: template({ app: 'other' }) }))), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    ]);
    assert.deepEqual(lines(validateDeployment(deployment({ selector: {} }))), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
  it('reuses PodSpec validation for the template and requires restartPolicy Always', () => {
    const t = template();
    (t.spec.containers[0] as { image?: string }).image = '';
    const d = deployment({ template: { ...t, spec: { ...t.spec, restartPolicy: 'Never' } } as Deployment['spec']['template'] });
    assert.deepEqual(lines(validateDeployment(d)), [
      'spec.template.spec.containers[0].image: Required value',
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
  });
  it('replicas >= 0, maxSurge and maxUnavailable not both 0, percent formats, progressDeadlineSeconds > minReadySeconds', () => {
    assert.deepEqual(lines(validateDeployment(deployment({ replicas: -1 }))), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
    assert.deepEqual(lines(validateDeployment(deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }))), [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
    ]);
    assert.deepEqual(lines(validateDeployment(deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'x', maxUnavailable: '120%' } } }))), [
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"x\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    ]);
    assert.deepEqual(lines(validateDeployment(deployment({ minReadySeconds: 10, progressDeadlineSeconds: 10 }))), [
      'spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds',
    ]);
    assert.deepEqual(lines(validateDeployment(deployment({ strategy: { type: 'Recreate', rollingUpdate: {} } }))), [
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
  });
  it('update: selector immutable', () => {
    const old = deployment({});
    old.metadata.resourceVersion = '5';
    const next = deployment({ selector: { matchLabels: { app: 'web', tier: 'fe' } }, template: template({ app: 'web', tier: 'fe' }) });
    next.metadata.resourceVersion = '5';
    assert.deepEqual(lines(validateDeploymentUpdate(next, old)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
});

describe('validateReplicaSet, validateStatefulSet, validateDaemonSet', () => {
  it('ReplicaSet: same template rules, activeDeadlineSeconds forbidden', () => {
    const rs = defaultReplicaSet({ metadata: { name: 'r', namespace: 'd' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } } as ReplicaSet);
    rs.spec.template!.spec!.activeDeadlineSeconds = 5;
    assert.deepEqual(lines(validateReplicaSet(rs)), ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported']);
  });
  it('StatefulSet: name is a DNS label; podManagementPolicy wording; the template PodSpec is not validated', () => {
    const sts = defaultStatefulSet({ metadata: { name: 'db.x', namespace: 'd' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } } as StatefulSet);
    sts.spec.podManagementPolicy = 'Sometimes' as 'Parallel';
    (sts.spec.template.spec!.containers[0] as { image?: string }).image = '';
    assert.deepEqual(lines(validateStatefulSet(sts)), [
      'metadata.name: Invalid value: "db.x": must not contain dots',
      "spec.podManagementPolicy: Invalid value: \"Sometimes\": must be 'OrderedReady' or 'Parallel'",
    ]);
  });
  it('StatefulSet status: counts bounded by replicas, collisionCount never decremented', () => {
    const old = { metadata: { name: 'db', namespace: 'd', resourceVersion: '1' }, status: { replicas: 1, collisionCount: 2 } };
    const next = { metadata: { name: 'db', namespace: 'd', resourceVersion: '1' }, status: { replicas: 1, readyReplicas: 2, availableReplicas: 0, collisionCount: 1 } };
    assert.deepEqual(lines(validateStatefulSetStatusUpdate(next, old)), [
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.collisionCount: Invalid value: 1: cannot be decremented',
    ]);
  });
  it('DaemonSet: maxSurge and maxUnavailable both non-zero, or both zero', () => {
    const ds = (ru: object) =>
      defaultDaemonSet({
        metadata: { name: 'a', namespace: 'd' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: template(), updateStrategy: { type: 'RollingUpdate', rollingUpdate: ru } },
      } as DaemonSet);
    assert.deepEqual(lines(validateDaemonSet(ds({}))), []);
    assert.deepEqual(lines(validateDaemonSet(ds({ maxSurge: 1, maxUnavailable: 1 }))), [
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    ]);
    assert.deepEqual(lines(validateDaemonSet(ds({ maxSurge: 0, maxUnavailable: 0 }))), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
  });
});
