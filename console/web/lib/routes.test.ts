import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRoute, parseRoute, podHref } from './routes.ts';

test('the cluster page is the empty hash, # and #/', () => {
  for (const h of ['', '#', '#/', '/']) assert.deepEqual(parseRoute(h), { page: 'cluster' }, h);
});

test('pod pages carry namespace and name, URI-decoded; a trailing slash is accepted', () => {
  assert.deepEqual(parseRoute('#/pods/default/web-1'), { page: 'pod', namespace: 'default', name: 'web-1' });
  assert.deepEqual(parseRoute('#/pods/kube-system/coredns-abc/'), { page: 'pod', namespace: 'kube-system', name: 'coredns-abc' });
  assert.deepEqual(parseRoute('#/pods/a%2Fb/c%20d'), { page: 'pod', namespace: 'a/b', name: 'c d' });
});

test('events page; anything else is not-found with its path', () => {
  assert.deepEqual(parseRoute('#/events'), { page: 'events' });
  assert.deepEqual(parseRoute('#/pods/default'), { page: 'not-found', path: '/pods/default' });
  assert.deepEqual(parseRoute('#/pods/default/a/b'), { page: 'not-found', path: '/pods/default/a/b' });
  assert.deepEqual(parseRoute('#/nodes'), { page: 'not-found', path: '/nodes' });
  assert.deepEqual(parseRoute('#/pods/%E0%A4%A/x'), { page: 'not-found', path: '/pods/%E0%A4%A/x' }, 'bad escapes do not throw');
});

test('formatRoute is parseRoute inverted', () => {
  for (const r of [
    { page: 'cluster' as const },
    { page: 'events' as const },
    { page: 'pod' as const, namespace: 'default', name: 'web-1' },
    { page: 'pod' as const, namespace: 'a/b', name: 'c d#e' },
  ]) {
    assert.deepEqual(parseRoute(formatRoute(r)), r);
  }
  assert.equal(podHref('default', 'web-1'), '#/pods/default/web-1');
});
