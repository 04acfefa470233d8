import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './meta.ts';
import {
  compileFieldSelector,
  convertFieldSelector,
  escapeFieldValue,
  fieldRequiresExactMatch,
  fieldSelectorMatcher,
  fieldSelectorToString,
  fieldsFor,
  FieldSelectorError,
  matchesFields,
  parseFieldSelector,
  UnsupportedFieldLabelError,
} from './fields.ts';

describe('parseFieldSelector', () => {
  const cases: [string, { field: string; operator: string; value: string }[]][] = [
    ['', []],
    ['a=b', [{ field: 'a', operator: '=', value: 'b' }]],
    ['a==b', [{ field: 'a', operator: '==', value: 'b' }]],
    ['a!=b', [{ field: 'a', operator: '!=', value: 'b' }]],
    ['a=', [{ field: 'a', operator: '=', value: '' }]],
    [
      'c=d,a=b',
      [
        { field: 'a', operator: '=', value: 'b' },
        { field: 'c', operator: '=', value: 'd' },
      ],
    ],
    ['a=b\\,c', [{ field: 'a', operator: '=', value: 'b,c' }]],
    ['a=b\\=c', [{ field: 'a', operator: '=', value: 'b=c' }]],
    ['a=b\\\\c', [{ field: 'a', operator: '=', value: 'b\\c' }]],
    ['spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed', [
      { field: 'spec.nodeName', operator: '=', value: 'n1' },
      { field: 'status.phase', operator: '!=', value: 'Failed' },
      { field: 'status.phase', operator: '!=', value: 'Succeeded' },
    ]],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(parseFieldSelector(input).requirements, want));
  }

  const errors: [string, string][] = [
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: ='],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of errors) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseFieldSelector(input), (e: unknown) => e instanceof FieldSelectorError && e.message === message);
    });
  }

  it('escapes on print so the string parses back', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b');
    assert.equal(fieldSelectorToString(sel), 'metadata.name=a\\,b');
    assert.equal(escapeFieldValue('x=y\\z'), 'x\\=y\\\\z');
  });
});

const pod = (over: Record<string, unknown> = {}): KubeObject =>
  ({
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', containers: [] },
    status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], podIP: '10.0.0.5' },
    ...over,
  }) as KubeObject;

describe('fieldsFor', () => {
  it('pods', () => {
    assert.deepEqual(fieldsFor('pods', pod()), {
      'metadata.name': 'web',
      'metadata.namespace': 'default',
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'false',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.5',
      'status.nominatedNodeName': '',
    });
  });
  it('nodes and namespaces', () => {
    assert.deepEqual(fieldsFor('nodes', { metadata: { name: 'n1' }, spec: { unschedulable: true } } as KubeObject), {
      'metadata.name': 'n1',
      'spec.unschedulable': 'true',
    });
    assert.deepEqual(fieldsFor('namespaces', { metadata: { name: 'ns' }, status: { phase: 'Active' } } as KubeObject), {
      'metadata.name': 'ns',
      'status.phase': 'Active',
    });
  });
  it('events fall back to reportingComponent for source', () => {
    const ev = {
      metadata: { name: 'e', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' },
      reason: 'Scheduled',
      type: 'Normal',
      reportingComponent: 'default-scheduler',
    } as unknown as KubeObject;
    const f = fieldsFor('events', ev);
    assert.equal(f['involvedObject.uid'], 'u1');
    assert.equal(f.source, 'default-scheduler');
    assert.equal(f.reportingComponent, 'default-scheduler');
    assert.equal(f['involvedObject.fieldPath'], '');
  });
  it('leases and unknown resources expose only metadata', () => {
    assert.deepEqual(fieldsFor('leases', { metadata: { name: 'n1', namespace: 'kube-node-lease' } } as KubeObject), {
      'metadata.name': 'n1',
      'metadata.namespace': 'kube-node-lease',
    });
  });
});

describe('convertFieldSelector / matching', () => {
  it('accepts supported labels and maps spec.host', () => {
    const sel = convertFieldSelector('pods', parseFieldSelector('spec.host=n1'));
    assert.equal(sel.requirements[0]!.field, 'spec.nodeName');
  });
  it('rejects unsupported labels with kube text', () => {
    const cases: [string, string, string][] = [
      ['pods', 'foo=bar', 'field label not supported: foo'],
      ['nodes', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
      ['events', 'count=1', 'field label not supported: count'],
      ['leases', 'spec.holderIdentity=x', '"spec.holderIdentity" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ];
    for (const [resource, input, message] of cases) {
      assert.throws(() => convertFieldSelector(resource, parseFieldSelector(input)), (e: unknown) => {
        assert.ok(e instanceof UnsupportedFieldLabelError);
        assert.equal(e.code, 400);
        assert.equal(e.message, message);
        return true;
      });
    }
  });
  it('describe-node style selector matches non-terminal pods on the node', () => {
    const match = compileFieldSelector('pods', 'spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed');
    assert.equal(match(pod()), true);
    assert.equal(match(pod({ status: { phase: 'Succeeded' } })), false);
    assert.equal(match(pod({ spec: { nodeName: 'n2' } })), false);
  });
  it('missing fields read as empty strings', () => {
    assert.equal(matchesFields(parseFieldSelector('a='), {}), true);
    assert.equal(matchesFields(parseFieldSelector('a!='), {}), false);
    const m = fieldSelectorMatcher(parseFieldSelector('metadata.name=web'), (o: KubeObject) => fieldsFor('pods', o));
    assert.equal(m(pod()), true);
    assert.equal(fieldRequiresExactMatch(parseFieldSelector('metadata.name=web'), 'metadata.name'), 'web');
    assert.equal(fieldRequiresExactMatch(parseFieldSelector('metadata.name!=web'), 'metadata.name'), undefined);
  });
});
