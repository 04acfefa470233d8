import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, DAEMON_SET_TEMPLATE_ENCODING, DEPLOYMENT_TEMPLATE_ENCODING } from './compute-hash.ts';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };
// A template with what the two encodings treat differently: a null member and characters Go HTML-escapes.
const tricky = { metadata: { labels: { app: 'wé<b>' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'nginx', command: ['sh', '-c', 'a && b'] }] } };

test('computeHash depends on the template and the collision count, not on key order', () => {
  for (const enc of [DEPLOYMENT_TEMPLATE_ENCODING, DAEMON_SET_TEMPLATE_ENCODING]) {
    const h = computeHash(template, undefined, enc);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(computeHash({ spec: { containers: [{ image: 'nginx:1', name: 'c' }] }, metadata: { labels: { app: 'web' } } }, undefined, enc), h);
    assert.notEqual(computeHash(template, 1, enc), h);
    assert.notEqual(computeHash(template, 1, enc), computeHash(template, 2, enc));
    assert.notEqual(computeHash({ ...template, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }, undefined, enc), h);
  }
});

test('pinned values: an upgrade must not rename every ReplicaSet or roll every DaemonSet', () => {
  assert.equal(computeHash(tricky, undefined, DEPLOYMENT_TEMPLATE_ENCODING), 'ffb86444b');
  assert.equal(computeHash(tricky, 3, DEPLOYMENT_TEMPLATE_ENCODING), '678bdd77fc');
  assert.equal(computeHash(tricky, undefined, DAEMON_SET_TEMPLATE_ENCODING), '95d69c5d8');
  assert.equal(computeHash(tricky, 3, DAEMON_SET_TEMPLATE_ENCODING), '76bc565f9');
});

test('the Deployment encoding hashes a null member as an absent one (kubectl rollout undo sends creationTimestamp: null)', () => {
  const { creationTimestamp: _c, ...metadata } = tricky.metadata;
  assert.equal(computeHash({ ...tricky, metadata }, undefined, DEPLOYMENT_TEMPLATE_ENCODING), computeHash(tricky, undefined, DEPLOYMENT_TEMPLATE_ENCODING));
});
