/**
 * The core of the kubectl suite, run once per kubectl minor (versions-1.NN.integration.test.ts): the server
 * answers /version with that minor and the test runs kubectl.1.NN directly. Covers get (every output format,
 * selectors, -A, -w), create/apply/label/patch, graceful delete with a simulated node agent, describe, wait
 * and the error lines. Outputs are the same for kubectl 1.29 through 1.33 against Kubernetes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { assertTable, eventually, podYaml, startKubectlEnv, timestamp, withoutKlog, type KubectlEnv } from '../framework/kubectl.ts';

export function coreSuite(minor: number): void {
  describe(`kubectl 1.${minor} core`, () => {
    let env: KubectlEnv;
    let ns: string;
    const node = `core-${minor}-n1`;

    before(async () => {
      env = await startKubectlEnv({ minorVersion: minor });
      ns = await env.namespace(`core${minor}`);
      await env.api.createNode(node, { internalIP: '10.0.9.1' });
    });
    after(async () => {
      await env?.close();
    });

    it('talks to a server of its own minor', async () => {
      const v = JSON.parse(await env.kubectl.ok(['version', '-o', 'json']));
      assert.match(v.clientVersion.gitVersion, new RegExp(`^v1\\.${minor}\\.`));
      assert.equal(v.serverVersion.minor, String(minor));
    });

    it('create, run, apply, label, patch', async () => {
      const k = env.kubectl.ns(ns);
      env.write('core/web.yaml', podYaml('web', { labels: { app: 'web' } }));
      assert.equal(await k.ok(['create', '-f', 'core/web.yaml']), 'pod/web created\n');
      assert.equal(await k.ok(['run', 'job', '--image=busybox', '--restart=Never', '--labels=app=job', '--', 'true']), 'pod/job created\n');
      const app = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  labels: {app: app}\nspec:\n  containers:\n  - name: main\n    image: ${image}\n`;
      env.write('core/app.yaml', app('nginx:1.26'));
      assert.equal(await k.ok(['apply', '-f', 'core/app.yaml']), 'pod/app created\n');
      assert.equal(await k.ok(['apply', '-f', 'core/app.yaml']), 'pod/app unchanged\n');
      env.write('core/app.yaml', app('nginx:1.27'));
      assert.equal(await k.ok(['apply', '-f', 'core/app.yaml']), 'pod/app configured\n');
      assert.equal((await env.api.get(`/api/v1/namespaces/${ns}/pods/app`)).spec.containers[0].image, 'nginx:1.27');
      env.write('core/ssa.yaml', podYaml('ssa', { labels: { app: 'ssa' } }));
      assert.equal(await k.ok(['apply', '--server-side', '-f', 'core/ssa.yaml']), 'pod/ssa serverside-applied\n');
      assert.equal(await k.ok(['label', 'pod', 'web', 'tier=fe']), 'pod/web labeled\n');
      assert.equal(await k.ok(['annotate', 'pod', 'web', 'note=x']), 'pod/web annotated\n');
      assert.equal(await k.ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"be"}}}']), 'pod/web patched\n');
      assert.equal(await k.ok(['patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"be"}}}']), 'pod/web patched (no change)\n');
      assert.equal(await k.ok(['patch', 'pod', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.28"}]']), 'pod/web patched\n');
      assert.equal(await k.ok(['patch', 'pod', 'web', '-p', '{"spec":{"containers":[{"name":"main","image":"nginx:1.29"}]}}']), 'pod/web patched\n');
      assert.equal(await k.ok(['run', 'dry', '--image=busybox', '--dry-run=server']), 'pod/dry created (server dry run)\n');
      // The node agent's view of web: bound, running, ready.
      await env.api.bindPod(ns, 'web', node);
      await env.api.setPodStatus(ns, 'web', {
        phase: 'Running',
        podIP: '10.244.9.2',
        podIPs: [{ ip: '10.244.9.2' }],
        conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() }],
        containerStatuses: [{ name: 'main', image: 'nginx:1.29', imageID: '', ready: true, started: true, restartCount: 2, state: { running: { startedAt: timestamp() } }, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: timestamp(-31 * 60_000), finishedAt: timestamp(-30 * 60_000 - 10_000) } } }],
      });
      await env.api.setPodStatus(ns, 'job', { phase: 'Succeeded', containerStatuses: [{ name: 'job', image: 'busybox', imageID: '', ready: false, started: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: timestamp(-5000), finishedAt: timestamp() } } }] });
    });

    it('get: table, wide, yaml, json, name, jsonpath, custom-columns, selectors, -A', async () => {
      const k = env.kubectl.ns(ns);
      assertTable(
        await k.ok(['get', 'pods']),
        `NAME   READY   STATUS      RESTARTS      AGE
         app    0/1     Pending     0             <age>
         job    0/1     Completed   0             <age>
         ssa    0/1     Pending     0             <age>
         web    1/1     Running     2 (30m ago)   <age>`,
      );
      assertTable(
        await k.ok(['get', 'pod', 'web', '-o', 'wide']),
        `NAME   READY   STATUS    RESTARTS      AGE     IP           NODE      NOMINATED NODE   READINESS GATES
         web    1/1     Running   2 (30m ago)   <age>   10.244.9.2   ${node}   <none>           <none>`,
      );
      const yaml = parseYaml(await k.ok(['get', 'pod', 'web', '-o', 'yaml']));
      assert.deepEqual([yaml.kind, yaml.metadata.name, yaml.metadata.labels.tier, yaml.spec.nodeName, yaml.metadata.managedFields], ['Pod', 'web', 'be', node, undefined]);
      const json = JSON.parse(await k.ok(['get', 'pods', '-o', 'json']));
      assert.equal(json.kind, 'List');
      assert.equal(json.items.length, 4);
      assert.equal(await k.ok(['get', 'pods', '-o', 'name']), 'pod/app\npod/job\npod/ssa\npod/web\n');
      assert.equal(await k.ok(['get', 'pods', '-o', 'jsonpath={.items[*].status.phase}']), 'Pending Succeeded Pending Running');
      assert.equal(await k.ok(['get', 'pods', '-l', 'app in (web,job)', '-o', 'custom-columns=NAME:.metadata.name,NODE:.spec.nodeName']), `NAME   NODE\njob    <none>\nweb    ${node}\n`);
      assert.equal(await k.ok(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']), 'pod/web\n');
      assert.equal(await k.ok(['get', 'pods', '--field-selector', `spec.nodeName=${node}`, '-o', 'name']), 'pod/web\n');
      assertTable(await k.ok(['get', 'pods', '-l', 'app=web', '--show-labels']), `NAME   READY   STATUS    RESTARTS      AGE     LABELS\nweb    1/1     Running   2 (30m ago)   <age>   app=web,tier=be`);
      const all = await env.kubectl.ok(['get', 'pods', '-A', '-l', 'app=web']);
      assertTable(all, `NAMESPACE   NAME   READY   STATUS    RESTARTS      AGE\n${ns}   web    1/1     Running   2 (30m ago)   <age>`);
      assertTable(await env.kubectl.ok(['get', 'node', node]), `NAME   STATUS   ROLES    AGE     VERSION\n${node}   Ready    <none>   <age>   v1.32.0`);
      const empty = await k.run(['get', 'pods', '-l', 'app=none']);
      assert.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '', `No resources found in ${ns} namespace.\n`]);
    });

    it('get -w prints changes under one header', async () => {
      const k = env.kubectl.ns(ns);
      const w = k.start(['get', 'pods', '-l', 'app=app', '-w']);
      try {
        await w.waitForOutput((s) => /^app\s/m.test(s), 20_000, 'the first row');
        await env.api.setPodStatus(ns, 'app', { phase: 'Pending', containerStatuses: [{ name: 'main', image: 'nginx:1.27', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
        await w.waitForOutput((s) => s.includes('ContainerCreating'), 20_000, 'the changed row');
      } finally {
        await w.stop();
      }
      assertTable(w.stdout, `NAME   READY   STATUS    RESTARTS   AGE\napp    0/1     Pending   0          <age>\napp    0/1     ContainerCreating   0          <age>`, undefined, { aligned: false });
    });

    it('describe pod shows its events', async () => {
      const k = env.kubectl.ns(ns);
      const uid = (await env.api.get(`/api/v1/namespaces/${ns}/pods/web`)).metadata.uid;
      await env.api.post(`/api/v1/namespaces/${ns}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'web.1' },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'web', uid },
        type: 'Normal',
        reason: 'Scheduled',
        message: `Successfully assigned ${ns}/web to ${node}`,
        source: { component: 'default-scheduler' },
        // 30 minutes: printed as a stable "30m" (between 2 and 10 minutes kubectl adds seconds).
        firstTimestamp: timestamp(-30 * 60_000),
        lastTimestamp: timestamp(-30 * 60_000),
        count: 1,
      });
      const out = await k.ok(['describe', 'pod', 'web']);
      assert.match(out, /^Name:\s+web$/m);
      assert.match(out, new RegExp(`^Node:\\s+${node}/$`, 'm'));
      assert.match(out, /^Status:\s+Running$/m);
      assert.match(out, /^    Restart Count:  2$/m);
      assert.match(out, new RegExp(`^  Normal  Scheduled  30m   default-scheduler  Successfully assigned ${ns}/web to ${node}$`, 'm'));
    });

    it('wait: condition, jsonpath, timeout', async () => {
      const k = env.kubectl.ns(ns);
      const w = k.start(['wait', '--for=condition=Ready', 'pod/app', '--timeout=20s']);
      await new Promise((r) => setTimeout(r, 300));
      await env.api.setPodStatus(ns, 'app', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() }] });
      const r = await w.exit(20_000);
      assert.deepEqual([r.code, r.stdout], [0, 'pod/app condition met\n'], r.stderr);
      assert.equal(await k.ok(['wait', '--for=jsonpath={.status.phase}=Running', 'pod/web', '--timeout=5s']), 'pod/web condition met\n');
      const tmo = await k.run(['wait', '--for=condition=Ready', 'pod/ssa', '--timeout=2s']);
      assert.deepEqual([tmo.code, withoutKlog(tmo.stderr)], [1, 'error: timed out waiting for the condition on pods/ssa\n']);
    });

    it('delete: immediate, graceful until the node agent finishes, --all', async () => {
      const k = env.kubectl.ns(ns);
      assert.equal(await k.ok(['delete', 'pod', 'ssa']), 'pod "ssa" deleted\n');
      const del = k.start(['delete', 'pod', 'web']);
      const marked = await eventually('the pod marked for deletion', async () => {
        const p = await env.api.get(`/api/v1/namespaces/${ns}/pods/web`);
        return p.metadata.deletionTimestamp ? p : undefined;
      });
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(del.exited, false, 'kubectl waits for the node agent');
      await env.api.deletePodNow(ns, 'web');
      const r = await del.exit(15_000);
      assert.deepEqual([r.code, r.stdout], [0, 'pod "web" deleted\n'], r.stderr);
      assert.equal(await k.ok(['delete', 'pods', '--all']), 'pod "app" deleted\npod "job" deleted\n');
      const gone = await k.fail(['delete', 'pod', 'web']);
      assert.equal(gone.stderr, 'Error from server (NotFound): pods "web" not found\n');
    });

    it('error lines: AlreadyExists, Conflict, Invalid, BadRequest', async () => {
      const k = env.kubectl.ns(ns);
      env.write('pod.yaml', podYaml('dup'));
      await k.ok(['create', '-f', 'pod.yaml']);
      assert.equal((await k.fail(['create', '-f', 'pod.yaml'])).stderr, 'Error from server (AlreadyExists): error when creating "pod.yaml": pods "dup" already exists\n');
      assert.equal((await k.fail(['label', 'pod', 'dup', 'a=b', '--resource-version=1'])).stderr, 'Error from server (Conflict): Operation cannot be fulfilled on pods "dup": the object has been modified; please apply your changes to the latest version and try again\n');
      env.write('invalid.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: inv\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - name: c\n');
      assert.equal(
        (await k.fail(['create', '-f', 'invalid.yaml'])).stderr,
        'The Pod "inv" is invalid: \n* spec.containers[0].image: Required value\n* spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"\n',
      );
      env.write('invalid1.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: inv\nspec:\n  containers:\n  - name: c\n');
      assert.equal((await k.fail(['create', '-f', 'invalid1.yaml'])).stderr, 'The Pod "inv" is invalid: spec.containers[0].image: Required value\n');
      env.write('strict.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: strict\nspec:\n  foo: 1\n  containers:\n  - name: c\n    image: busybox\n');
      assert.equal((await k.fail(['create', '-f', 'strict.yaml'])).stderr, 'Error from server (BadRequest): error when creating "strict.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"\n');
      assert.equal((await k.fail(['apply', '-f', 'strict.yaml'])).stderr, 'Error from server (BadRequest): error when creating "strict.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"\n');
      assert.equal((await k.fail(['get', 'pod', 'nope'])).stderr, 'Error from server (NotFound): pods "nope" not found\n');
    });
  });
}
