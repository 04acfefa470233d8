import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../shared/errors/status-error.ts';
import type { AdmissionAttributes } from '../admission.ts';
import { FakeLookups, attrs, pod } from '../testing/fake-lookups.ts';
import { podSecurityAdmission } from './pod-security-admission.ts';

function refusal(fn: () => unknown): Promise<StatusError> {
  return (async () => {
    try {
      await fn();
    } catch (e) {
      assert.ok(e instanceof StatusError, String(e));
      return e;
    }
    assert.fail('expected a refusal');
  })();
}

const privilegedPod = () =>
  pod('p', 'ns', { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }], volumes: [{ name: 'v', hostPath: { path: '/' } }] });

describe('PodSecurity admission', () => {
  it('enforce refuses with 403 and the aggregated violations; no warning is added', async () => {
    const l = new FakeLookups();
    l.addNamespace('ns', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' });
    const plugin = podSecurityAdmission(l, { audit: () => {} });
    const a = attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: privilegedPod() });
    assert.ok(plugin.handles(a));
    const e = await refusal(() => plugin.validate?.(a));
    assert.equal(e.status.code, 403);
    assert.equal(e.status.reason, 'Forbidden');
    assert.equal(e.status.message, 'pods "p" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "v")');
    assert.deepEqual(e.status.details, { name: 'p', kind: 'pods' });
    assert.deepEqual(a.warnings, []);
  });

  it('enforce names the generateName when the pod has no name yet', async () => {
    const l = new FakeLookups();
    l.addNamespace('ns', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const p = privilegedPod();
    p.metadata.name = 'web-xk2zq';
    p.metadata.generateName = 'web-';
    const e = await refusal(() => podSecurityAdmission(l).validate?.(attrs('pods', 'CREATE', { namespace: 'ns', object: p })));
    assert.match(e.message, /^pods "web-" is forbidden: violates PodSecurity "baseline:latest"/);
  });

  it('warn adds `would violate` with the level and version; audit records the annotation', async () => {
    const l = new FakeLookups();
    l.addNamespace('ns', { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'baseline', 'pod-security.kubernetes.io/audit-version': 'v1.30' });
    const audited: Record<string, string>[] = [];
    const plugin = podSecurityAdmission(l, { audit: (_a, ann) => audited.push(ann) });
    const a = attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: pod('p', 'ns') });
    await plugin.validate?.(a);
    assert.deepEqual(a.warnings, [
      'would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ]);
    assert.deepEqual(audited, []);
    const b = attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: privilegedPod() });
    await plugin.validate?.(b);
    assert.deepEqual(audited, [
      { 'pod-security.kubernetes.io/audit-violations': 'would violate PodSecurity "baseline:v1.30": privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "v")' },
    ]);
  });

  it('privileged namespaces (the default) admit anything without evaluating', async () => {
    const l = new FakeLookups();
    l.addNamespace('ns');
    const a = attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: privilegedPod() });
    await podSecurityAdmission(l).validate?.(a);
    assert.deepEqual(a.warnings, []);
  });

  it('an invalid enforce label on an existing namespace evaluates as restricted', async () => {
    const l = new FakeLookups();
    l.addNamespace('ns', { 'pod-security.kubernetes.io/enforce': 'bogus' });
    const audited: Record<string, string>[] = [];
    const e = await refusal(() => podSecurityAdmission(l, { audit: (_a, ann) => audited.push(ann) }).validate?.(attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: pod('p', 'ns') })));
    assert.match(e.message, /violates PodSecurity "restricted:latest"/);
    assert.equal(audited[0]?.['pod-security.kubernetes.io/error'], 'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted');
  });

  it('pod updates are evaluated only when they change what matters; status and binding are ignored', async () => {
    const l = new FakeLookups();
    l.addNamespace('ns', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const plugin = podSecurityAdmission(l);
    const old = privilegedPod();
    const relabelled = privilegedPod();
    relabelled.metadata.labels = { a: 'b' };
    await plugin.validate?.(attrs('pods', 'UPDATE', { namespace: 'ns', name: 'p', object: relabelled, oldObject: old }));
    const reimaged = privilegedPod();
    reimaged.spec.containers[0]!.image = 'busybox:2';
    await refusal(() => plugin.validate?.(attrs('pods', 'UPDATE', { namespace: 'ns', name: 'p', object: reimaged, oldObject: old })));
    const status = attrs('pods', 'UPDATE', { namespace: 'ns', name: 'p', subresource: 'status', object: privilegedPod(), oldObject: old });
    await plugin.validate?.(status);
    // An added ephemeral container is evaluated (pods/ephemeralcontainers).
    const debug = privilegedPod();
    debug.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox' }];
    const e = await refusal(() => plugin.validate?.(attrs('pods', 'UPDATE', { namespace: 'ns', name: 'p', subresource: 'ephemeralcontainers', object: debug, oldObject: old })));
    assert.match(e.message, /^pods "p" is forbidden: violates PodSecurity/);
  });

  it('exempt users, namespaces and runtime classes', async () => {
    const l = new FakeLookups();
    l.addNamespace('ns', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    l.addNamespace('free', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const plugin = podSecurityAdmission(l, { exemptions: { usernames: ['kubernetes-admin'], namespaces: ['free'], runtimeClasses: ['kata'] } });
    await plugin.validate?.(attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: privilegedPod() }));
    await plugin.validate?.(attrs('pods', 'CREATE', { namespace: 'free', name: 'p', object: privilegedPod(), user: { name: 'u', groups: [] } }));
    const kata = privilegedPod();
    (kata.spec as { runtimeClassName?: string }).runtimeClassName = 'kata';
    await plugin.validate?.(attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: kata, user: { name: 'u', groups: [] } }));
    await refusal(() => plugin.validate?.(attrs('pods', 'CREATE', { namespace: 'ns', name: 'p', object: privilegedPod(), user: { name: 'u', groups: [] } })));
  });

  describe('namespaces', () => {
    const ns = (labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels } });

    it('invalid level and version labels are refused on create with 422 and upstream wording', async () => {
      const plugin = podSecurityAdmission(new FakeLookups());
      const one = await refusal(() => plugin.validate?.(attrs('namespaces', 'CREATE', { name: 'team', object: ns({ 'pod-security.kubernetes.io/enforce': 'strict' }) })));
      assert.equal(one.status.code, 422);
      assert.equal(one.status.reason, 'Invalid');
      assert.equal(one.status.message, 'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted');
      const two = await refusal(() =>
        plugin.validate?.(attrs('namespaces', 'CREATE', { name: 'team', object: ns({ 'pod-security.kubernetes.io/enforce-version': '1.25', 'pod-security.kubernetes.io/warn': 'x' }) })),
      );
      assert.equal(
        two.status.message,
        '[metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "1.25": must be "latest" or "v1.x", metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "x": must be one of privileged, baseline, restricted]',
      );
      await plugin.validate?.(attrs('namespaces', 'CREATE', { name: 'team', object: ns({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.29' }) }));
    });

    it('an update keeping the same invalid labels is allowed, a new invalid value is not', async () => {
      const plugin = podSecurityAdmission(new FakeLookups());
      const bad = ns({ 'pod-security.kubernetes.io/audit': 'nope' });
      await plugin.validate?.(attrs('namespaces', 'UPDATE', { name: 'team', object: { ...bad, metadata: { ...bad.metadata, annotations: { a: 'b' } } }, oldObject: bad }));
      await refusal(() => plugin.validate?.(attrs('namespaces', 'UPDATE', { name: 'team', object: ns({ 'pod-security.kubernetes.io/audit': 'nah' }), oldObject: bad })));
    });

    it('tightening enforce warns about the existing pods that would violate it, grouped as upstream', async () => {
      const l = new FakeLookups();
      const p1 = privilegedPod();
      p1.metadata = { name: 'b-pod', namespace: 'team' };
      const p2 = privilegedPod();
      p2.metadata = { name: 'a-pod', namespace: 'team' };
      l.addPod(p1);
      l.addPod(p2);
      l.addPod(pod('host', 'team', { hostNetwork: true }));
      l.addPod(pod('fine', 'team'));
      const plugin = podSecurityAdmission(l);
      const a = attrs('namespaces', 'UPDATE', { name: 'team', object: ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }), oldObject: ns() });
      await plugin.validate?.(a);
      assert.deepEqual(a.warnings, [
        'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
        'a-pod (and 1 other pod): privileged, hostPath volumes',
        'host: host namespaces',
      ]);
      // Relaxing, or keeping the level, warns about nothing.
      const relax = attrs('namespaces', 'UPDATE', { name: 'team', object: ns({ 'pod-security.kubernetes.io/enforce': 'privileged' }), oldObject: ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }) });
      await plugin.validate?.(relax);
      assert.deepEqual(relax.warnings, []);
    });

    it('the pod check is bounded by count', async () => {
      const l = new FakeLookups();
      for (let i = 0; i < 5; i++) l.addPod({ ...privilegedPod(), metadata: { name: `p${i}`, namespace: 'team' } });
      const plugin = podSecurityAdmission(l, { namespaceMaxPodsToCheck: 3 });
      const a: AdmissionAttributes = attrs('namespaces', 'UPDATE', { name: 'team', object: ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }), oldObject: ns() });
      await plugin.validate?.(a);
      assert.deepEqual(a.warnings, [
        'new PodSecurity enforce level only checked against the first 3 of 5 existing pods',
        'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
        'p0 (and 2 other pods): privileged, hostPath volumes',
      ]);
    });
  });
});
