import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeErrorMessage,
  decodeFailureMessage,
  findUnknownFields,
  precompileSchemaValidators,
  pruneUnknownFields,
  strictDecodingMessage,
  validateAgainstSchema,
} from './schema-validator.ts';

const pod = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec, ...extra });
const render = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('validateAgainstSchema', () => {
  it('every served kind compiles under ajv strict mode', () => precompileSchemaValidators());

  it('accepts the kubectl run body (creationTimestamp null, status {})', () => {
    const body = JSON.parse(
      '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"run":"web"}},"spec":{"containers":[{"name":"web","image":"busybox","args":["sleep","3600"],"resources":{}}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst"},"status":{}}',
    );
    assert.deepEqual(validateAgainstSchema('Pod', body), []);
  });

  const cases: [string, unknown, string[]][] = [
    [
      'string containerPort',
      pod({ containers: [{ name: 'c', ports: [{ containerPort: 'abc' }] }] }),
      ['spec.containers[0].ports[0].containerPort: Invalid value: "string": spec.containers[0].ports[0].containerPort in body must be of type integer: "string"'],
    ],
    ['fractional integer', pod({ containers: [], terminationGracePeriodSeconds: 1.5 }), ['spec.terminationGracePeriodSeconds: Invalid value: "number": spec.terminationGracePeriodSeconds in body must be of type integer: "number"']],
    [
      'label value must be a string (map key in brackets)',
      { metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 1 } } },
      ['metadata.labels[app.kubernetes.io/name]: Invalid value: "integer": metadata.labels[app.kubernetes.io/name] in body must be of type string: "integer"'],
    ],
    ['containers must be a list', pod({ containers: {} }), ['spec.containers: Invalid value: "object": spec.containers in body must be of type array: "object"']],
    ['int-or-string', pod({ containers: [{ name: 'c', livenessProbe: { httpGet: { port: true } } }] }), [
      'spec.containers[0].livenessProbe.httpGet.port: Invalid value: "boolean": spec.containers[0].livenessProbe.httpGet.port in body must be of type integer,string: "boolean"',
    ]],
    ['quantities accept numbers and strings', pod({ containers: [{ name: 'c', resources: { limits: { cpu: 1, memory: '1Gi' } } }] }), []],
    ['null is accepted anywhere', pod({ containers: [{ name: 'c', ports: null, env: [{ name: 'A', value: null }] }], nodeSelector: null }), []],
    ['required fields are left to validation', pod({}), []],
  ];
  for (const [name, obj, want] of cases) it(name, () => assert.deepEqual(render(validateAgainstSchema('Pod', obj)), want));

  it('validates coordination kinds and definitions by name', () => {
    assert.deepEqual(validateAgainstSchema('Lease', { metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } }), []);
    assert.equal(validateAgainstSchema('io.k8s.api.coordination.v1.LeaseSpec', { leaseDurationSeconds: '40' }).length, 1);
    assert.throws(() => validateAgainstSchema('Nope', {}), /no schema for kind "Nope"/);
  });
});

describe('findUnknownFields', () => {
  it('reports unknown fields with kube paths, including metadata and status', () => {
    const obj = pod(
      { containers: [{ name: 'c', image: 'x', imagePullPolcy: 'Always', resources: { limits: { 'example.com/gpu': '1' } } }], foo: 1, nodeSelector: { any: 'key' } },
      { metadata: { name: 'web', labels: { a: 'b' }, annotations: { 'x/y': 'z' }, bogus: true }, status: { phase: 'Running', nope: 1 }, extra: 1 },
    );
    assert.deepEqual(findUnknownFields('Pod', obj), ['metadata.bogus', 'spec.containers[0].imagePullPolcy', 'spec.foo', 'status.nope', 'extra']);
  });
  it('nothing for a clean object; free-form objects accept anything', () => {
    assert.deepEqual(findUnknownFields('Pod', pod({ containers: [{ name: 'c' }] })), []);
    assert.deepEqual(findUnknownFields('Pod', { metadata: { name: 'x', managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': { '.': {} } } }] } }), []);
  });
  it('pruneUnknownFields deletes exactly the reported fields, keeping map keys and free-form objects', () => {
    const obj = pod(
      { containers: [{ name: 'c', image: 'x', imagePullPolcy: 'Always', resources: { limits: { 'example.com/gpu': '1' } } }], foo: 1, nodeSelector: { any: 'key' } },
      { metadata: { name: 'web', labels: { a: 'b' }, bogus: true, managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] }, status: { phase: 'Running', nope: 1 }, extra: 1 },
    );
    pruneUnknownFields('Pod', obj);
    assert.deepEqual(findUnknownFields('Pod', obj), []);
    assert.deepEqual(obj, pod(
      { containers: [{ name: 'c', image: 'x', resources: { limits: { 'example.com/gpu': '1' } } }], nodeSelector: { any: 'key' } },
      { metadata: { name: 'web', labels: { a: 'b' }, managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] }, status: { phase: 'Running' } },
    ));
  });
  it('formats the strict decoding error', () => {
    assert.equal(
      decodeFailureMessage('Pod', 'v1', strictDecodingMessage(['spec.foo', 'spec.bar'])),
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    );
  });
});

describe('decodeErrorMessage (built-in kinds answer 400)', () => {
  const cases: [string, string, unknown, string | undefined, string?][] = [
    ['clean body', 'Pod', pod({ containers: [{ name: 'c' }] }), undefined],
    [
      'label number',
      'Pod',
      { metadata: { name: 'x', labels: { a: 1 } } },
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    ],
    [
      'container port string',
      'Pod',
      pod({ containers: [{ name: 'c', ports: [{ containerPort: '80' }] }] }),
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    ],
    [
      'args element',
      'Pod',
      pod({ containers: [{ name: 'c', args: [1] }] }),
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string',
    ],
    ['spec is a string', 'Pod', pod('x' as unknown as Record<string, unknown>), 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec'],
    [
      'bad quantity',
      'Pod',
      pod({ containers: [{ name: 'c', resources: { requests: { cpu: 'two' } } }] }),
      `Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ],
    [
      'secret data value not a string',
      'Secret',
      { metadata: { name: 's' }, data: { a: 1 } },
      'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.data of type []uint8',
    ],
    [
      'lease fractional duration',
      'Lease',
      { metadata: { name: 'n1' }, spec: { leaseDurationSeconds: 1.5 } },
      'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number 1.5 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
      'coordination.k8s.io/v1',
    ],
  ];
  for (const [name, kind, obj, want, apiVersion] of cases) {
    it(name, () => {
      const detail = decodeErrorMessage(kind, obj, apiVersion);
      assert.equal(detail === undefined ? undefined : decodeFailureMessage(kind, 'v1', detail), want);
    });
  }
});
