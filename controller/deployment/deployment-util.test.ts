import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../../shared/api/apps-v1.ts';
import {
  equalIgnoreHash,
  getProportion,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  podTemplateHash,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
} from './deployment-util.ts';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } };

function deployment(replicas: number, surge?: number | string, unavailable?: number | string): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template,
      strategy: { type: 'RollingUpdate', rollingUpdate: { ...(surge !== undefined ? { maxSurge: surge } : {}), ...(unavailable !== undefined ? { maxUnavailable: unavailable } : {}) } },
    },
  };
}

function rs(name: string, replicas: number, annotations: Record<string, string> = {}): ReplicaSet {
  return { metadata: { name, namespace: 'default', annotations }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template } };
}

test('pod-template-hash: stable, key-order independent, changed by the template and the collision count, safe alphabet', () => {
  const h = podTemplateHash(template);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(h.length >= 6 && h.length <= 10, true);
  assert.equal(podTemplateHash({ spec: { containers: [{ image: 'nginx:1.25', name: 'c' }] }, metadata: { labels: { app: 'web' } } }), h);
  assert.notEqual(podTemplateHash({ ...template, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } }), h);
  assert.notEqual(podTemplateHash(template, 1), h);
  assert.notEqual(podTemplateHash(template, 1), podTemplateHash(template, 2));
  // Pinned: a kubelab upgrade must not rename every ReplicaSet.
  assert.equal(h, podTemplateHash(JSON.parse(JSON.stringify(template))));
});

test('equalIgnoreHash ignores only the pod-template-hash label', () => {
  const withHash = { ...template, metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } } };
  assert.equal(equalIgnoreHash(template, withHash), true);
  assert.equal(equalIgnoreHash(template, { ...withHash, metadata: { labels: { app: 'db', 'pod-template-hash': 'abc' } } }), false);
});

test('a null member is its zero value: kubectl rollout undo sends creationTimestamp: null back and finds the old ReplicaSet', () => {
  const undone = { ...template, metadata: { ...template.metadata, creationTimestamp: null } } as unknown as typeof template;
  assert.equal(equalIgnoreHash(template, undone), true);
  assert.equal(podTemplateHash(undone), podTemplateHash(template));
});

test('fenceposts: percentages round surge up and unavailable down; both zero makes unavailable 1', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), [3, 2]);
  assert.deepEqual(resolveFenceposts(0, 0, 10), [0, 1]);
  assert.deepEqual(resolveFenceposts('10%', '10%', 5), [1, 0]);
  assert.deepEqual(resolveFenceposts(undefined, '1%', 10), [0, 1]);
  assert.equal(maxUnavailable(deployment(6, 0, 1)), 1);
  assert.equal(maxUnavailable(deployment(2, 0, 5)), 2, 'never more than the replicas');
  assert.equal(maxUnavailable(deployment(0, 1, 1)), 0);
  assert.equal(maxSurge({ ...deployment(6, 2, 1), spec: { ...deployment(6, 2, 1).spec, strategy: { type: 'Recreate' } } }), 0);
});

test('newRSNewReplicas: scale up the new ReplicaSet only within maxSurge', () => {
  const d = deployment(10, 2, 0);
  // 10 old + 0 new: 2 may be added.
  assert.equal(newRSNewReplicas(d, [rs('old', 10), rs('new', 0)], rs('new', 0)), 2);
  // Already 12 pods: nothing.
  assert.equal(newRSNewReplicas(d, [rs('old', 10), rs('new', 2)], rs('new', 2)), 2);
  // Old scaled down to 5: the new one may reach 7 (12 - 5).
  assert.equal(newRSNewReplicas(d, [rs('old', 5), rs('new', 2)], rs('new', 2)), 7);
  // Never beyond the desired count.
  assert.equal(newRSNewReplicas(d, [rs('old', 0), rs('new', 9)], rs('new', 9)), 10);
});

test('getProportion spreads a scale-up over the ReplicaSets by their share of the old max', () => {
  // A rollout at 10 replicas + maxSurge 3 (max 13), scaled to 20 (max 23): +10 to distribute.
  const d = deployment(20, 3, 0);
  const a = rs('a', 8, { 'deployment.kubernetes.io/max-replicas': '13' });
  const b = rs('b', 5, { 'deployment.kubernetes.io/max-replicas': '13' });
  const pa = getProportion(a, d, 10, 0);
  const pb = getProportion(b, d, 10, pa);
  assert.equal(pa, 6); // round(8 * 23 / 13) - 8 = 14 - 8
  assert.equal(pb, 4); // round(5 * 23 / 13) - 5 = 9 - 5, capped by what is left (4)
  // Scaling to zero removes each ReplicaSet whole.
  assert.equal(getProportion(a, deployment(0, 3, 0), -13, 0), -8);
});

test('revision annotations: a new ReplicaSet gets the next revision; a rolled-back one keeps its history', () => {
  const d = deployment(3, 1, 0);
  const fresh = rs('web-new', 0);
  assert.equal(setNewReplicaSetAnnotations(d, fresh, '3', false), true);
  assert.deepEqual(fresh.metadata.annotations, {
    team: 'a',
    'deployment.kubernetes.io/revision': '3',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  // Rolling back to revision 1 makes it revision 4, remembering 1.
  const back = rs('web-old', 0, { 'deployment.kubernetes.io/revision': '1' });
  setNewReplicaSetAnnotations(d, back, '4', true);
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '4');
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  setNewReplicaSetAnnotations(d, back, '6', true);
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1,4');
  // A lower revision never lowers it.
  assert.equal(setNewReplicaSetAnnotations(d, back, '2', true), false);
});
