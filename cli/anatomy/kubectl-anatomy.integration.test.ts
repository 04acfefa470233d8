/**
 * `kubectl anatomy` for real (integration tier, root): an HTTPS API server, a node agent on a real containerd
 * serving its API with client-certificate authentication, and the real kubectl finding bin/kubectl-anatomy on
 * PATH. The pod (an init container, a native sidecar, two app containers sharing an emptyDir) is drawn
 * line by line: fixed words exactly, values that vary (PIDs, inodes, times, paths with the pod's uid) by pattern,
 * checked against the pod's own status. `-o json` is the agent's document and the schema
 * (docs/api/pod-anatomy.schema.json) accepts it. Errors come out in kubectl's words.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SecuredTestServer } from '../../test/integration/framework/secured-test-server.ts';
import { startSecuredContainerdNode, type SecuredContainerdNode } from '../../test/integration/framework/secured-containerd-node.ts';
import { BUSYBOX_IMAGE, type ContainerdInstance } from '../../test/integration/framework/containerd.ts';
import { waitForPodReady } from '../../test/integration/framework/containerd-node-agent.ts';
import type { Clientset } from '../../shared/client/clientset.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { PodAnatomy } from '../../shared/api/pod-anatomy.ts';
import type { RunningNodeAgent } from '../../node-agent/main.ts';
import { validatePodAnatomy } from '../../node-agent/anatomy/testing/anatomy-schema.ts';

const NODE = 'plugin-node';
const KUBECTL_HINT = "kubectl not found on PATH: install it with 'apt-get install -y kubectl'";

/** The checkout this module is in (also from dist/): where bin/kubectl-anatomy is. */
function checkoutRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'bin', 'kubectl-anatomy')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('Cannot find bin/kubectl-anatomy above this module');
  }
}

