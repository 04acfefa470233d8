/**
 * kubectl describe (pods and nodes, with the events the server finds through involvedObject.* field
 * selectors) and kubectl wait (conditions, jsonpath, delete, timeouts) end to end.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podObject, startKubectlEnv, timestamp, withoutKlog, type KubectlEnv } from '../framework/kubectl.ts';

let env: KubectlEnv;

before(async () => {
  env = await startKubectlEnv();
});
after(async () => {
  await env?.close();
});

const httpDate = (iso: string) => new Date(iso).toUTCString().replace('GMT', '+0000');

function event(ns: string, name: string, o: { kind: string; object: string; uid: string; objectNs?: string; type: string; reason: string; message: string; first: number; last: number; count?: number; component?: string; host?: string }) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns },
    involvedObject: { apiVersion: 'v1', kind: o.kind, name: o.object, uid: o.uid, ...(o.objectNs !== undefined ? { namespace: o.objectNs } : { namespace: ns }) },
    type: o.type,
    reason: o.reason,
    message: o.message,
    source: { component: o.component ?? 'kubelet', ...(o.host ? { host: o.host } : {}) },
    firstTimestamp: timestamp(-o.first * 1000),
    lastTimestamp: timestamp(-o.last * 1000),
    count: o.count ?? 1,
  };
}

describe('kubectl describe', () => {
  it('describe pod prints the pod and its events (matched by name, namespace and uid)', async () => {
    const ns = await env.namespace('desc');
    await env.api.createNode('desc-n1', { internalIP: '10.0.2.1' });
    const pod = await env.api.post(`/api/v1/namespaces/${ns}/pods`, {
      ...podObject('web', { labels: { app: 'web', tier: 'fe' } }),
      metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, annotations: { 'example.com/owner': 'team-a' } },
      spec: { containers: [{ name: 'main', image: 'nginx:1.27', ports: [{ containerPort: 80 }], env: [{ name: 'MODE', value: 'prod' }], resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } } }] },
    });
    await env.api.bindPod(ns, 'web', 'desc-n1');
    const started = timestamp(-120_000);
    await env.api.setPodStatus(ns, 'web', {
      phase: 'Running',
      hostIP: '10.0.2.1',
      hostIPs: [{ ip: '10.0.2.1' }],
      podIP: '10.244.2.7',
      podIPs: [{ ip: '10.244.2.7' }],
      startTime: started,
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: started },
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: started },
        { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: started },
        { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: started },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: started },
      ],
      containerStatuses: [
        {
          name: 'main',
          image: 'docker.io/library/nginx:1.27',
          imageID: 'docker.io/library/nginx@sha256:0123',
          containerID: 'containerd://abc123',
          ready: true,
          started: true,
          restartCount: 1,
          state: { running: { startedAt: started } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: timestamp(-600_000), finishedAt: timestamp(-121_000) } },
        },
      ],
    });
    const uid = pod.metadata.uid;
    await env.api.post(`/api/v1/namespaces/${ns}/events`, event(ns, 'web.1', { kind: 'Pod', object: 'web', uid, type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${ns}/web to desc-n1`, first: 2400, last: 2400, component: 'default-scheduler' }));
    await env.api.post(`/api/v1/namespaces/${ns}/events`, event(ns, 'web.2', { kind: 'Pod', object: 'web', uid, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container main in pod web', first: 1800, last: 20, count: 7, host: 'desc-n1' }));
    await env.api.post(`/api/v1/namespaces/${ns}/events`, event(ns, 'web.3', { kind: 'Pod', object: 'web', uid, type: 'Normal', reason: 'Pulled', message: 'Container image "nginx:1.27" already present on machine', first: 1200, last: 1200, host: 'desc-n1' }));
    // An event of an earlier pod of the same name (another uid) and of another pod: not shown.
    await env.api.post(`/api/v1/namespaces/${ns}/events`, event(ns, 'web.0', { kind: 'Pod', object: 'web', uid: '00000000-0000-0000-0000-000000000000', type: 'Normal', reason: 'Killing', message: 'old incarnation', first: 900, last: 900 }));
    await env.api.post(`/api/v1/namespaces/${ns}/events`, event(ns, 'other.1', { kind: 'Pod', object: 'other', uid, type: 'Normal', reason: 'Other', message: 'another pod', first: 60, last: 60 }));

    const out = await env.kubectl.ns(ns).ok(['describe', 'pod', 'web']);
    const lines = out.split('\n');
    const expectLine = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `a line matching ${re} in:\n${out}`);
    // The label column is as wide as the longest top-level key ("Service Account:" on a real cluster, whose
    // ServiceAccount admission sets spec.serviceAccountName; kubelab has none), so match the values only.
    assert.match(lines[0] ?? '', /^Name:\s+web$/);
    assert.match(lines[1] ?? '', new RegExp(`^Namespace:\\s+${ns}$`));
    expectLine(/^Priority:\s+0$/);
    expectLine(/^Node:\s+desc-n1\/10\.0\.2\.1$/);
    expectLine(new RegExp(`^Start Time:\\s+${httpDate(started).replace(/[+]/g, '\\+')}$`));
    expectLine(/^Labels:\s+app=web$/);
    expectLine(/^\s+tier=fe$/);
    expectLine(/^Annotations:\s+example\.com\/owner: team-a$/);
    expectLine(/^Status:\s+Running$/);
    expectLine(/^IP:\s+10\.244\.2\.7$/);
    expectLine(/^    Container ID:   containerd:\/\/abc123$/);
    expectLine(/^    Image:          nginx:1\.27$/);
    expectLine(/^    Port:           80\/TCP$/);
    expectLine(/^    State:          Running$/);
    expectLine(/^    Last State:     Terminated$/);
    expectLine(/^      Reason:       OOMKilled$/);
    expectLine(/^      Exit Code:    137$/);
    expectLine(/^    Ready:          True$/);
    expectLine(/^    Restart Count:  1$/);
    expectLine(/^    Limits:$/);
    expectLine(/^      memory:  128Mi$/);
    expectLine(/^      cpu:     100m$/);
    expectLine(/^      MODE:  prod$/);
    expectLine(/^QoS Class:\s+Burstable$/);
    expectLine(/^Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s$/);
    // Events: sorted by last time, count and age span for repeated events.
    // Times are 20+ minutes back (stable "40m") except the BackOff's last one, 20 s ago (two digits either way).
    const ev = out.slice(out.indexOf('Events:')).replace(/ \d\ds \(x7 over/, ' 20s (x7 over');
    assert.equal(
      ev.replace(/[ \t]+$/gm, ''),
      [
        'Events:',
        '  Type     Reason     Age                From               Message',
        '  ----     ------     ----               ----               -------',
        `  Normal   Scheduled  40m                default-scheduler  Successfully assigned ${ns}/web to desc-n1`,
        '  Normal   Pulled     20m                kubelet            Container image "nginx:1.27" already present on machine',
        '  Warning  BackOff    20s (x7 over 30m)  kubelet            Back-off restarting failed container main in pod web',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(out, /old incarnation|another pod/);

    // --show-events=false, describe by label, a missing pod.
    assert.doesNotMatch(await env.kubectl.ns(ns).ok(['describe', 'pod', 'web', '--show-events=false']), /^Events:/m);
    assert.match(await env.kubectl.ns(ns).ok(['describe', 'pods', '-l', 'app=web']), /^Name:\s+web$/m);
    const nf = await env.kubectl.ns(ns).fail(['describe', 'pod', 'nope']);
    assert.equal(nf.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  });

  it('describe pod with no events says <none>; describe by name prefix', async () => {
    const ns = await env.namespace('desc2');
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('quiet-1'));
    const out = await env.kubectl.ns(ns).ok(['describe', 'pod', 'quiet-1']);
    assert.match(out, /^Events:\s+<none>$/m);
    assert.match(out, /^Status:\s+Pending$/m);
    assert.match(out, /^Node:\s+<none>$/m);
    // kubectl falls back to a list and a name-prefix match.
    assert.match(await env.kubectl.ns(ns).ok(['describe', 'pod', 'quiet']), /^Name:\s+quiet-1$/m);
  });

  it('describe node prints conditions, addresses, capacity, its pods, lease and events', async () => {
    const ns = await env.namespace('descnode');
    const node = await env.api.createNode('dn-1', { internalIP: '10.0.3.1', labels: { 'node-role.kubernetes.io/worker': '' } });
    const nodeUid = (node as { metadata: { uid: string } }).metadata.uid;
    for (const [name, phase] of [['running', 'Running'], ['done', 'Succeeded']] as const) {
      await env.api.post(`/api/v1/namespaces/${ns}/pods`, { ...podObject(name), spec: { containers: [{ name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } }] } });
      await env.api.bindPod(ns, name, 'dn-1');
      await env.api.setPodStatus(ns, name, { phase });
    }
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await env.api.post('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'dn-1' }, spec: { holderIdentity: 'dn-1', leaseDurationSeconds: 40, renewTime: now } });
    // kubelet records node events in "default" with the node's name as uid; others use the real uid.
    await env.api.post('/api/v1/namespaces/default/events', event('default', 'dn-1.1', { kind: 'Node', object: 'dn-1', uid: 'dn-1', objectNs: '', type: 'Normal', reason: 'Starting', message: 'Starting kubelet.', first: 1800, last: 1800, host: 'dn-1' }));
    await env.api.post('/api/v1/namespaces/default/events', event('default', 'dn-1.2', { kind: 'Node', object: 'dn-1', uid: nodeUid, objectNs: '', type: 'Normal', reason: 'RegisteredNode', message: 'Node dn-1 event: Registered Node dn-1 in Controller', first: 1200, last: 1200, component: 'node-controller' }));

    const out = await env.kubectl.ok(['describe', 'node', 'dn-1']);
    const expectLine = (re: RegExp) => assert.match(out, re);
    expectLine(/^Name:               dn-1$/m);
    expectLine(/^Roles:              worker$/m);
    expectLine(/^Unschedulable:      false$/m);
    expectLine(/^Lease:\n  HolderIdentity:  dn-1\n  AcquireTime:     <unset>\n  RenewTime:       .+$/m);
    expectLine(/^  Ready\s+True\s+.+KubeletReady\s+kubelet is posting ready status$/m);
    expectLine(/^Addresses:\n  InternalIP:  10\.0\.3\.1\n  Hostname:    dn-1$/m);
    expectLine(/^Capacity:\n  cpu:                2\n/m);
    expectLine(/^  Kubelet Version:            v1\.32\.0$/m);
    // Succeeded pods are not listed (status.phase!=Succeeded field selector).
    expectLine(/^Non-terminated Pods:          \(1 in total\)$/m);
    expectLine(new RegExp(`^  ${ns}\\s+running\\s+500m \\(25%\\)\\s+1 \\(50%\\)\\s+256Mi \\(6%\\)\\s+512Mi \\(13%\\)\\s+\\d+s$`, 'm'));
    assert.doesNotMatch(out, /\bdone\b/);
    expectLine(/^  cpu                500m \(25%\)  1 \(50%\)$/m);
    const ev = out.slice(out.indexOf('Events:'));
    assert.equal(
      ev.replace(/[ \t]+$/gm, ''),
      [
        'Events:',
        '  Type    Reason          Age   From             Message',
        '  ----    ------          ----  ----             -------',
        '  Normal  Starting        30m   kubelet          Starting kubelet.',
        '  Normal  RegisteredNode  20m   node-controller  Node dn-1 event: Registered Node dn-1 in Controller',
        '',
      ].join('\n'),
    );
  });
});

describe('kubectl wait', () => {
  it('--for=condition=Ready returns once the status says so', async () => {
    const ns = await env.namespace('wait');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web'));
    const w = k.start(['wait', '--for=condition=Ready', 'pod/web', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(w.exited, false);
    await env.api.setPodStatus(ns, 'web', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() }] });
    const r = await w.exit(20_000);
    assert.deepEqual([r.code, r.stdout, withoutKlog(r.stderr)], [0, 'pod/web condition met\n', '']);
    // Already true: immediate. condition=Ready=false does not hold.
    assert.equal(await k.ok(['wait', '--for=condition=Ready', 'pod/web', '--timeout=5s']), 'pod/web condition met\n');
    assert.equal(await k.ok(['wait', '--for=condition=Ready=true', 'pods', '--all', '--timeout=5s']), 'pod/web condition met\n');
  });

  it("--for=jsonpath='{.status.phase}'=Running", async () => {
    const ns = await env.namespace('waitjp');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web', { labels: { app: 'w' } }));
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web2', { labels: { app: 'w' } }));
    const w = k.start(['wait', '--for=jsonpath={.status.phase}=Running', 'pods', '-l', 'app=w', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 300));
    await env.api.setPodStatus(ns, 'web', { phase: 'Running' });
    await env.api.setPodStatus(ns, 'web2', { phase: 'Running' });
    const r = await w.exit(20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pod/web condition met\npod/web2 condition met\n');
  });

  it('--timeout prints the timed-out message; a missing pod is NotFound', async () => {
    const ns = await env.namespace('waittmo');
    const k = env.kubectl.ns(ns);
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web'));
    const t0 = Date.now();
    const r = await k.run(['wait', '--for=condition=Ready', 'pod/web', '--timeout=2s']);
    const took = Date.now() - t0;
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(withoutKlog(r.stderr), 'error: timed out waiting for the condition on pods/web\n');
    assert.ok(took >= 1900 && took < 10_000, `kubectl honoured --timeout (${took} ms): watch headers are flushed at once`);
    const jp = await k.run(['wait', "--for=jsonpath={.status.phase}=Running", 'pod/web', '--timeout=2s']);
    assert.equal(withoutKlog(jp.stderr), 'error: timed out waiting for the condition on pods/web\n');
    const nf = await k.fail(['wait', '--for=condition=Ready', 'pod/nope', '--timeout=2s']);
    assert.equal(nf.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  });

  it('--for=delete waits through graceful deletion; an absent object is already deleted', async () => {
    const ns = await env.namespace('waitdel');
    const k = env.kubectl.ns(ns);
    await env.api.createNode('waitdel-n1');
    await env.api.post(`/api/v1/namespaces/${ns}/pods`, podObject('web'));
    await env.api.bindPod(ns, 'web', 'waitdel-n1');
    assert.equal(await k.ok(['delete', 'pod', 'web', '--wait=false']), 'pod "web" deleted\n');
    const w = k.start(['wait', '--for=delete', 'pod/web', '--timeout=20s']);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(w.exited, false, 'still terminating');
    await env.api.deletePodNow(ns, 'web');
    const r = await w.exit(20_000);
    assert.deepEqual([r.code, r.stdout, withoutKlog(r.stderr)], [0, 'pod/web condition met\n', '']);
    const gone = await k.run(['wait', '--for=delete', 'pod/web', '--timeout=2s']);
    assert.deepEqual([gone.code, gone.stdout, gone.stderr], [0, '', '']);
  });
});
