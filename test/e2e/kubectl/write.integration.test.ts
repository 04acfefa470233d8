/**
 * kubectl writes end to end: create, run, apply (client-side and a basic server-side create), label,
 * annotate, patch (strategic, merge, json, status subresource), replace, delete (immediate, graceful with a
 * simulated node agent, --grace-period, --force, --all, -l, -f), deletecollection, and --dry-run=server on
 * every verb. The printed lines are kubectl's against Kubernetes 1.32 for the same requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { eventually, podObject, podYaml, startKubectlEnv, timestamp, withoutKlog, type KubectlEnv } from '../framework/kubectl.ts';

let env: KubectlEnv;

before(async () => {
  env = await startKubectlEnv();
  await env.api.createNode('write-n1', { internalIP: '10.0.1.1' });
});
after(async () => {
  await env?.close();
});

const podPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;

async function exists(ns: string, name: string): Promise<boolean> {
  const r = await env.api.request('GET', podPath(ns, name));
  if (r.status !== 200 && r.status !== 404) assert.fail(`GET ${podPath(ns, name)}: ${r.status} ${r.text}`);
  return r.status === 200;
}

describe('kubectl create and run', () => {
  it('create -f from a file, from stdin, and a multi-document file', async () => {
    const ns = await env.namespace('create');
    const k = env.kubectl.ns(ns);
    const f = env.write(`${ns}/pod.yaml`, podYaml('web', { labels: { app: 'web' } }));
    assert.equal(await k.ok(['create', '-f', f]), 'pod/web created\n');
    const pod = await env.api.get(podPath(ns, 'web'));
    assert.equal(pod.metadata.labels.app, 'web');
    assert.equal(pod.spec.containers[0].image, 'nginx:1.27');
    assert.ok(pod.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl-create' && m.operation === 'Update'), 'fieldManager=kubectl-create recorded');
    assert.equal(await k.ok(['create', '-f', '-'], { stdin: podYaml('from-stdin') }), 'pod/from-stdin created\n');
    const multi = env.write(`${ns}/multi.yaml`, `${podYaml('m1')}---\n${podYaml('m2')}`);
    assert.equal(await k.ok(['create', '-f', multi]), 'pod/m1 created\npod/m2 created\n');
    const dup = await k.fail(['create', '-f', f, '--dry-run=server']);
    assert.equal(dup.stderr, `Error from server (AlreadyExists): error when creating "${f}": pods "web" already exists\n`, 'a dry-run create of an existing pod still conflicts');
  });

  it('run web --image=busybox -- sleep 3600 sends the pod kubectl builds; --restart=Never; flags', async () => {
    const ns = await env.namespace('run');
    const k = env.kubectl.ns(ns);
    assert.equal(await k.ok(['run', 'web', '--image=busybox', '--', 'sleep', '3600']), 'pod/web created\n');
    const web = await env.api.get(podPath(ns, 'web'));
    assert.deepEqual(web.metadata.labels, { run: 'web' });
    assert.deepEqual(web.spec.containers[0].args, ['sleep', '3600']);
    assert.equal(web.spec.containers[0].command, undefined);
    assert.equal(web.spec.restartPolicy, 'Always');
    assert.equal(web.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(web.status.phase, 'Pending');

    assert.equal(await k.ok(['run', 'once', '--image=busybox', '--restart=Never', '--command', '--', 'echo', 'hi']), 'pod/once created\n');
    const once = await env.api.get(podPath(ns, 'once'));
    assert.equal(once.spec.restartPolicy, 'Never');
    assert.deepEqual(once.spec.containers[0].command, ['echo', 'hi']);

    assert.equal(await k.ok(['run', 'flags', '--image=nginx:1.27', '--labels=app=f,tier=x', '--env=A=1', '--port=8080']), 'pod/flags created\n');
    const flags = await env.api.get(podPath(ns, 'flags'));
    assert.deepEqual(flags.metadata.labels, { app: 'f', tier: 'x' });
    assert.deepEqual(flags.spec.containers[0].env, [{ name: 'A', value: '1' }]);
    assert.deepEqual(flags.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);

    const again = await k.fail(['run', 'web', '--image=busybox']);
    assert.equal(again.stderr, 'Error from server (AlreadyExists): pods "web" already exists\n');
  });

  it('run --dry-run=server -o yaml prints the defaulted pod and persists nothing', async () => {
    const ns = await env.namespace('rundry');
    const k = env.kubectl.ns(ns);
    const out = parseYaml(await k.ok(['run', 'dry', '--image=busybox', '--dry-run=server', '-o', 'yaml', '--', 'sleep', '3600']));
    assert.equal(out.kind, 'Pod');
    assert.equal(out.metadata.name, 'dry');
    assert.equal(out.metadata.namespace, ns);
    assert.match(out.metadata.uid, /^[0-9a-f-]{36}$/, 'the server filled the uid');
    assert.ok(out.metadata.creationTimestamp, 'and the creation time');
    assert.equal(out.metadata.resourceVersion, undefined, 'a dry-run create has no resourceVersion');
    assert.equal(out.spec.containers[0].imagePullPolicy, 'Always', 'defaults applied (busybox is :latest)');
    assert.equal(out.spec.terminationGracePeriodSeconds, 30);
    assert.equal(out.status.phase, 'Pending');
    assert.equal(await k.ok(['run', 'dry2', '--image=busybox', '--dry-run=server']), 'pod/dry2 created (server dry run)\n');
    assert.equal(await exists(ns, 'dry'), false);
    assert.equal(await exists(ns, 'dry2'), false);
  });
});

describe('kubectl create <kind> (protobuf bodies from the typed clientset)', () => {
  it('create namespace and create service', async () => {
    const ns = `proto-${process.pid % 10000}`;
    assert.equal(await env.kubectl.ok(['create', 'namespace', ns]), `namespace/${ns} created\n`);
    const created = await env.api.get(`/api/v1/namespaces/${ns}`);
    assert.deepEqual(created.metadata.labels, { 'kubernetes.io/metadata.name': ns });
    assert.deepEqual(created.spec, { finalizers: ['kubernetes'] });
    assert.equal(created.status.phase, 'Active');
    const dry = parseYaml(await env.kubectl.ok(['create', 'namespace', `${ns}-dry`, '--dry-run=server', '-o', 'yaml']));
    assert.equal(dry.metadata.name, `${ns}-dry`);
    assert.equal((await env.api.request('GET', `/api/v1/namespaces/${ns}-dry`)).status, 404, 'a dry run persists nothing');

    const k = env.kubectl.ns(ns);
    assert.equal(await k.ok(['create', 'service', 'clusterip', 'web', '--tcp=80:8080']), 'service/web created\n');
    assert.equal(await k.ok(['create', 'service', 'nodeport', 'np', '--tcp=80:http', '--node-port=30081']), 'service/np created\n');
    assert.equal(await k.ok(['create', 'service', 'externalname', 'ext', '--external-name=example.com']), 'service/ext created\n');
    const web = await env.api.get(`/api/v1/namespaces/${ns}/services/web`);
    assert.deepEqual(web.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
    assert.deepEqual(web.spec.selector, { app: 'web' });
    assert.equal(web.spec.type, 'ClusterIP');
    const np = await env.api.get(`/api/v1/namespaces/${ns}/services/np`);
    assert.deepEqual(np.spec.ports, [{ name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30081 }]);
    const ext = await env.api.get(`/api/v1/namespaces/${ns}/services/ext`);
    assert.deepEqual([ext.spec.type, ext.spec.externalName], ['ExternalName', 'example.com']);
    const table = await k.ok(['get', 'services', 'ext', 'np']);
    assert.match(table, /^ext\s+ExternalName\s+<none>\s+example\.com\s+<none>\s+\S+\nnp\s+NodePort\s+10\.\S+\s+<none>\s+80:30081\/TCP\s+\S+\n$/m);
  });
});

describe('kubectl apply', () => {
  it('creates, leaves unchanged, configures a changed field and removes a removed field', async () => {
    const ns = await env.namespace('apply');
    const k = env.kubectl.ns(ns);
    const manifest = (image: string, labels: string, annotations: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  labels: {${labels}}\n  annotations: {${annotations}}\nspec:\n  containers:\n  - name: main\n    image: ${image}\n  activeDeadlineSeconds: 3600\n`;
    const f = env.write(`${ns}/app.yaml`, manifest('nginx:1.26', 'app: app, tier: fe', 'note: one'));
    assert.equal(await k.ok(['apply', '-f', f]), 'pod/app created\n');
    const created = await env.api.get(podPath(ns, 'app'));
    const lastApplied = JSON.parse(created.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(lastApplied.spec.containers[0].image, 'nginx:1.26');
    assert.equal(await k.ok(['apply', '-f', f]), 'pod/app unchanged\n');
    assert.equal((await env.api.get(podPath(ns, 'app'))).metadata.resourceVersion, created.metadata.resourceVersion, 'no write for an unchanged apply');

    env.write(`${ns}/app.yaml`, manifest('nginx:1.27', 'app: app', 'note: two'));
    assert.equal(await k.ok(['apply', '-f', f]), 'pod/app configured\n');
    const changed = await env.api.get(podPath(ns, 'app'));
    assert.equal(changed.spec.containers[0].image, 'nginx:1.27', 'changed field');
    assert.deepEqual(changed.metadata.labels, { app: 'app' }, 'removed label is gone');
    assert.equal(changed.metadata.annotations.note, 'two');
    assert.equal(changed.spec.activeDeadlineSeconds, 3600);
    assert.equal(changed.spec.containers[0].terminationMessagePath, '/dev/termination-log', 'server defaults survive the patch');

    // Removing a field the manifest had set (activeDeadlineSeconds may not be removed from a pod): 422.
    env.write(`${ns}/app.yaml`, manifest('nginx:1.27', 'app: app', 'note: two').replace('  activeDeadlineSeconds: 3600\n', ''));
    const removed = await k.fail(['apply', '-f', f]);
    assert.equal(removed.stderr, 'The Pod "app" is invalid: spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value\n');

    // --dry-run=server shows the outcome and changes nothing.
    env.write(`${ns}/app.yaml`, manifest('nginx:1.28', 'app: app', 'note: two'));
    assert.equal(await k.ok(['apply', '-f', f, '--dry-run=server']), 'pod/app configured (server dry run)\n');
    assert.equal((await env.api.get(podPath(ns, 'app'))).spec.containers[0].image, 'nginx:1.27');
    const dryNew = env.write(`${ns}/new.yaml`, podYaml('fresh'));
    assert.equal(await k.ok(['apply', '-f', dryNew, '--dry-run=server']), 'pod/fresh created (server dry run)\n');
    assert.equal(await exists(ns, 'fresh'), false);
  });

  it('apply on an object created without apply warns and patches the annotation in', async () => {
    const ns = await env.namespace('apply2');
    const k = env.kubectl.ns(ns);
    const f = env.write(`${ns}/pod.yaml`, podYaml('plain'));
    await k.ok(['create', '-f', f]);
    const r = await k.run(['apply', '-f', f]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'pod/plain configured\n');
    assert.equal(
      r.stderr,
      'Warning: resource pods/plain is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n',
    );
    assert.ok((await env.api.get(podPath(ns, 'plain'))).metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  });

  it('apply --server-side creates and re-applies', async () => {
    const ns = await env.namespace('ssa');
    const k = env.kubectl.ns(ns);
    const f = env.write(`${ns}/ssa.yaml`, podYaml('ssa', { labels: { app: 'ssa' } }));
    assert.equal(await k.ok(['apply', '--server-side', '-f', f]), 'pod/ssa serverside-applied\n');
    const pod = await env.api.get(podPath(ns, 'ssa'));
    assert.deepEqual(
      pod.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`),
      ['kubectl/Apply'],
    );
    assert.equal(pod.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined, 'server-side apply keeps no last-applied annotation');
    assert.equal(await k.ok(['apply', '--server-side', '-f', f]), 'pod/ssa serverside-applied\n');
    assert.equal(await k.ok(['apply', '--server-side', '-f', f, '--dry-run=server']), 'pod/ssa serverside-applied (server dry run)\n');
  });
});

describe('kubectl label and annotate', () => {
  it('adds, refuses without --overwrite, overwrites, removes; a stale --resource-version conflicts', async () => {
    const ns = await env.namespace('label');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web', { labels: { app: 'web' } }));
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('db', { labels: { app: 'db' } }));
    assert.equal(await k.ok(['label', 'pod', 'web', 'tier=fe']), 'pod/web labeled\n');
    const refused = await k.fail(['label', 'pod', 'web', 'tier=be']);
    assert.equal(refused.stderr, "error: 'tier' already has a value (fe), and --overwrite is false\n");
    assert.equal(await k.ok(['label', 'pod', 'web', 'tier=be', '--overwrite']), 'pod/web labeled\n');
    assert.equal((await env.api.get(podPath(ns, 'web'))).metadata.labels.tier, 'be');
    assert.equal(await k.ok(['label', 'pod', 'web', 'tier-']), 'pod/web unlabeled\n');
    assert.deepEqual((await env.api.get(podPath(ns, 'web'))).metadata.labels, { app: 'web' });
    assert.equal(await k.ok(['label', 'pods', '--all', 'env=test']), 'pod/db labeled\npod/web labeled\n');
    assert.equal(await k.ok(['label', 'pods', '-l', 'app=db', 'env=prod', '--overwrite']), 'pod/db labeled\n');

    assert.equal(await k.ok(['annotate', 'pod', 'web', 'owner=team-a']), 'pod/web annotated\n');
    assert.equal(await k.ok(['annotate', 'pod', 'web', 'owner=team-b', '--overwrite']), 'pod/web annotated\n');
    assert.equal((await env.api.get(podPath(ns, 'web'))).metadata.annotations.owner, 'team-b');
    assert.equal(await k.ok(['annotate', 'pod', 'web', 'owner-']), 'pod/web annotated\n');
    assert.equal((await env.api.get(podPath(ns, 'web'))).metadata.annotations?.owner, undefined);

    const stale = await k.fail(['label', 'pod', 'web', 'x=1', '--resource-version=1']);
    assert.equal(stale.stderr, 'Error from server (Conflict): Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again\n');
    const current = (await env.api.get(podPath(ns, 'web'))).metadata.resourceVersion;
    assert.equal(await k.ok(['label', 'pod', 'web', 'x=1', `--resource-version=${current}`]), 'pod/web labeled\n');
    const staleAnn = await k.fail(['annotate', 'pod', 'web', 'y=1', `--resource-version=${current}`]);
    assert.equal(staleAnn.stderr, 'Error from server (Conflict): Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again\n');
    const missing = await k.fail(['label', 'pod', 'nope', 'a=b']);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
    assert.equal(await k.ok(['label', 'pod', 'web', 'z=1', '--dry-run=server']), 'pod/web labeled (server dry run)\n');
    assert.equal((await env.api.get(podPath(ns, 'web'))).metadata.labels.z, undefined);
  });
});

describe('kubectl patch and replace', () => {
  it('strategic (default), merge, json, status subresource, no-change, dry run', async () => {
    const ns = await env.namespace('patch');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web', { containers: ['main', 'side'] }));
    // Strategic merge: containers merge by name, the other container is kept.
    assert.equal(await k.ok(['patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}']), 'pod/web patched\n');
    let pod = await env.api.get(podPath(ns, 'web'));
    assert.deepEqual(pod.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`), ['main=nginx:1.27', 'side=busybox:1.37']);
    assert.equal(await k.ok(['patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"side","image":"busybox:1.37"}]}}']), 'pod/web patched (no change)\n');
    assert.equal(await k.ok(['patch', 'pod', 'web', '--type=strategic', '-p', '{"metadata":{"labels":{"s":"1"}}}']), 'pod/web patched\n');

    assert.equal(await k.ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1","s":null}}}']), 'pod/web patched\n');
    pod = await env.api.get(podPath(ns, 'web'));
    assert.deepEqual(pod.metadata.labels, { app: 'web', m: '1' });

    assert.equal(await k.ok(['patch', 'pod', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.28"},{"op":"add","path":"/metadata/labels/j","value":"2"}]']), 'pod/web patched\n');
    pod = await env.api.get(podPath(ns, 'web'));
    assert.equal(pod.spec.containers[0].image, 'nginx:1.28');
    assert.equal(pod.metadata.labels.j, '2');
    const failedTest = await k.fail(['patch', 'pod', 'web', '--type=json', '-p', '[{"op":"test","path":"/metadata/name","value":"other"}]']);
    assert.equal(failedTest.stderr, 'The request is invalid: the server rejected our request due to an error in our request\n');

    assert.equal(await k.ok(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running","podIP":"10.244.0.9","podIPs":[{"ip":"10.244.0.9"}]}}']), 'pod/web patched\n');
    pod = await env.api.get(podPath(ns, 'web'));
    assert.equal(pod.status.phase, 'Running');
    assert.equal(pod.status.podIP, '10.244.0.9');
    // A status patch does not touch spec; a main-resource patch does not touch status.
    assert.equal(await k.ok(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"spec":{"activeDeadlineSeconds":5}}']), 'pod/web patched (no change)\n');
    assert.equal(await k.ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"status":{"phase":"Failed"}}']), 'pod/web patched (no change)\n');
    assert.equal((await env.api.get(podPath(ns, 'web'))).status.phase, 'Running');

    assert.equal(await k.ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"dry":"1"}}}', '--dry-run=server']), 'pod/web patched\n');
    assert.equal((await env.api.get(podPath(ns, 'web'))).metadata.labels.dry, undefined, 'a server dry run persists nothing');

    const nf = await k.fail(['patch', 'pod', 'nope', '-p', '{}']);
    assert.equal(nf.stderr, 'Error from server (NotFound): pods "nope" not found\n');
    const forbidden = await k.fail(['patch', 'pod', 'web', '--type=merge', '-p', '{"spec":{"restartPolicy":"Never"}}']);
    assert.match(forbidden.stderr, /^The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than /);
  });

  it('replace -f of the object as read swaps it (and --force recreates it)', async () => {
    const ns = await env.namespace('replace');
    const k = env.kubectl.ns(ns);
    const f = env.write(`${ns}/pod.yaml`, podYaml('r', { image: 'nginx:1.26' }));
    await k.ok(['create', '-f', f]);
    // The usual flow: read the live object, change it, PUT it back (resourceVersion included).
    const live = await k.ok(['get', 'pod', 'r', '-o', 'yaml']);
    const g = env.write(`${ns}/live.yaml`, live.replace('image: nginx:1.26', 'image: nginx:1.27'));
    assert.equal(await k.ok(['replace', '-f', g]), 'pod/r replaced\n');
    assert.equal((await env.api.get(podPath(ns, 'r'))).spec.containers[0].image, 'nginx:1.27');
    // The same file again: its resourceVersion is stale now.
    const stale = await k.fail(['replace', '-f', g]);
    assert.equal(stale.stderr, `Error from server (Conflict): error when replacing "${g}": Operation cannot be fulfilled on pods "r": the object has been modified; please apply your changes to the latest version and try again\n`);
    // A PUT of the bare manifest: admission puts back what it added on create (DefaultTolerationSeconds'
    // tolerations, Priority's preemptionPolicy), so only the image changes. (On a real cluster this manifest
    // would still be refused: ServiceAccount admission also adds a token volume, which kubelab does not.)
    env.write(`${ns}/pod.yaml`, podYaml('r', { image: 'nginx:1.28' }));
    assert.equal(await k.ok(['replace', '-f', f]), 'pod/r replaced\n');
    const bare = await env.api.get(podPath(ns, 'r'));
    assert.equal(bare.spec.containers[0].image, 'nginx:1.28');
    assert.deepEqual(bare.spec.tolerations.map((t: { key: string }) => t.key), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
    assert.deepEqual([bare.spec.priority, bare.spec.preemptionPolicy], [0, 'PreemptLowerPriority']);
    // resourceVersion "0" is no precondition for a kind that allows unconditional update (pods do).
    const zero = parseYaml(podYaml('r', { image: 'nginx:1.29' }));
    zero.metadata.resourceVersion = '0';
    const z = env.write(`${ns}/zero.json`, JSON.stringify(zero));
    assert.equal(await k.ok(['replace', '-f', z]), 'pod/r replaced\n');
    const afterZero = await env.api.get(podPath(ns, 'r'));
    assert.equal(afterZero.spec.containers[0].image, 'nginx:1.29');
    assert.equal(afterZero.metadata.generation, undefined, 'pods do not track generation in 1.32');
    env.write(`${ns}/pod.yaml`, podYaml('r', { image: 'nginx:1.26' }));
    const uid = (await env.api.get(podPath(ns, 'r'))).metadata.uid;
    assert.equal(await k.ok(['replace', '--force', '-f', f]), 'pod "r" deleted\npod/r replaced\n');
    const recreated = await env.api.get(podPath(ns, 'r'));
    assert.notEqual(recreated.metadata.uid, uid, 'a forced replace is a delete and a create');
    assert.equal(recreated.spec.containers[0].image, 'nginx:1.26');
  });
});

describe('kubectl delete', () => {
  it('an unbound pod goes at once; NotFound; --ignore-not-found; --dry-run=server', async () => {
    const ns = await env.namespace('del');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('a'));
    assert.equal(await k.ok(['delete', 'pod', 'a', '--dry-run=server']), 'pod "a" deleted (server dry run)\n');
    assert.equal(await exists(ns, 'a'), true);
    assert.equal(await k.ok(['delete', 'pod', 'a']), 'pod "a" deleted\n');
    assert.equal(await exists(ns, 'a'), false);
    const nf = await k.fail(['delete', 'pod', 'a']);
    assert.equal(nf.stderr, 'Error from server (NotFound): pods "a" not found\n');
    const ign = await k.run(['delete', 'pod', 'a', '--ignore-not-found']);
    assert.deepEqual([ign.code, ign.stdout, ign.stderr], [0, '', '']);
  });

  it('a bound pod is deleted gracefully: kubectl waits until the node agent finishes it', async () => {
    const ns = await env.namespace('delgrace');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web'));
    await env.api.bindPod(ns, 'web', 'write-n1');
    await env.api.setPodStatus(ns, 'web', { phase: 'Running', containerStatuses: [{ name: 'main', image: 'nginx:1.27', imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: timestamp(-10_000) } } }] });
    const del = k.start(['delete', 'pod', 'web']);
    const marked = await eventually('deletionTimestamp on the pod', async () => {
      const p = await env.api.get(podPath(ns, 'web'));
      return p.metadata.deletionTimestamp ? p : undefined;
    });
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 30, 'spec.terminationGracePeriodSeconds (default 30)');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(del.exited, false, 'kubectl delete waits for the pod to go');
    // The node agent: containers stopped, then the final delete with grace 0.
    await env.api.deletePodNow(ns, 'web');
    const r = await del.exit(15_000);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'pod "web" deleted\n', '']);
    assert.equal(await exists(ns, 'web'), false);
  });

  it('--grace-period, --wait=false, --timeout, --grace-period=0 --force', async () => {
    const ns = await env.namespace('delflags');
    const k = env.kubectl.ns(ns);
    for (const name of ['g5', 'tmo', 'force']) {
      await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject(name));
      await env.api.bindPod(ns, name, 'write-n1');
    }
    const before = Date.now();
    assert.equal(await k.ok(['delete', 'pod', 'g5', '--grace-period=5', '--wait=false']), 'pod "g5" deleted\n');
    const afterDelete = Date.now();
    const g5 = await env.api.get(podPath(ns, 'g5'));
    assert.equal(g5.metadata.deletionGracePeriodSeconds, 5);
    // deletionTimestamp = time of the DELETE + 5 s, in whole seconds.
    const deadline = Date.parse(g5.metadata.deletionTimestamp);
    assert.ok(deadline >= before + 5_000 - 1_000 && deadline <= afterDelete + 5_000, `deletionTimestamp ${g5.metadata.deletionTimestamp} is the delete time + 5 s`);

    const tmo = await k.run(['delete', 'pod', 'tmo', '--timeout=2s']);
    assert.equal(tmo.code, 1);
    assert.equal(tmo.stdout, 'pod "tmo" deleted\n');
    assert.equal(withoutKlog(tmo.stderr), 'error: timed out waiting for the condition on pods/tmo\n');

    const force = await k.run(['delete', 'pod', 'force', '--grace-period=0', '--force']);
    assert.equal(force.code, 0);
    assert.equal(force.stdout, 'pod "force" force deleted\n');
    assert.equal(force.stderr, 'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
    assert.equal(await exists(ns, 'force'), false);
    // Shortening the grace period of a pod already terminating.
    assert.equal(await k.ok(['delete', 'pod', 'g5', '--grace-period=0', '--force']), 'pod "g5" force deleted\n');
    assert.equal(await exists(ns, 'g5'), false);
  });

  it('--all, -l, -f', async () => {
    const ns = await env.namespace('delmany');
    const k = env.kubectl.ns(ns);
    for (const [name, app] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['c1', 'c']] as const) {
      await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject(name, { labels: { app } }));
    }
    assert.equal(await k.ok(['delete', 'pods', '-l', 'app=a']), 'pod "a1" deleted\npod "a2" deleted\n');
    const none = await k.run(['delete', 'pods', '-l', 'app=zzz']);
    // delete prints this one on stdout (get prints its "No resources found" on stderr).
    assert.deepEqual([none.code, none.stdout, none.stderr], [0, 'No resources found\n', '']);
    const f = env.write(`${ns}/b1.yaml`, podYaml('b1', { labels: { app: 'b' } }));
    assert.equal(await k.ok(['delete', '-f', f]), 'pod "b1" deleted\n');
    const again = await k.fail(['delete', '-f', f]);
    assert.equal(again.stderr, `Error from server (NotFound): error when deleting "${f}": pods "b1" not found\n`);
    assert.equal(await k.ok(['delete', 'pods', '--all', '--dry-run=server']), 'pod "c1" deleted (server dry run)\n');
    assert.equal(await exists(ns, 'c1'), true);
    assert.equal(await k.ok(['delete', 'pods', '--all']), 'pod "c1" deleted\n');
    const empty = await k.run(['delete', 'pods', '--all']);
    assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, 'No resources found\n', '']);
  });

  it('DELETE on the collection (deletecollection) with label and field selectors, dry run, graceful pods', async () => {
    const ns = await env.namespace('delcoll');
    for (const [name, app] of [['x1', 'x'], ['x2', 'x'], ['y1', 'y'], ['z1', 'z']] as const) {
      await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject(name, { labels: { app } }));
    }
    await env.api.bindPod(ns, 'z1', 'write-n1');
    const dry = await env.api.must('DELETE', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dx&dryRun=All`);
    assert.equal(dry.kind, 'PodList');
    assert.deepEqual(dry.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['x1', 'x2']);
    assert.equal(await exists(ns, 'x1'), true, 'dry run deletes nothing');
    const res = await env.api.must('DELETE', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dx`);
    assert.equal(res.kind, 'PodList');
    assert.equal(res.apiVersion, 'v1');
    assert.deepEqual(res.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['x1', 'x2']);
    assert.equal(await exists(ns, 'x1'), false);
    assert.equal(await exists(ns, 'x2'), false);
    const byField = await env.api.must('DELETE', `/api/v1/namespaces/${ns}/pods?fieldSelector=metadata.name%3Dy1`);
    assert.deepEqual(byField.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['y1']);
    // A bound pod is only marked (graceful): it is returned with its deletionTimestamp.
    const rest = await env.api.must('DELETE', `/api/v1/namespaces/${ns}/pods`, { gracePeriodSeconds: 10 });
    assert.deepEqual(rest.items.map((p: { metadata: { name: string; deletionGracePeriodSeconds: number } }) => `${p.metadata.name}:${p.metadata.deletionGracePeriodSeconds}`), ['z1:10']);
    assert.equal(await exists(ns, 'z1'), true);
    assert.equal(await env.kubectl.ns(ns).ok(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.deletionGracePeriodSeconds}']), '10');
    const bad = await env.api.request('DELETE', `/api/v1/namespaces/${ns}/pods?labelSelector=a%3D(b`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.reason, 'BadRequest');
  });
});