function demoPod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'anatomy-demo', namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      volumes: [{ name: 'shared', emptyDir: {} }],
      initContainers: [
        { name: 'setup', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo from-setup > /shared/setup.txt'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        { name: 'log-shipper', image: BUSYBOX_IMAGE, restartPolicy: 'Always', command: ['sleep', '3600'], volumeMounts: [{ name: 'shared', mountPath: '/logs', readOnly: true }] },
      ],
      containers: [
        {
          name: 'app',
          image: BUSYBOX_IMAGE,
          command: ['sh', '-c', 'echo written-by-app > /shared/app.txt && exec httpd -f -p 8080'],
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          resources: { limits: { memory: '64Mi', cpu: '250m' } },
        },
        { name: 'reader', image: BUSYBOX_IMAGE, command: ['sleep', '3600'], volumeMounts: [{ name: 'shared', mountPath: '/data', readOnly: true }] },
      ],
    },
  } as Pod;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kubectl anatomy on a real node', () => {
  let node: SecuredContainerdNode;
  let cd: ContainerdInstance;
  let agent: RunningNodeAgent;
  let server: SecuredTestServer;
  let admin: Clientset;
  let pod: Pod;
  let env: Record<string, string>;

  /** The real kubectl, with this checkout's bin/ first on PATH (kubectl finds kubectl-anatomy there). */
  const kubectl = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile('kubectl', args, { env: { ...env, ...extraEnv }, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  before(async () => {
    const binDir = path.join(checkoutRoot(), 'bin');
    const pathEnv = `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    const which = await new Promise<boolean>((resolve) => execFile('sh', ['-c', 'command -v kubectl'], { env: { PATH: pathEnv } }, (err) => resolve(!err)));
    if (!which) throw new Error(KUBECTL_HINT);
    node = await startSecuredContainerdNode({ node: NODE, containerd: 'plugin', agent: { agent: { relistPeriodMs: 500, housekeepingIntervalMs: 500 } } });
    ({ server, admin, cd, agent } = node);
    env = {
      PATH: pathEnv,
      HOME: server.dir,
      KUBECONFIG: server.kubeconfig({ cert: server.admin }, 'admin'),
      KUBECACHEDIR: path.join(server.dir, 'kube-cache'),
    };
    await admin.pods.create(demoPod());
    pod = await waitForPodReady(admin, 'default', 'anatomy-demo');
  });

  after(async () => {
    await admin?.pods.delete('default', 'anatomy-demo', { gracePeriodSeconds: 0 }).catch(() => undefined);
    await node?.close();
  });

  /** Matches lines against expectations (exact text or a pattern), one by one; returns each pattern's captures. */
  const matchLines = (lines: string[], expected: Array<string | RegExp>): string[][] => {
    const captures: string[][] = [];
    expected.forEach((want, i) => {
      const got = lines[i];
      if (typeof want === 'string') {
        assert.equal(got, want, `line ${i + 1}`);
        captures.push([]);
      } else {
        const m = want.exec(got ?? '');
        assert.ok(m, `line ${i + 1}: ${JSON.stringify(got)} does not match ${want}\n${lines.join('\n')}`);
        captures.push(m.slice(1));
      }
    });
    assert.equal(lines.length, expected.length, `line count\n${lines.join('\n')}`);
    return captures;
  };
  const inode = (pid: string, ns: string) => /\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${ns}`))?.[1];

  let anatomy: PodAnatomy;

  it('-o json prints the agent\'s PodAnatomy, pretty, and the schema accepts it', async () => {
    const r = await kubectl(['anatomy', 'pod', 'anatomy-demo', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    anatomy = JSON.parse(r.stdout) as PodAnatomy;
    assert.equal(r.stdout, `${JSON.stringify(anatomy, null, 2)}\n`);
    assert.deepEqual(validatePodAnatomy(anatomy), []);
    assert.equal(anatomy.metadata.uid, pod.metadata.uid);
    assert.equal(anatomy.metadata.node, NODE);
    const byPath = await kubectl(['anatomy', '-n', 'default', '--output=json', 'pod/anatomy-demo']);
    assert.equal((JSON.parse(byPath.stdout) as PodAnatomy).metadata.uid, pod.metadata.uid);
  });

  it('draws the pod line by line, values checked against the node', async () => {
    const r = await kubectl(['anatomy', 'pod', 'anatomy-demo'], { COLUMNS: '200' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(!r.stdout.includes('\x1b['), 'no colour when stdout is not a terminal');
    const uid = pod.metadata.uid ?? '';
    const podIP = pod.status?.podIP ?? '';
    const volumeDir = anatomy.volumes.find((v) => v.name === 'shared')?.hostPath ?? '';
    assert.ok(volumeDir.includes(uid), volumeDir);
    const T = String.raw`\+\d+\.\d{3}s`;
    const MEM = String.raw`(?:\d+(?:\.\d)?(?:Ki|Mi|Gi)?|\?)`;
    const CPU = String.raw`(?:\d+m|\?)`;
    const c = matchLines(r.stdout.replace(/\n$/, '').split('\n'), [
      'Pod default/anatomy-demo  node plugin-node  Running  Burstable',
      `IPs ${podIP}  uid ${uid}`,
      '',
      /^pause  pid (\d+)  sandbox ([0-9a-f]{12})  ready$/,
      /^│ holds   net:(\d+)  ipc:(\d+)  uts:(\d+)  pid:(\d+)  mnt:(\d+)$/,
      '│ node\'s  cgroup  user  time',
      new RegExp(`^├─ 1\\. setup  init  exited 0  ${T}→${T}$`),
      '│    mounts  /shared ← shared  rw',
      '│            etc-hosts  termination-log',
      new RegExp(`^├─ 2\\. log-shipper  sidecar  running  pid (\\d+)  ready  ${T}$`),
      '│    joins   net  ipc  uts',
      /^│    own     pid:(\d+)  mnt:(\d+)$/,
      '│    node\'s  cgroup  user  time',
      /^│    procs   +(\d+) sleep 3600$/,
      '│    mounts  /logs ← shared  ro',
      '│            etc-hosts  termination-log  resolv-conf',
      new RegExp(`^├─ 3\\. app  app  running  pid (\\d+)  ready  ${T}$`),
      '│    joins   net  ipc  uts',
      /^│    own     pid:(\d+)  mnt:(\d+)$/,
      '│    node\'s  cgroup  user  time',
      /^│    procs   +(\d+) httpd -f -p 8080$/,
      '│    mounts  /shared ← shared  rw',
      '│            etc-hosts  termination-log  resolv-conf',
      new RegExp(`^└─ 4\\. reader  app  running  pid (\\d+)  ready  ${T}$`),
      '     joins   net  ipc  uts',
      /^     own     pid:(\d+)  mnt:(\d+)$/,
      '     node\'s  cgroup  user  time',
      /^     procs   +(\d+) sleep 3600$/,
      '     mounts  /data ← shared  ro',
      '             etc-hosts  termination-log  resolv-conf',
      '',
      'VOLUMES',
      `  shared  emptyDir  ${volumeDir}`,
      '    ├─ setup        /shared  rw',
      '    ├─ log-shipper  /logs  ro',
      '    ├─ app          /shared  rw',
      '    └─ reader       /data  ro',
      '',
      /^NETWORK  net:(\d+)$/,
      /^  lo    127\.0\.0\.1\/8  ::1\/128  up  mtu 65536(?:  00:00:00:00:00:00)?$/,
      new RegExp(`^  eth0  ${podIP.replace(/\./g, '\\.')}/\\d+  fe80::[0-9a-f:]+/64  up  mtu \\d+  ([0-9a-f]{2}(?::[0-9a-f]{2}){5})$`),
      '  listening',
      /^    tcp6? +(?:\[::\]|0\.0\.0\.0):8080  app  pid (\d+)$/,
      '',
      'TIMELINE',
      new RegExp(`^  ${T}  SandboxCreated$`),
      new RegExp(`^  ${T}  SandboxReady$`),
      new RegExp(`^  ${T}  ContainerCreated  setup \\(init\\)$`),
      new RegExp(`^  ${T}  ContainerStarted  setup \\(init\\)$`),
      new RegExp(`^  ${T}  ContainerExited   setup \\(init\\)  exit 0  Completed$`),
      new RegExp(`^  ${T}  ContainerCreated  log-shipper \\(sidecar\\)$`),
      new RegExp(`^  ${T}  ContainerStarted  log-shipper \\(sidecar\\)$`),
      new RegExp(`^  ${T}  ContainerCreated  app \\(app\\)$`),
      new RegExp(`^  ${T}  ContainerStarted  app \\(app\\)$`),
      new RegExp(`^  ${T}  ContainerCreated  reader \\(app\\)$`),
      new RegExp(`^  ${T}  ContainerStarted  reader \\(app\\)$`),
      '',
      'RESOURCES  cpu (millicores) and memory (working set) against limits',
      new RegExp(`^  pod          cpu ${CPU} / no limit +\\[ {20}\\]  mem ${MEM} / no limit +\\[ {20}\\]$`),
      new RegExp(`^  log-shipper  cpu ${CPU} / no limit +\\[ {20}\\]  mem ${MEM} / no limit +\\[ {20}\\]$`),
      new RegExp(`^  app          cpu ${CPU} / 250m +\\[[█░]{20}\\]  mem ${MEM} / 64Mi +\\[█[█░]{19}\\]$`),
      new RegExp(`^  reader       cpu ${CPU} / no limit +\\[ {20}\\]  mem ${MEM} / no limit +\\[ {20}\\]$`),
    ]);
    // The values drawn are the node's: the pause process holds the namespaces shown, each container's main
    // process has the mount and pid namespaces shown, and the listening socket is the app's.
    const [pausePid] = c[3] ?? [];
    const [net, ipc, uts, pidNs, mnt] = c[4] ?? [];
    assert.equal(pausePid, String(anatomy.sandbox.pid));
    assert.equal(inode(pausePid ?? '', 'net'), net);
    assert.equal(inode(pausePid ?? '', 'ipc'), ipc);
    assert.equal(inode(pausePid ?? '', 'uts'), uts);
    assert.equal(inode(pausePid ?? '', 'pid'), pidNs);
    assert.equal(inode(pausePid ?? '', 'mnt'), mnt);
    assert.equal(c[38]?.[0], net, 'the network section is the pause process\'s namespace');
    const mnts = new Set([mnt]);
    for (const [title, own, procs] of [[9, 11, 13], [16, 18, 20], [23, 25, 27]] as const) {
      const pid = c[title]?.[0] ?? '';
      assert.equal(c[procs]?.[0], pid, 'the main process is listed first');
      assert.equal(inode(pid, 'net'), net, `pid ${pid} is in the pod's network namespace`);
      assert.equal(inode(pid, 'pid'), c[own]?.[0]);
      assert.equal(inode(pid, 'mnt'), c[own]?.[1]);
      mnts.add(c[own]?.[1]);
    }
    assert.equal(mnts.size, 4, 'a mount namespace for the sandbox and each running container');
    assert.equal(c[42]?.[0], c[16]?.[0], 'the socket on 8080 is the app\'s httpd');
    assert.equal(fs.readFileSync(path.join(volumeDir, 'app.txt'), 'utf8'), 'written-by-app\n');
    assert.equal(fs.readFileSync(path.join(volumeDir, 'setup.txt'), 'utf8'), 'from-setup\n');
  });

  it('fits 80 columns by default (no terminal, no COLUMNS), cutting with an ellipsis', async () => {
    const r = await kubectl(['anatomy', 'pod', 'anatomy-demo']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.replace(/\n$/, '').split('\n');
    for (const line of lines) assert.ok(Array.from(line).length <= 80, `${JSON.stringify(line)} is wider than 80`);
    const volume = lines.find((l) => l.startsWith('  shared  emptyDir  '));
    assert.equal(Array.from(volume ?? '').length, 80);
    assert.ok(volume?.endsWith('…'), volume);
  });

  it('errors in kubectl\'s words, exit 1', async () => {
    const missing = await kubectl(['anatomy', 'pod', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
    assert.equal(missing.stdout, '');
    const elsewhere = await kubectl(['anatomy', 'pod', 'anatomy-demo', '-n', 'kube-system']);
    assert.equal(elsewhere.stderr, 'Error from server (NotFound): pods "anatomy-demo" not found\n');
    const badToken = await kubectl(['anatomy', 'pod', 'anatomy-demo'], { KUBECONFIG: server.kubeconfig({ token: 'not-a-token' }, 'bad-token') });
    assert.equal(badToken.code, 1);
    assert.equal(badToken.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
    const usage = await kubectl(['anatomy', 'deployment', 'x']);
    assert.equal(usage.code, 1);
    assert.equal(usage.stderr, 'error: kubectl anatomy draws pods only, not "deployment": kubectl anatomy pod NAME\nSee \'kubectl anatomy --help\' for usage.\n');
  });

  it('the anatomy route answers 401 without credentials, on the agent and through the API server', async () => {
    const anonymousAgent = await new Promise<number>((resolve, reject) => {
      const req = https.request(`https://${cd.gateway}:${agent.agent.port}/anatomy/default/anatomy-demo`, { rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(anonymousAgent, 401);
    const badToken = await server.call('GET', `/api/v1/nodes/${NODE}/proxy/anatomy/default/anatomy-demo`, { token: 'not-a-token' });
    assert.equal(badToken.status, 401, badToken.body);
  });
});
