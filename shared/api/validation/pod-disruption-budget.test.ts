import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePodDisruptionBudget, validatePodDisruptionBudgetStatusUpdate, validatePodDisruptionBudgetUpdate } from './pod-disruption-budget.ts';

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);
const pdb = (spec: Record<string, unknown>, name = 'web') => ({ metadata: { name, namespace: 'default', resourceVersion: '5' }, spec });

describe('validatePodDisruptionBudget', () => {
  it('accepts integers, percentages and an empty selector', () => {
    assert.deepEqual(validatePodDisruptionBudget(pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } })), []);
    assert.deepEqual(validatePodDisruptionBudget(pdb({ maxUnavailable: '25%', selector: {} })), []);
    assert.deepEqual(validatePodDisruptionBudget(pdb({ minAvailable: 0, unhealthyPodEvictionPolicy: 'AlwaysAllow' })), []);
  });
  it('refuses minAvailable together with maxUnavailable, naming the spec as kube prints it', () => {
    const errs = render(validatePodDisruptionBudget(pdb({ minAvailable: 1, maxUnavailable: 1 })));
    assert.equal(errs.length, 1);
    assert.match(errs[0]!, /^spec: Invalid value: policy\.PodDisruptionBudgetSpec\{MinAvailable:\(\*intstr\.IntOrString\)\(0x[0-9a-f]+\), Selector:\(\*v1\.LabelSelector\)\(nil\), .*\}: minAvailable and maxUnavailable cannot be both set$/);
  });
  it('checks int-or-percent values', () => {
    assert.deepEqual(render(validatePodDisruptionBudget(pdb({ minAvailable: -1 }))), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
    assert.deepEqual(render(validatePodDisruptionBudget(pdb({ maxUnavailable: '10' }))), [
      `spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    ]);
    assert.deepEqual(render(validatePodDisruptionBudget(pdb({ minAvailable: '101%' }))), [
      'spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%',
    ]);
  });
  it('checks the selector and the unhealthy pod eviction policy', () => {
    assert.deepEqual(
      render(validatePodDisruptionBudget(pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, unhealthyPodEvictionPolicy: 'Never' }))),
      [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
      ],
    );
  });
  it('only needs the name to be a path segment', () => {
    assert.deepEqual(validatePodDisruptionBudget(pdb({}, 'Upper_Case')), []);
    assert.deepEqual(render(validatePodDisruptionBudget(pdb({}, 'a/b'))), ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]);
  });
  it('keeps accepting a stored selector with a value that is no longer valid', () => {
    const bad = { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['not valid!'] }] } };
    assert.equal(validatePodDisruptionBudget(pdb(bad)).length, 1);
    assert.deepEqual(validatePodDisruptionBudgetUpdate(pdb(bad), pdb(bad)), []);
    assert.equal(validatePodDisruptionBudgetUpdate(pdb(bad), pdb({})).length, 1);
  });
});

describe('validatePodDisruptionBudgetStatusUpdate', () => {
  it('refuses negative counters and malformed conditions', () => {
    const next = { ...pdb({}), status: { disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, conditions: [{ type: 'DisruptionAllowed', status: 'Maybe', reason: '', message: '' }] } };
    assert.deepEqual(render(validatePodDisruptionBudgetStatusUpdate(next, pdb({}))), [
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'status.conditions[0].lastTransitionTime: Required value: must be set',
      'status.conditions[0].reason: Required value: must be set',
      'status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
});
