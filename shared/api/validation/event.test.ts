import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateEvent, validateEventUpdate } from './event.ts';

const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

const ev = (over: Record<string, unknown> = {}) => ({
  metadata: { name: 'web.17a', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
  reason: 'Scheduled',
  type: 'Normal',
  ...over,
});

describe('validateEvent (core/v1 legacy rules)', () => {
  it('accepts a classic event', () => assert.deepEqual(validateEvent(ev()), []));
  it('cluster-scoped objects may log to default', () => {
    assert.deepEqual(validateEvent(ev({ involvedObject: { kind: 'Node', name: 'n1' } })), []);
  });
  it('namespaces must agree', () => {
    assert.deepEqual(render(validateEvent(ev({ involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' } }))), [
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]);
  });
  it('events with eventTime need the reporting fields', () => {
    assert.deepEqual(render(validateEvent(ev({ eventTime: '2024-01-01T00:00:00.000000Z', reason: '' }))), [
      'reportingController: Required value',
      // kube also runs the qualified-name check on the empty string
      'reportingController: Invalid value: "": name part must be non-empty',
      `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Required value',
    ]);
  });
  it('name is required by the generic metadata pass', () => {
    assert.deepEqual(render(validateEvent(ev({ metadata: { namespace: 'default' } }))), ['metadata.name: Required value: name or generateName is required']);
  });
  it('update needs a resourceVersion and keeps the name', () => {
    const old = ev({ metadata: { name: 'e', namespace: 'default', resourceVersion: '1' } });
    assert.deepEqual(validateEventUpdate({ ...old, count: 2 }, old), []);
    assert.deepEqual(render(validateEventUpdate(ev({ metadata: { name: 'f', namespace: 'default', resourceVersion: '1' } }), old)), [
      'metadata.name: Invalid value: "f": field is immutable',
    ]);
  });
});
