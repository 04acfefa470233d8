/**
 * `kubectl get` end to end against kubelab: every output format, selectors, all-namespaces, labels columns,
 * sorting, paging, watch, the pod STATUS/RESTARTS cells the server computes, nodes, namespaces, events and
 * leases. Expected tables are what kubectl prints against Kubernetes 1.32 for the same objects (server-side
 * printers: pkg/printers/internalversion/printers.go), with ages normalised.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { assertTable, parseTable, podObject, startKubectlEnv, timestamp, type KubectlEnv } from '../framework/kubectl.ts';

let env: KubectlEnv;

before(async () => {
  env = await startKubectlEnv();
});
after(async () => {
  await env?.close();
});

/** Creates pods through the API (kubectl is what is under test, not the fixture). */
async function createPods(ns: string, ...pods: Record<string, unknown>[]): Promise<void> {
  for (const p of pods) await env.api.post(`/api/v1/namespaces/${ns}/pods`, p);
}

describe('kubectl get pods: formats', () => {
  let ns: string;
  before(async () => {
    ns = await env.namespace('get');
    await createPods(ns, podObject('web-a', { labels: { app: 'web', tier: 'fe', rank: '2' } }), podObject('web-b', { labels: { app: 'web', rank: '1' }, image: 'busybox:1.36' }), podObject('db', { labels: { app: 'db', rank: '3' } }));
    await env.api.createNode('get-n1', { internalIP: '10.0.0.11' });
    await env.api.bindPod(ns, 'web-a', 'get-n1');
    await env.api.setPodStatus(ns, 'web-a', {
      phase: 'Running',
      hostIP: '10.0.0.11',
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      startTime: timestamp(-60_000),
      conditions: [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(-60_000) },
        { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(-50_000) },
        { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(-50_000) },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(-60_000) },
      ],
      containerStatuses: [{ name: 'main', image: 'nginx:1.27', imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: timestamp(-55_000) } } }],
    });
  });

  it('prints the default pod table', async () => {
    const out = await env.kubectl.ns(ns).ok(['get', 'pods']);
    assertTable(
      out,
      `NAME    READY   STATUS    RESTARTS   AGE
       db      0/1     Pending   0          <age>
       web-a   1/1     Running   0          <age>
       web-b   0/1     Pending   0          <age>`,
    );
    // `po` and `pod` resolve through discovery short names and singular names.
    assert.deepEqual(parseTable(await env.kubectl.ns(ns).ok(['get', 'po'])).rows.map((r) => r[0]), ['db', 'web-a', 'web-b']);
    const single = await env.kubectl.ns(ns).ok(['get', 'pod', 'web-a']);
    assertTable(single, 'NAME    READY   STATUS    RESTARTS   AGE\nweb-a   1/1     Running   0          <age>');
  });

  it('-o wide adds IP, NODE, NOMINATED NODE and READINESS GATES', async () => {
    const out = await env.kubectl.ns(ns).ok(['get', 'pods', '-o', 'wide']);
    assertTable(
      out,
      `NAME    READY   STATUS    RESTARTS   AGE     IP           NODE     NOMINATED NODE   READINESS GATES
       db      0/1     Pending   0          <age>   <none>       <none>   <none>           <none>
       web-a   1/1     Running   0          <age>   10.244.1.5   get-n1   <none>           <none>
       web-b   0/1     Pending   0          <age>   <none>       <none>   <none>           <none>`,
    );
  });

  it('-o yaml and -o json print the objects without managedFields', async () => {
    const yaml = parseYaml(await env.kubectl.ns(ns).ok(['get', 'pod', 'web-a', '-o', 'yaml']));
    assert.equal(yaml.kind, 'Pod');
    assert.equal(yaml.apiVersion, 'v1');
    assert.equal(yaml.metadata.name, 'web-a');
    assert.equal(yaml.metadata.namespace, ns);
    assert.equal(yaml.metadata.managedFields, undefined, 'kubectl hides managedFields unless --show-managed-fields');
    assert.equal(yaml.spec.nodeName, 'get-n1');
    assert.equal(yaml.status.phase, 'Running');
    assert.equal(yaml.spec.containers[0].terminationMessagePolicy, 'File', 'defaults applied by the server');

    const withMF = parseYaml(await env.kubectl.ns(ns).ok(['get', 'pod', 'web-a', '-o', 'yaml', '--show-managed-fields']));
    assert.ok(Array.isArray(withMF.metadata.managedFields) && withMF.metadata.managedFields.length > 0, 'the server records managedFields');

    const list = parseYaml(await env.kubectl.ns(ns).ok(['get', 'pods', '-o', 'yaml']));
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(list.metadata, { resourceVersion: '' });
    assert.deepEqual(list.items.map((p: { kind: string; metadata: { name: string } }) => `${p.kind}/${p.metadata.name}`), ['Pod/db', 'Pod/web-a', 'Pod/web-b']);

    const json = JSON.parse(await env.kubectl.ns(ns).ok(['get', 'pods', '-o', 'json']));
    assert.equal(json.kind, 'List');
    assert.deepEqual(json.items.map((p: { apiVersion: string; metadata: { name: string } }) => `${p.apiVersion}/${p.metadata.name}`), ['v1/db', 'v1/web-a', 'v1/web-b']);
    const one = JSON.parse(await env.kubectl.ns(ns).ok(['get', 'pod', 'web-b', '-o', 'json']));
    assert.equal(one.kind, 'Pod');
    assert.equal(one.spec.containers[0].image, 'busybox:1.36');
  });

  it('-o name, -o jsonpath, -o custom-columns', async () => {
    assert.equal(await env.kubectl.ns(ns).ok(['get', 'pods', '-o', 'name']), 'pod/db\npod/web-a\npod/web-b\n');
    assert.equal(
      await env.kubectl.ns(ns).ok(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}']),
      'db=Pending\nweb-a=Running\nweb-b=Pending\n',
    );
    assert.equal(await env.kubectl.ns(ns).ok(['get', 'pod', 'web-a', '-o', 'jsonpath={.status.podIP}']), '10.244.1.5');
    const cc = await env.kubectl.ns(ns).ok(['get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image,NODE:.spec.nodeName']);
    assert.equal(cc, 'NAME    IMAGE          NODE\ndb      nginx:1.27     <none>\nweb-a   nginx:1.27     get-n1\nweb-b   busybox:1.36   <none>\n');
  });

  it('-l and --field-selector filter on the server', async () => {
    const k = env.kubectl.ns(ns);
    assert.equal(await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'name']), 'pod/web-a\npod/web-b\n');
    assert.equal(await k.ok(['get', 'pods', '-l', 'app in (db,nope)', '-o', 'name']), 'pod/db\n');
    assert.equal(await k.ok(['get', 'pods', '-l', 'app!=web,rank', '-o', 'name']), 'pod/db\n');
    assert.equal(await k.ok(['get', 'pods', '-l', '!tier', '-o', 'name']), 'pod/db\npod/web-b\n');
    assert.equal(await k.ok(['get', 'pods', '--field-selector', 'spec.nodeName=get-n1', '-o', 'name']), 'pod/web-a\n');
    assert.equal(await k.ok(['get', 'pods', '--field-selector', 'status.phase!=Running', '-o', 'name']), 'pod/db\npod/web-b\n');
    assert.equal(await k.ok(['get', 'pods', '--field-selector', 'metadata.name=web-b', '-o', 'name']), 'pod/web-b\n');
    assert.equal(await k.ok(['get', 'pods', '-l', 'app=web', '--field-selector', 'status.phase=Pending', '-o', 'name']), 'pod/web-b\n');
    const none = await k.run(['get', 'pods', '-l', 'app=nope']);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, `No resources found in ${ns} namespace.\n`);
    const bad = await k.fail(['get', 'pods', '--field-selector', 'spec.foo=bar']);
    assert.equal(bad.stderr, 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=bar": field label not supported: spec.foo\n');
    const badLabel = await k.fail(['get', 'pods', '-l', 'a=(b']);
    assert.equal(badLabel.stderr, 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "a=(b", field selector "": unable to parse requirement: found \'(\', expected: identifier\n');
  });

  it('--show-labels and -L add label columns', async () => {
    const k = env.kubectl.ns(ns);
    assertTable(
      await k.ok(['get', 'pods', '--show-labels']),
      `NAME    READY   STATUS    RESTARTS   AGE     LABELS
       db      0/1     Pending   0          <age>   app=db,rank=3
       web-a   1/1     Running   0          <age>   app=web,rank=2,tier=fe
       web-b   0/1     Pending   0          <age>   app=web,rank=1`,
    );
    assertTable(
      await k.ok(['get', 'pods', '-L', 'app', '-L', 'tier']),
      `NAME    READY   STATUS    RESTARTS   AGE     APP   TIER
       db      0/1     Pending   0          <age>   db    ''
       web-a   1/1     Running   0          <age>   web   fe
       web-b   0/1     Pending   0          <age>   web   ''`,
    );
  });

  it('--sort-by sorts client-side on the full objects', async () => {
    const k = env.kubectl.ns(ns);
    const byName = parseTable(await k.ok(['get', 'pods', '--sort-by=.metadata.name']));
    assert.deepEqual(byName.rows.map((r) => r[0]), ['db', 'web-a', 'web-b']);
    const byRank = parseTable(await k.ok(['get', 'pods', '--sort-by=.metadata.labels.rank']));
    assert.deepEqual(byRank.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(byRank.rows.map((r) => r[0]), ['web-b', 'web-a', 'db']);
    const byImage = await k.ok(['get', 'pods', '--sort-by=.spec.containers[0].image', '-o', 'name']);
    assert.equal(byImage, 'pod/web-b\npod/db\npod/web-a\n');
  });

  it('--chunk-size pages through the list (continue tokens), also for Tables', async () => {
    const k = env.kubectl.ns(ns);
    assert.deepEqual(parseTable(await k.ok(['get', 'pods', '--chunk-size=1'])).rows.map((r) => r[0]), ['db', 'web-a', 'web-b']);
    assert.equal(await k.ok(['get', 'pods', '--chunk-size=2', '-o', 'name']), 'pod/db\npod/web-a\npod/web-b\n');
  });

  it('-A fills the NAMESPACE column', async () => {
    const other = await env.namespace('get-other');
    await createPods(other, podObject('solo'));
    const out = await env.kubectl.ok(['get', 'pods', '-A']);
    const t = parseTable(out);
    assert.deepEqual(t.header, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const mine = t.rows.filter((r) => r[0] === ns || r[0] === other).map((r) => `${r[0]}/${r[1]}`);
    assert.deepEqual(mine, [`${ns}/db`, `${ns}/web-a`, `${ns}/web-b`, `${other}/solo`]);
    const wide = parseTable(await env.kubectl.ok(['get', 'pods', '--all-namespaces', '-o', 'wide', '-l', 'app=solo']));
    assert.deepEqual(wide.header, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.deepEqual(wide.rows.map((r) => [r[0], r[1]]), [[other, 'solo']]);
  });

  it('NotFound and empty namespaces', async () => {
    const k = env.kubectl.ns(ns);
    const nf = await k.fail(['get', 'pod', 'nope']);
    assert.equal(nf.stderr, 'Error from server (NotFound): pods "nope" not found\n');
    assert.equal(nf.stdout, '');
    const empty = await env.namespace('get-empty');
    const r = await env.kubectl.ns(empty).run(['get', 'pods']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', `No resources found in ${empty} namespace.\n`]);
    const nsMissing = await env.kubectl.ns('no-such-ns').run(['get', 'pods']);
    assert.deepEqual([nsMissing.code, nsMissing.stderr], [0, 'No resources found in no-such-ns namespace.\n']);
    const two = await k.fail(['get', 'pods', 'web-a', 'nope', '-o', 'name']);
    assert.equal(two.stdout, 'pod/web-a\n');
    assert.equal(two.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  });

  it('get all lists the "all" category (pods and services)', async () => {
    const out = await env.kubectl.ns(ns).ok(['get', 'all']);
    const [pods, services] = out.split('\n\n');
    assert.deepEqual(parseTable(pods ?? '').rows.map((r) => r[0]), ['pod/db', 'pod/web-a', 'pod/web-b']);
    assert.equal(services, undefined, 'no services in the namespace: only the pods table');
    const def = await env.kubectl.ns('default').ok(['get', 'all']);
    assertTable(def, 'NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nservice/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   <age>');
  });
});

describe('kubectl get -w', () => {
  it('prints changes as new rows under one header', async () => {
    const ns = await env.namespace('watch');
    await createPods(ns, podObject('w1'));
    const k = env.kubectl.ns(ns);
    const w = k.start(['get', 'pods', '-w']);
    try {
      await w.waitForOutput((s) => s.includes('w1 '), 20_000, 'the initial row');
      await env.api.mergePatch(`/api/v1/namespaces/${ns}/pods/w1`, { metadata: { labels: { changed: 'yes' } } });
      await createPods(ns, podObject('w2'));
      await env.api.setPodStatus(ns, 'w2', { phase: 'Pending', containerStatuses: [{ name: 'main', image: 'nginx:1.27', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } }] });
      await env.api.must('DELETE', `/api/v1/namespaces/${ns}/pods/w1`);
      await w.waitForOutput((s) => s.trim().split('\n').length >= 6, 20_000, 'five rows');
    } finally {
      await w.stop();
    }
    const lines = w.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('NAME')).length, 1, `exactly one header:\n${w.stdout}`);
    assertTable(
      lines.slice(0, 6).join('\n'),
      `NAME   READY   STATUS              RESTARTS   AGE
       w1     0/1     Pending             0          <age>
       w1     0/1     Pending             0          <age>
       w2     0/1     Pending             0          <age>
       w2     0/1     ContainerCreating   0          <age>
       w1     0/1     Pending             0          <age>`,
      'watch rows keep the widths they had, a wider cell pushes its row out',
      { aligned: false },
    );
    assert.equal(w.stderr, '');
  });

  it('single object -w shows only that object; --output-watch-events names the event types', async () => {
    const ns = await env.namespace('watch1');
    await createPods(ns, podObject('one'), podObject('other'));
    const k = env.kubectl.ns(ns);
    const w = k.start(['get', 'pod', 'one', '-w']);
    const ev = k.start(['get', 'pods', '-w', '--output-watch-events']);
    try {
      await w.waitForOutput((s) => s.includes('one '), 20_000, 'the initial row');
      await ev.waitForOutput((s) => s.includes('other '), 20_000, 'the initial rows');
      await env.api.mergePatch(`/api/v1/namespaces/${ns}/pods/other`, { metadata: { labels: { x: '1' } } });
      await env.api.setPodStatus(ns, 'one', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' });
      await w.waitForOutput((s) => s.includes('Evicted'), 20_000, 'the Evicted row');
      await ev.waitForOutput((s) => s.includes('Evicted'), 20_000, 'the Evicted row');
    } finally {
      await w.stop();
      await ev.stop();
    }
    assertTable(
      w.stdout,
      `NAME   READY   STATUS    RESTARTS   AGE
       one    0/1     Pending   0          <age>
       one    0/1     Evicted   0          <age>`,
    );
    assertTable(
      ev.stdout,
      `EVENT      NAME    READY   STATUS    RESTARTS   AGE
       ADDED      one     0/1     Pending   0          <age>
       ADDED      other   0/1     Pending   0          <age>
       MODIFIED   other   0/1     Pending   0          <age>
       MODIFIED   one     0/1     Evicted   0          <age>`,
    );
  });

  it('-w -o name and --watch-only', async () => {
    const ns = await env.namespace('watch2');
    await createPods(ns, podObject('a'));
    const k = env.kubectl.ns(ns);
    const w = k.start(['get', 'pods', '--watch-only', '-o', 'name']);
    let patches = 0;
    try {
      // --watch-only prints nothing for the current state: touch `a` until a change shows up (the watch is on).
      await new Promise<void>((resolve, reject) => {
        const tick = async () => {
          try {
            if (w.stdout.includes('pod/a')) return resolve();
            if (patches > 50) return reject(new Error(`no watch output after ${patches} changes: ${w.stderr}`));
            await env.api.mergePatch(`/api/v1/namespaces/${ns}/pods/a`, { metadata: { labels: { n: String(++patches) } } });
            setTimeout(() => void tick(), 200);
          } catch (e) {
            reject(e);
          }
        };
        void tick();
      });
      await createPods(ns, podObject('b'));
      await w.waitForOutput((s) => s.includes('pod/b'), 20_000, 'pod/b');
    } finally {
      await w.stop();
    }
    const lines = w.stdout.trim().split('\n');
    assert.equal(lines.at(-1), 'pod/b');
    assert.ok(lines.slice(0, -1).every((l) => l === 'pod/a'), w.stdout);
    assert.ok(lines.length - 1 <= patches, 'only changes are printed, never the initial state');
  });
});

describe('kubectl get pods: STATUS and RESTARTS computed by the server', () => {
  it('prints the status of pods in every lifecycle state', async () => {
    const ns = await env.namespace('status');
    const c = (state: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: 'main', image: 'nginx:1.27', imageID: '', ready: false, started: false, restartCount: 0, state, ...extra });
    const ic = (name: string, state: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox:1.36', imageID: '', ready: false, started: false, restartCount: 0, state, ...extra });
    const term = (exitCode: number, reason?: string) => ({ terminated: { exitCode, ...(reason ? { reason } : {}), startedAt: timestamp(-120_000), finishedAt: timestamp(-60_000) } });
    const cond = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: timestamp(-60_000) });
    const longAgo = timestamp(-(30 * 60_000 + 10_000));

    const cases: { name: string; pod: Record<string, unknown>; status?: Record<string, unknown> }[] = [
      { name: 'a-pending', pod: podObject('a-pending') },
      { name: 'b-creating', pod: podObject('b-creating'), status: { phase: 'Pending', containerStatuses: [c({ waiting: { reason: 'ContainerCreating' } })] } },
      {
        name: 'c-init',
        pod: podObject('c-init', { initContainers: ['init1', 'init2'] }),
        status: {
          phase: 'Pending',
          conditions: [cond('Initialized', 'False')],
          initContainerStatuses: [ic('init1', { running: { startedAt: timestamp(-5_000) } }, { started: true }), ic('init2', { waiting: { reason: 'PodInitializing' } })],
          containerStatuses: [c({ waiting: { reason: 'PodInitializing' } })],
        },
      },
      {
        name: 'd-podinit',
        pod: podObject('d-podinit', { initContainers: ['init1', 'init2'] }),
        status: {
          phase: 'Pending',
          conditions: [cond('Initialized', 'True')],
          initContainerStatuses: [ic('init1', term(0, 'Completed')), ic('init2', term(0, 'Completed'))],
          containerStatuses: [c({ waiting: { reason: 'PodInitializing' } })],
        },
      },
      {
        name: 'e-init-error',
        pod: podObject('e-init-error', { initContainers: ['init1', 'init2'] }),
        status: { phase: 'Pending', conditions: [cond('Initialized', 'False')], initContainerStatuses: [ic('init1', term(1, 'Error'), { restartCount: 2, lastState: term(1, 'Error') }), ic('init2', { waiting: { reason: 'PodInitializing' } })], containerStatuses: [c({ waiting: { reason: 'PodInitializing' } })] },
      },
      {
        name: 'f-crashloop',
        pod: podObject('f-crashloop'),
        status: {
          phase: 'Running',
          conditions: [cond('Ready', 'False')],
          containerStatuses: [c({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } }, { restartCount: 4, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: longAgo, finishedAt: longAgo } } })],
        },
      },
      {
        name: 'g-running',
        pod: podObject('g-running'),
        status: {
          phase: 'Running',
          conditions: [cond('Ready', 'True')],
          containerStatuses: [c({ running: { startedAt: timestamp(-5_000) } }, { ready: true, started: true, restartCount: 1, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: longAgo, finishedAt: longAgo } } })],
        },
      },
      { name: 'h-completed', pod: podObject('h-completed', { restartPolicy: 'Never' }), status: { phase: 'Succeeded', containerStatuses: [c(term(0, 'Completed'))] } },
      { name: 'i-error', pod: podObject('i-error', { restartPolicy: 'Never' }), status: { phase: 'Failed', containerStatuses: [c(term(1, 'Error'))] } },
      { name: 'j-oomkilled', pod: podObject('j-oomkilled', { restartPolicy: 'Never' }), status: { phase: 'Failed', containerStatuses: [c(term(137, 'OOMKilled'))] } },
      { name: 'k-exitcode', pod: podObject('k-exitcode', { restartPolicy: 'Never' }), status: { phase: 'Failed', containerStatuses: [c(term(3))] } },
      {
        name: 'l-notready',
        pod: podObject('l-notready', { containers: ['main', 'side'] }),
        status: {
          phase: 'Running',
          conditions: [cond('Ready', 'False')],
          containerStatuses: [c(term(0, 'Completed')), { ...c({ running: { startedAt: timestamp(-5_000) } }, { ready: true, started: true }), name: 'side' }],
        },
      },
      { name: 'm-evicted', pod: podObject('m-evicted'), status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } },
      { name: 'n-imagepull', pod: podObject('n-imagepull'), status: { phase: 'Pending', containerStatuses: [c({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:1.27"' } })] } },
    ];
    await env.api.createNode('status-n1', { internalIP: '10.0.0.21' });
    for (const tc of cases) {
      await createPods(ns, tc.pod);
      await env.api.bindPod(ns, tc.name, 'status-n1');
      if (tc.status) await env.api.setPodStatus(ns, tc.name, tc.status);
    }
    // A bound pod deleted with a grace period stays, Terminating, until the node agent finishes it.
    await createPods(ns, podObject('o-terminating'));
    await env.api.bindPod(ns, 'o-terminating', 'status-n1');
    await env.api.setPodStatus(ns, 'o-terminating', { phase: 'Running', conditions: [cond('Ready', 'True')], containerStatuses: [c({ running: { startedAt: timestamp(-5_000) } }, { ready: true, started: true })] });
    assert.equal(await env.kubectl.ns(ns).ok(['delete', 'pod', 'o-terminating', '--wait=false']), 'pod "o-terminating" deleted\n');

    assertTable(
      await env.kubectl.ns(ns).ok(['get', 'pods']),
      `NAME            READY   STATUS                 RESTARTS      AGE
       a-pending       0/1     Pending                0             <age>
       b-creating      0/1     ContainerCreating      0             <age>
       c-init          0/1     Init:0/2               0             <age>
       d-podinit       0/1     PodInitializing        0             <age>
       e-init-error    0/1     Init:Error             2 (<age> ago)   <age>
       f-crashloop     0/1     CrashLoopBackOff       4 (30m ago)   <age>
       g-running       1/1     Running                1 (30m ago)   <age>
       h-completed     0/1     Completed              0             <age>
       i-error         0/1     Error                  0             <age>
       j-oomkilled     0/1     OOMKilled              0             <age>
       k-exitcode      0/1     ExitCode:3             0             <age>
       l-notready      1/2     NotReady               0             <age>
       m-evicted       0/1     Evicted                0             <age>
       n-imagepull     0/1     ImagePullBackOff       0             <age>
       o-terminating   1/1     Terminating            0             <age>`,
    );
  });
});

