/**
 * Error output, character for character what kubectl prints against Kubernetes 1.32: NotFound, AlreadyExists,
 * Conflict, Invalid with one and with several causes, BadRequest for strict decoding and type errors,
 * Forbidden from namespace admission. kubectl builds these lines from the Status the server sends (reason,
 * message, details.kind/name/causes), so each one checks that Status end to end.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podObject, podYaml, startKubectlEnv, type KubectlEnv } from '../framework/kubectl.ts';

let env: KubectlEnv;

before(async () => {
  env = await startKubectlEnv();
});
after(async () => {
  await env?.close();
});

const RFC1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const RFC1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('kubectl error output', () => {
  it('NotFound', async () => {
    const ns = await env.namespace('err');
    const k = env.kubectl.ns(ns);
    assert.equal((await k.fail(['get', 'pod', 'x'])).stderr, 'Error from server (NotFound): pods "x" not found\n');
    assert.equal((await k.fail(['delete', 'pod', 'x'])).stderr, 'Error from server (NotFound): pods "x" not found\n');
    assert.equal((await k.fail(['get', 'lease', 'x'])).stderr, 'Error from server (NotFound): leases.coordination.k8s.io "x" not found\n');
    assert.equal((await env.kubectl.fail(['get', 'namespace', 'nope-ns'])).stderr, 'Error from server (NotFound): namespaces "nope-ns" not found\n');
    // Creating in a namespace that does not exist.
    assert.equal((await env.kubectl.ns('nope-ns').fail(['run', 'x', '--image=busybox'])).stderr, 'Error from server (NotFound): namespaces "nope-ns" not found\n');
  });

  it('AlreadyExists names the file', async () => {
    const ns = await env.namespace('err-ae');
    const k = env.kubectl.ns(ns);
    env.write('pod.yaml', podYaml('web'));
    assert.equal(await k.ok(['create', '-f', 'pod.yaml']), 'pod/web created\n');
    const r = await k.fail(['create', '-f', 'pod.yaml']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'Error from server (AlreadyExists): error when creating "pod.yaml": pods "web" already exists\n');
    const stdin = await k.fail(['create', '-f', '-'], { stdin: podYaml('web') });
    assert.equal(stdin.stderr, 'Error from server (AlreadyExists): error when creating "STDIN": pods "web" already exists\n');
    // kubectl create namespace sends protobuf (the typed clientset's content type).
    const ns2 = await k.fail(['create', 'namespace', ns]);
    assert.equal(ns2.stderr, `Error from server (AlreadyExists): namespaces "${ns}" already exists\n`);
  });

  it('Conflict on a stale resourceVersion', async () => {
    const ns = await env.namespace('err-cf');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web'));
    const r = await k.fail(['annotate', 'pod', 'web', 'a=b', '--resource-version=1']);
    assert.equal(r.stderr, 'Error from server (Conflict): Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again\n');
    const put = await env.api.request('PUT', `/api/v1/namespaces/${ns}/pods/web`, { ...podObject('web'), metadata: { name: 'web', resourceVersion: '1' } });
    assert.equal(put.status, 409);
    assert.deepEqual(put.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'web', kind: 'pods' },
      code: 409,
    });
  });

  it('Invalid with one cause and with several causes', async () => {
    const ns = await env.namespace('err-inv');
    const k = env.kubectl.ns(ns);
    env.write('one.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n');
    const one = await k.fail(['create', '-f', 'one.yaml']);
    assert.equal(one.stdout, '');
    assert.equal(one.stderr, 'The Pod "x" is invalid: spec.containers[0].image: Required value\n');
    env.write('many.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - name: C_bad\n');
    const many = await k.fail(['create', '-f', 'many.yaml']);
    assert.equal(
      many.stderr,
      'The Pod "x" is invalid: \n' +
        `* spec.containers[0].name: Invalid value: "C_bad": ${RFC1123_LABEL}\n` +
        '* spec.containers[0].image: Required value\n' +
        '* spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"\n',
    );
    const apply = await k.fail(['apply', '-f', 'one.yaml']);
    assert.equal(apply.stderr, 'The Pod "x" is invalid: spec.containers[0].image: Required value\n');
    const badName = await k.fail(['run', 'Bad_Name', '--image=busybox']);
    // kubectl run names the container after the pod: two causes.
    assert.equal(
      badName.stderr,
      `The Pod "Bad_Name" is invalid: \n* metadata.name: Invalid value: "Bad_Name": ${RFC1123_SUBDOMAIN}\n* spec.containers[0].name: Invalid value: "Bad_Name": ${RFC1123_LABEL}\n`,
    );
    // An update the pod strategy refuses.
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web'));
    const upd = await k.fail(['patch', 'pod', 'web', '--type=merge', '-p', '{"spec":{"containers":[{"name":"main","image":""}]}}']);
    assert.equal(upd.stderr, 'The Pod "web" is invalid: spec.containers[0].image: Required value\n');
    const dl = await k.fail(['label', 'pod', 'web', 'bad key=x']);
    assert.equal(
      dl.stderr,
      `The Pod "web" is invalid: metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')\n`,
    );
    const lbl = await k.fail(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"a":"-bad-"}}}']);
    assert.equal(
      lbl.stderr,
      `The Pod "web" is invalid: metadata.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n`,
    );
  });

  it('BadRequest: strict decoding of unknown fields, and type errors', async () => {
    const ns = await env.namespace('err-br');
    const k = env.kubectl.ns(ns);
    env.write('strict.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  foo: 1\n  containers:\n  - name: c\n    image: busybox\n');
    const create = await k.fail(['create', '-f', 'strict.yaml']);
    assert.equal(create.stderr, 'Error from server (BadRequest): error when creating "strict.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"\n');
    const apply = await k.fail(['apply', '-f', 'strict.yaml']);
    assert.equal(apply.stderr, 'Error from server (BadRequest): error when creating "strict.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"\n');
    env.write('strict2.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  foo: 1\n  containers:\n  - name: c\n    image: busybox\n    bar: 2\n');
    const two = await k.fail(['create', '-f', 'strict2.yaml']);
    assert.equal(two.stderr, 'Error from server (BadRequest): error when creating "strict2.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].bar", unknown field "spec.foo"\n');
    // --validate=false: fieldValidation=Ignore, the unknown field is dropped.
    assert.equal(await k.ok(['create', '-f', 'strict.yaml', '--validate=false']), 'pod/x created\n');
    const stored = await env.api.get(`/api/v1/namespaces/${ns}/pods/x`);
    assert.equal(stored.spec.foo, undefined);
    // --validate=warn: created with a warning.
    await k.ok(['delete', 'pod', 'x']);
    const warn = await k.run(['create', '-f', 'strict.yaml', '--validate=warn']);
    assert.equal(warn.code, 0);
    assert.equal(warn.stdout, 'pod/x created\n');
    assert.equal(warn.stderr, 'Warning: unknown field "spec.foo"\n');
    env.write('type.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: typed\nspec:\n  activeDeadlineSeconds: abc\n  containers:\n  - name: c\n    image: busybox\n');
    const type = await k.fail(['create', '-f', 'type.yaml']);
    assert.equal(type.stderr, 'Error from server (BadRequest): error when creating "type.yaml": Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64\n');
  });

  it('Forbidden: namespace admission', async () => {
    const r = await env.kubectl.fail(['delete', 'namespace', 'kube-system']);
    assert.equal(r.stderr, 'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted\n');
  });
});
