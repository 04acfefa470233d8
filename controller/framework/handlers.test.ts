import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import { DeletedFinalStateUnknown } from '../../shared/cache/store.ts';
import { enqueueHandler, isResyncUpdate } from './handlers.ts';

const pod = (name: string, rv: string, node?: string): KubeObject => ({
  kind: 'Pod',
  metadata: { name, namespace: 'default', resourceVersion: rv },
  spec: node ? { nodeName: node } : {},
});
const nodeOf = (o: KubeObject) => (o['spec'] as { nodeName?: string }).nodeName;

test('adds, updates and deletes enqueue ns/name; a resync update (same resourceVersion) does not', () => {
  const keys: string[] = [];
  const h = enqueueHandler((k) => keys.push(k));
  h.onAdd?.(pod('a', '1'), true);
  h.onUpdate?.(pod('a', '1'), pod('a', '1'));
  h.onUpdate?.(pod('a', '1'), pod('a', '2'));
  h.onDelete?.(pod('a', '2'));
  h.onDelete?.(new DeletedFinalStateUnknown('default/b', pod('b', '3')));
  h.onAdd?.({ kind: 'Node', metadata: { name: 'n1', resourceVersion: '4' } }, false);
  assert.deepEqual(keys, ['default/a', 'default/a', 'default/a', 'default/b', 'n1']);
  assert.equal(isResyncUpdate(pod('a', '1'), pod('a', '1')), true);
  assert.equal(isResyncUpdate(pod('a', ''), pod('a', '')), false, 'objects without a resourceVersion are never taken as resyncs');
});

test('keysOf maps objects to other keys; an object that moved wakes both its old and new key', () => {
  const keys: string[] = [];
  const h = enqueueHandler((k) => keys.push(k), { keysOf: (o) => (nodeOf(o) ? [nodeOf(o) as string] : []) });
  h.onAdd?.(pod('a', '1'), false);
  h.onAdd?.(pod('b', '1', 'n1'), false);
  h.onUpdate?.(pod('b', '1', 'n1'), pod('b', '2', 'n2'));
  assert.deepEqual(keys.sort(), ['n1', 'n1', 'n2']);
});

test('filter and updateMatters drop changes that cannot matter', () => {
  const keys: string[] = [];
  const h = enqueueHandler((k) => keys.push(k), {
    filter: (o) => o.metadata.name !== 'ignored',
    updateMatters: (a, b) => nodeOf(a) !== nodeOf(b),
  });
  h.onAdd?.(pod('ignored', '1'), false);
  h.onUpdate?.(pod('a', '1', 'n1'), pod('a', '2', 'n1'));
  h.onUpdate?.(pod('a', '2', 'n1'), pod('a', '3', 'n2'));
  h.onDelete?.(pod('ignored', '4'));
  assert.deepEqual(keys, ['default/a']);
});