describe('kubectl get: nodes, namespaces, events, leases', () => {
  it('nodes: NAME STATUS ROLES AGE VERSION, and -o wide', async () => {
    const api = env.api;
    await api.createNode('nodes-a', { labels: { e2e: 'nodes', 'node-role.kubernetes.io/control-plane': '' }, internalIP: '10.0.0.1', externalIP: '34.1.2.3' });
    await api.createNode('nodes-b', { labels: { e2e: 'nodes' }, ready: 'False', internalIP: '10.0.0.2', kubeletVersion: 'v1.31.4' });
    await api.createNode('nodes-c', { labels: { e2e: 'nodes', 'node-role.kubernetes.io/worker': 'true', 'kubernetes.io/role': 'gpu' }, unschedulable: true, internalIP: '10.0.0.3' });
    await api.createNode('nodes-d', { labels: { e2e: 'nodes' }, ready: 'Unknown' });
    assertTable(
      await env.kubectl.ok(['get', 'nodes', '-l', 'e2e=nodes']),
      `NAME      STATUS                     ROLES           AGE     VERSION
       nodes-a   Ready                      control-plane   <age>   v1.32.0
       nodes-b   NotReady                   <none>          <age>   v1.31.4
       nodes-c   Ready,SchedulingDisabled   gpu,worker      <age>   v1.32.0
       nodes-d   NotReady                   <none>          <age>   v1.32.0`,
    );
    assertTable(
      await env.kubectl.ok(['get', 'no', '-l', 'e2e=nodes', '-o', 'wide']),
      `NAME      STATUS                     ROLES           AGE     VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION         CONTAINER-RUNTIME
       nodes-a   Ready                      control-plane   <age>   v1.32.0   10.0.0.1      34.1.2.3      Debian GNU/Linux 12 (bookworm)   6.1.0-37-cloud-amd64   containerd://1.7.24
       nodes-b   NotReady                   <none>          <age>   v1.31.4   10.0.0.2      <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-37-cloud-amd64   containerd://1.7.24
       nodes-c   Ready,SchedulingDisabled   gpu,worker      <age>   v1.32.0   10.0.0.3      <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-37-cloud-amd64   containerd://1.7.24
       nodes-d   NotReady                   <none>          <age>   v1.32.0   <none>        <none>        Debian GNU/Linux 12 (bookworm)   6.1.0-37-cloud-amd64   containerd://1.7.24`,
    );
    assert.equal(await env.kubectl.ok(['get', 'node', 'nodes-b', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']), 'False');
    // Cordoning is a patch of spec.unschedulable; the STATUS cell follows.
    assert.equal(await env.kubectl.ok(['cordon', 'nodes-a']), 'node/nodes-a cordoned\n');
    assert.equal(parseTable(await env.kubectl.ok(['get', 'node', 'nodes-a'])).rows[0]?.[1], 'Ready,SchedulingDisabled');
    assert.equal(await env.kubectl.ok(['uncordon', 'nodes-a']), 'node/nodes-a uncordoned\n');
    const nf = await env.kubectl.fail(['get', 'node', 'nodes-zz']);
    assert.equal(nf.stderr, 'Error from server (NotFound): nodes "nodes-zz" not found\n');
  });

  it('namespaces: Active and Terminating', async () => {
    const ns = await env.namespace('nsget');
    assertTable(await env.kubectl.ok(['get', 'ns', ns]), `NAME   STATUS   AGE\n${ns}   Active   <age>`);
    const all = parseTable(await env.kubectl.ok(['get', 'namespaces']));
    assert.deepEqual(all.header, ['NAME', 'STATUS', 'AGE']);
    for (const sys of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
      assert.deepEqual(all.rows.find((r) => r[0] === sys)?.[1], 'Active', `${sys} is listed and Active`);
    }
    // A pod with a finalizer keeps the namespace Terminating.
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, { ...podObject('held'), metadata: { name: 'held', finalizers: ['e2e.kubelab.dev/hold'] } });
    assert.equal(await env.kubectl.ok(['delete', 'namespace', ns, '--wait=false']), `namespace "${ns}" deleted\n`);
    assertTable(await env.kubectl.ok(['get', 'namespace', ns]), `NAME   STATUS        AGE\n${ns}   Terminating   <age>`);
    const create = await env.kubectl.ns(ns).fail(['run', 'late', '--image=busybox']);
    assert.equal(create.stderr, `Error from server (Forbidden): pods "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated\n`);
    await env.api.mergePatch(`/api/v1/namespaces/${ns}/pods/held`, { metadata: { finalizers: null } });
    const gone = env.kubectl.run(['wait', '--for=delete', `namespace/${ns}`, '--timeout=20s']);
    assert.equal((await gone).code, 0, 'the namespace goes once its content is gone');
  });

  it('events: LAST SEEN TYPE REASON OBJECT MESSAGE in list order; -o wide; --sort-by; kubectl events', async () => {
    const ns = await env.namespace('events');
    const ev = (name: string, o: { type: string; reason: string; object: string; message: string; first: number; last: number; count?: number; fieldPath?: string; component?: string; host?: string }) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: o.object, ...(o.fieldPath ? { fieldPath: o.fieldPath } : {}) },
      type: o.type,
      reason: o.reason,
      message: o.message,
      source: { component: o.component ?? 'kubelet', ...(o.host ? { host: o.host } : {}) },
      firstTimestamp: timestamp(-o.first * 1000),
      lastTimestamp: timestamp(-o.last * 1000),
      count: o.count ?? 1,
    });
    // kube names events <object>.<hex time>, so the list (name) order groups them by object, oldest first.
    // Times are 10+ minutes back (printed as a stable "40m") except the BackOff's last one (seconds: <age>).
    await env.api.post(`/api/v1/namespaces/${ns}/events`, ev('api.17e1000000000001', { type: 'Normal', reason: 'Scheduled', object: 'api', message: `Successfully assigned ${ns}/api to n1`, first: 2400, last: 2400, component: 'default-scheduler' }));
    await env.api.post(`/api/v1/namespaces/${ns}/events`, ev('api.17e1000000000002', { type: 'Warning', reason: 'BackOff', object: 'api', message: 'Back-off restarting failed container main in pod api', first: 1800, last: 20, count: 7, fieldPath: 'spec.containers{main}', host: 'n1' }));
    await env.api.post(`/api/v1/namespaces/${ns}/events`, ev('web.17e1000000000003', { type: 'Normal', reason: 'Pulled', object: 'web', message: 'Container image "nginx:1.27" already present on machine', first: 1200, last: 1200, fieldPath: 'spec.containers{main}', host: 'n1' }));
    const k = env.kubectl.ns(ns);
    assertTable(
      await k.ok(['get', 'events']),
      `LAST SEEN   TYPE      REASON      OBJECT    MESSAGE
       40m         Normal    Scheduled   pod/api   Successfully assigned ${ns}/api to n1
       <age>       Warning   BackOff     pod/api   Back-off restarting failed container main in pod api
       20m         Normal    Pulled      pod/web   Container image "nginx:1.27" already present on machine`,
    );
    assertTable(
      await k.ok(['get', 'ev', '-o', 'wide']),
      `LAST SEEN   TYPE      REASON      OBJECT    SUBOBJECT               SOURCE              MESSAGE                                                        FIRST SEEN   COUNT   NAME
       40m         Normal    Scheduled   pod/api   ''                      default-scheduler   Successfully assigned ${ns}/api to n1               40m          1       api.17e1000000000001
       <age>       Warning   BackOff     pod/api   spec.containers{main}   kubelet, n1         Back-off restarting failed container main in pod api           30m          7       api.17e1000000000002
       20m         Normal    Pulled      pod/web   spec.containers{main}   kubelet, n1         Container image "nginx:1.27" already present on machine        20m          1       web.17e1000000000003`,
    );
    assert.deepEqual(parseTable(await k.ok(['get', 'events', '--sort-by=.lastTimestamp'])).rows.map((r) => r[2]), ['Scheduled', 'Pulled', 'BackOff']);
    assert.deepEqual(parseTable(await k.ok(['get', 'events', '--field-selector', 'type=Warning'])).rows.map((r) => r[2]), ['BackOff']);
    assert.deepEqual(parseTable(await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=web'])).rows.map((r) => r[3]), ['pod/web']);
    // `kubectl events` lists as JSON and sorts by time itself.
    const events = await k.ok(['events']);
    assertTable(
      events,
      `LAST SEEN   TYPE      REASON      OBJECT    MESSAGE
       40m         Normal    Scheduled   Pod/api   Successfully assigned ${ns}/api to n1
       20m         Normal    Pulled      Pod/web   Container image "nginx:1.27" already present on machine
       <age> (x7 over 30m)   Warning   BackOff     Pod/api   Back-off restarting failed container main in pod api`,
      undefined,
      { aligned: false },
    );
    const allNs = parseTable(await env.kubectl.ok(['get', 'events', '-A', '--field-selector', `involvedObject.namespace=${ns}`]));
    assert.deepEqual(allNs.header, ['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.deepEqual(allNs.rows.map((r) => r[0]), [ns, ns, ns]);
  });

  it('leases: NAME HOLDER AGE', async () => {
    const ns = await env.namespace('leases');
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await env.api.post(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'held' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: now } });
    await env.api.post(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'free' }, spec: {} });
    assertTable(
      await env.kubectl.ns(ns).ok(['get', 'leases']),
      `NAME   HOLDER   AGE
       free   ''       <age>
       held   node-1   <age>`,
    );
    assert.equal(await env.kubectl.ns(ns).ok(['get', 'lease.coordination.k8s.io', 'held', '-o', 'jsonpath={.spec.leaseDurationSeconds}']), '40');
  });
});
