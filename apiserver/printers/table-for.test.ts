import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import { StatusError } from '../../shared/errors/status-error.ts';
import { parseIncludeObject, printerFor, tableFor, watchEventTable, watchTableConverter } from './table-for.ts';

const NOW = Date.parse('2025-01-01T12:00:00Z');

const web: KubeObject = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: 'u-1',
    resourceVersion: '134',
    creationTimestamp: '2025-01-01T11:59:54Z',
    labels: { app: 'web' },
    managedFields: [{ manager: 'kubectl-run', operation: 'Update', apiVersion: 'v1' }],
  },
  spec: { containers: [{ name: 'web', image: 'nginx' }], nodeName: 'n1' },
  status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }] },
};

test('a list of pods: kind, apiVersion, list metadata, nine columns, one row with PartialObjectMetadata', () => {
  const t = tableFor('pods', [web], { includeObject: 'Metadata', now: NOW, listMeta: { resourceVersion: '140', continue: 'abc', remainingItemCount: 3 } });
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '140', continue: 'abc', remainingItemCount: 3 });
  assert.deepEqual(
    t.columnDefinitions?.map((c) => c.name),
    ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
  );
  assert.equal(t.rows.length, 1);
  assert.deepEqual(t.rows[0]!.cells, ['web', '1/1', 'Running', '0', '6s', '10.244.0.5', 'n1', '<none>', '<none>']);
  assert.deepEqual(t.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: web.metadata });
  // Go field order of every structure on the wire.
  assert.deepEqual(Object.keys(t), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
  assert.deepEqual(Object.keys(t.rows[0]!), ['cells', 'object']);
  assert.deepEqual(Object.keys(t.columnDefinitions![0]!), ['name', 'type', 'format', 'description', 'priority']);
});

test('list metadata: empty values are omitted, remainingItemCount 0 is kept; a single object carries its resourceVersion', () => {
  assert.deepEqual(tableFor('pods', [], { includeObject: 'Metadata', now: NOW, listMeta: { resourceVersion: '7', continue: '' } }).metadata, { resourceVersion: '7' });
  assert.deepEqual(tableFor('pods', [], { includeObject: 'Metadata', now: NOW, listMeta: { remainingItemCount: 0 } }).metadata, { remainingItemCount: 0 });
  const empty = tableFor('pods', [], { includeObject: 'Metadata', now: NOW, listMeta: {} });
  assert.deepEqual(empty.metadata, {});
  assert.deepEqual(empty.rows, []);
  assert.deepEqual(tableFor('pods', [web], { includeObject: 'Metadata', now: NOW }).metadata, { resourceVersion: '134' });
});

test('includeObject Object, None, and v1beta1 tables', () => {
  const stripped: KubeObject = { metadata: web.metadata, spec: web.spec, status: web.status };
  const full = tableFor('pods', [stripped], { includeObject: 'Object', now: NOW });
  assert.deepEqual(full.rows[0]!.object, { ...stripped, kind: 'Pod', apiVersion: 'v1' });
  assert.equal(tableFor('pods', [web], { includeObject: 'Object', now: NOW }).rows[0]!.object, web);

  const none = tableFor('pods', [web], { includeObject: 'None', now: NOW });
  assert.equal(none.rows[0]!.object, null);
  assert.match(JSON.stringify(none), /"object":null/);

  const beta = tableFor('pods', [web], { includeObject: 'Metadata', now: NOW, tableVersion: 'v1beta1' });
  assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
  assert.equal((beta.rows[0]!.object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');

  // PartialObjectMetadata writes an unset creationTimestamp as null, like Go.
  const noTs: KubeObject = { metadata: { name: 'x', namespace: 'default' } };
  assert.deepEqual(tableFor('pods', [noTs], { includeObject: 'Metadata', now: NOW }).rows[0]!.object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { name: 'x', namespace: 'default', creationTimestamp: null },
  });
  assert.equal(noTs.metadata.creationTimestamp, undefined, 'the stored object is not mutated');
});

test('finished pods carry row conditions between cells and object', () => {
  const done: KubeObject = { ...web, status: { phase: 'Succeeded', containerStatuses: [{ name: 'web', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } };
  const row = tableFor('pods', [done], { includeObject: 'None', now: NOW }).rows[0]!;
  assert.deepEqual(Object.keys(row), ['cells', 'conditions', 'object']);
  assert.equal(row.cells[2], 'Completed');
  assert.equal(row.conditions?.[0]?.reason, 'Succeeded');
});

test('printer selection: qualified and bare resource names, the default Name/Created At table', () => {
  const lease: KubeObject = { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'n1', creationTimestamp: '2025-01-01T11:00:00Z' }, spec: { holderIdentity: 'n1' } };
  assert.deepEqual(tableFor('leases.coordination.k8s.io', [lease], { includeObject: 'None', now: NOW }).rows[0]!.cells, ['n1', 'n1', '60m']);
  assert.deepEqual(tableFor('leases', [lease], { includeObject: 'None', now: NOW }).rows[0]!.cells, ['n1', 'n1', '60m']);
  assert.equal(printerFor('events'), printerFor('events', ''));
  assert.notEqual(printerFor('events', 'events.k8s.io'), printerFor('events', ''));

  const binding: KubeObject = { kind: 'Binding', apiVersion: 'v1', metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T11:58:07.250Z' } };
  const t = tableFor('bindings', [binding, { metadata: { name: 'b2' } }], { includeObject: 'None', now: NOW, listMeta: { resourceVersion: '9' } });
  assert.deepEqual(
    t.columnDefinitions?.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Created At', 'date', '', 0],
    ],
  );
  assert.deepEqual(t.rows.map((r) => r.cells), [
    ['web', '2025-01-01T11:58:07Z'],
    ['b2', '0001-01-01T00:00:00Z'],
  ]);
  assert.deepEqual(tableFor('widgets.example.com', [binding], { includeObject: 'None', now: NOW }).rows[0]!.cells, ['web', '2025-01-01T11:58:07Z']);
});

test('watch events: one row each; upstream sends column definitions only with the first event', () => {
  const first = watchEventTable('pods', web, { includeObject: 'Metadata', now: NOW, withHeaders: true });
  assert.equal(first.rows.length, 1);
  assert.equal(first.columnDefinitions?.length, 9);
  assert.deepEqual(first.metadata, { resourceVersion: '134' });
  const later = watchEventTable('pods', web, { includeObject: 'Metadata', now: NOW, withHeaders: false });
  assert.equal(later.columnDefinitions, null);
  assert.match(JSON.stringify(later), /"columnDefinitions":null/);

  let clock = NOW;
  const convert = watchTableConverter('pods', { includeObject: 'None', now: () => clock });
  const a = convert(web);
  clock += 60_000;
  const b = convert({ ...web, metadata: { ...web.metadata, resourceVersion: '135' } });
  assert.equal(a.columnDefinitions?.length, 9);
  assert.equal(b.columnDefinitions, null);
  assert.equal(a.rows[0]!.cells[4], '6s');
  assert.equal(b.rows[0]!.cells[4], '66s');
  assert.deepEqual(b.metadata, { resourceVersion: '135' });
});

test('parseIncludeObject', () => {
  assert.equal(parseIncludeObject(undefined), 'Metadata');
  assert.equal(parseIncludeObject(null), 'Metadata');
  assert.equal(parseIncludeObject(''), 'Metadata');
  assert.equal(parseIncludeObject('Metadata'), 'Metadata');
  assert.equal(parseIncludeObject('Object'), 'Object');
  assert.equal(parseIncludeObject('None'), 'None');
  assert.throws(
    () => parseIncludeObject('object'),
    (e: unknown) => e instanceof StatusError && e.code === 400 && e.status.message === 'unrecognized includeObject value: "object"',
  );
});
