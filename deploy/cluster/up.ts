import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, isIP } from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RestClient } from '../../shared/client/rest-client.ts';
import { APISERVER_NODE_FLAGS, NODE_AGENT_NODE_FLAGS } from '../node-flags.ts';
import type { KubeList, KubeObject } from '../../shared/api/meta.ts';
import type { Node } from '../../shared/api/core-v1.ts';
import { newState, saveState, loadState, statePath, type ClusterState, type NodeRecord } from './cluster-state.ts';
import { claimNetworkIndex, createNetwork, planNetwork } from './network.ts';
import { podNetworkNodeFlags, podNetworkProblems, POD_NETWORK_CONTROLLER_FLAGS } from './pod-network.ts';
import { ensureEtcdPKI, ensurePKI, kubeconfigYaml, newBootstrapToken, writeSecretFile, type ClusterPKI, type EtcdPKI } from './pki.ts';
import { request as httpsRequest } from 'node:https';
import { run } from './run.ts';
import { isAlive, startDaemon, tail, type Daemon } from './supervisor.ts';
import { containerdConfigToml } from '../containerd/containerd-config.ts';
import { teardown } from './down.ts';
import { linkKubectlPlugin } from './kubectl-plugin-link.ts';
import { startConsoleDaemon } from './console-daemon.ts';
import { healthOnlyAuthenticationConfigYaml } from '../../apiserver/authentication/authentication-config.ts';

export interface UpOptions {
  stateDir: string;
  nodes: number;
  storage: 'embedded' | 'etcd';
  etcdMembers: 1 | 3;
  apiservers: 1 | 2;
  controllers: 1 | 2;
  simNodes: number;
  apiserverPort: number;
  /**
   * An address of this machine that other machines reach: it goes into the serving certificate, the API
   * server(s) (or the load balancer) also listen on it, and node-join.env names it, so `kubelab node` on another
   * machine can join (README "Joining real machines").
   */
  advertiseAddress?: string;
  /** Extra flags for `kubelab controller` (e.g. short node-monitor grace periods in tests). */
  controllerArgs: string[];
  /** Extra flags for every `kubelab node`. */
  nodeArgs: string[];
  /**
   * Resolvers the cluster DNS forwards names outside cluster.local to (IP or IP:port); default: the nameservers
   * of this machine's /etc/resolv.conf.
   */
  dnsUpstream?: string[];
  /** Progress output (stdout by default). */
  out?: (line: string) => void;
  /** Skip the package installation step (tests on prepared machines). */
  skipInstall?: boolean;
}

/** A failed step: what, why, and how to fix it. */
export class UpError extends Error {
  readonly step: string;
  readonly fix: string;
  /** The CLI's exit code: 1, or 130 when interrupted by a signal. */
  readonly exitCode: number;
  constructor(step: string, message: string, fix: string, exitCode = 1) {
    super(message);
    this.step = step;
    this.fix = fix;
    this.exitCode = exitCode;
  }
}

/** The checkout (deploy scripts, node_modules): above this module, or where a compiled copy links node_modules from. */
export function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'deploy', 'install-deps.sh'))) return dir;
    const modules = join(dir, 'node_modules');
    if (existsSync(modules)) {
      const linked = dirname(realpathSync(modules));
      if (existsSync(join(linked, 'deploy', 'install-deps.sh'))) return linked;
    }
    if (dirname(dir) === dir) throw new Error('cannot find the kubelab checkout');
  }
}

/**
 * The project's Node 24 and the CLI entry of the same tree as this module (dist/cli/main.js when compiled,
 * cli/main.ts under type stripping), so every component runs the build that `kubelab up` itself runs: a test
 * or benchmark compiled into its own directory never mixes with the shared dist/ that other runs rebuild.
 */
function kubelabCommand(root: string): { cmd: string; pre: string[] } {
  const node = join(root, 'node_modules', '.bin', 'node');
  const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
  const main = fileURLToPath(new URL(`../../cli/main${ext}`, import.meta.url));
  if (!existsSync(node)) throw new UpError('prerequisites', `${node} is missing`, `run 'npm ci' in ${root}`);
  if (!existsSync(main)) throw new UpError('prerequisites', `${main} is missing`, `run 'npm run build' in ${root}`);
  return { cmd: node, pre: ['--enable-source-maps', main] };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const s = createServer();
    s.once('error', () => resolveFree(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolveFree(true)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tarballs deploy/images/build-images.sh writes, and the names they are imported under. */
const IMAGES: [string, string][] = [
  ['pause-3.9.tar', 'localhost/pause'],
  ['busybox-1.35.tar', 'localhost/busybox'],
];

/** Polls fn until it returns a value; `guard` runs first each round and may throw to give up early. */
async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200, guard?: () => void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    guard?.();
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${String((last as Error).message ?? last)}` : ''}`);
    await sleep(intervalMs);
  }
}

/**
 * `kubelab up`: a multi-node lab cluster on this machine. Each step prints its duration; a failure tears down
 * everything started so far and throws an UpError naming the step, the reason and the fix.
 */
export async function up(o: UpOptions): Promise<{ kubeconfig: string; state: ClusterState }> {
  const out = o.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const root = repoRoot();
  const stateDir = resolve(o.stateDir);
  const steps: [string, () => Promise<string | void>][] = [];
  let state: ClusterState | undefined;

  // ---- validation before touching anything
  if (process.getuid?.() !== 0) throw new UpError('prerequisites', 'kubelab up must run as root (it creates network namespaces, bridges and containerd instances)', 'run it with sudo, or as root');
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 20) throw new UpError('flags', `--nodes must be between 1 and 20, got ${o.nodes}`, 'pass e.g. --nodes 3 (for a control plane alone, run kubelab apiserver and kubelab controller by hand)');
  if (!Number.isInteger(o.simNodes) || o.simNodes < 0) throw new UpError('flags', `--sim-nodes must be 0 or more, got ${o.simNodes}`, 'pass e.g. --sim-nodes 100');
  if (o.apiservers === 2 && o.storage !== 'etcd') throw new UpError('flags', 'two API servers need shared storage', 'add --storage etcd');
  if (o.storage === 'embedded' && o.etcdMembers !== 1) throw new UpError('flags', '--etcd-members needs --storage etcd', 'add --storage etcd');
  const existing = loadState(stateDir);
  if (existing && existing.daemons.some((d) => isAlive(d.pid))) {
    throw new UpError('prerequisites', `a cluster is already running from ${stateDir}`, `run 'kubelab down' there first, or use another --state-dir`);
  }
  if (existing) await teardown(existing, () => undefined);
  if (o.advertiseAddress !== undefined && isIP(o.advertiseAddress) === 0) {
    throw new UpError('flags', `--advertise-address must be an IP address of this machine, got ${JSON.stringify(o.advertiseAddress)}`, 'pass e.g. --advertise-address 192.168.1.10');
  }
  if (!Number.isInteger(o.apiserverPort) || o.apiserverPort < 1 || o.apiserverPort > 65535 - 2) {
    throw new UpError('flags', `--apiserver-port must be a TCP port, got ${o.apiserverPort}`, 'pass e.g. --apiserver-port 6443');
  }
  // With two API servers they listen on the next two ports behind the load balancer on --apiserver-port.
  for (const port of o.apiservers === 1 ? [o.apiserverPort] : [o.apiserverPort, o.apiserverPort + 1, o.apiserverPort + 2]) {
    if (!(await portFree(port))) {
      const what = port === o.apiserverPort ? 'the API server port' : `port ${port} (the API servers behind the load balancer use --apiserver-port + 1 and + 2)`;
      throw new UpError('prerequisites', `${what} ${port === o.apiserverPort ? port + ' ' : ''}is already in use`, `stop what listens there (ss -ltnp 'sport = :${port}') or pass another --apiserver-port`);
    }
  }
  const kl = kubelabCommand(root);
  const nodeNames = Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`);
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  state = newState(stateDir, { ...o, out: undefined });
  saveState(state);
  const st = state;
  const logs = join(stateDir, 'logs');
  // Ctrl-C (or SIGTERM) while coming up: the current wait gives up, and everything started so far is torn down
  // (daemons run in their own sessions, so the terminal's SIGINT does not reach them).
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!interrupted) out(`${sig}: stopping ...`);
    interrupted = sig;
  };
  /** Fails fast when a component died (or up was interrupted) instead of waiting out a timeout. */
  const allAlive = () => {
    if (interrupted) throw new Error(`interrupted by ${interrupted}`);
    for (const d of st.daemons) if (!isAlive(d.pid)) throw new Error(`${d.name} exited; last lines of ${d.log}:\n${tail(d.log, 12)}`);
  };
  const daemon = async (d: Parameters<typeof startDaemon>[0]): Promise<Daemon> => {
    const started = await startDaemon(d);
    st.daemons.push(started);
    saveState(st);
    return started;
  };

  let pki: ReturnType<typeof ensurePKI> | undefined;
  let client: RestClient | undefined;
  // Claimed (its bridge created) before anything else, and recorded at once so a failure tears it down.
  const index = await claimNetworkIndex().catch((e: Error) => {
    rmSync(statePath(stateDir), { force: true });
    throw new UpError('network', e.message, "check 'ip -o link show type bridge' and 'ip netns list' for klb* leftovers");
  });
  const net = planNetwork(index, nodeNames);
  st.network = net;
  saveState(st);
  const hostIP = net.hostIP;
  const server = `https://${hostIP}:${o.apiserverPort}`;
  const kubeconfig = join(stateDir, 'kubeconfig');
  const controllerKubeconfig = join(stateDir, 'pki', 'controller.kubeconfig');
  const schedulerKubeconfig = join(stateDir, 'pki', 'scheduler.kubeconfig');
  const proxyKubeconfig = join(stateDir, 'pki', 'kube-proxy.kubeconfig');
  const dnsKubeconfig = join(stateDir, 'pki', 'kube-dns.kubeconfig');
  const etcdEndpoints: string[] = [];
  let etcdPki: EtcdPKI | undefined;
  const imagesDir = process.env.KUBELAB_IMAGE_DIR || join(root, '.kubelab', 'images');

  steps.push(['install packages', async () => {
    if (o.skipInstall) return 'skipped';
    const r = await run('bash', [join(root, 'deploy', 'install-deps.sh')], { timeoutMs: 900_000 });
    return r.trim().split('\n').pop();
  }]);
  steps.push(['build images (pause, busybox)', async () => {
    // One cache for every cluster of this checkout (build-images.sh rebuilds only when an input changed and
    // serializes concurrent builds), so a second `up` does not pay the umoci build again.
    await run('bash', [join(root, 'deploy', 'images', 'build-images.sh'), imagesDir], { timeoutMs: 300_000 });
    return imagesDir;
  }]);
  steps.push(['cluster CA, certificates and keys', async () => {
    pki = ensurePKI(join(stateDir, 'pki'), { ips: [hostIP, '127.0.0.1', '10.96.0.1', ...(o.advertiseAddress ? [o.advertiseAddress] : [])], dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'] });
    // One kubeconfig per control-plane identity (client certificates; no credential on any command line).
    writeSecretFile(kubeconfig, kubeconfigYaml({ server, caCertPath: pki.caCert, client: pki.admin, user: 'kubernetes-admin' }));
    writeSecretFile(controllerKubeconfig, kubeconfigYaml({ server, caCertPath: pki.caCert, client: pki.controller, user: 'system:kube-controller-manager' }));
    writeSecretFile(schedulerKubeconfig, kubeconfigYaml({ server, caCertPath: pki.caCert, client: pki.scheduler, user: 'system:kube-scheduler' }));
    writeSecretFile(proxyKubeconfig, kubeconfigYaml({ server, caCertPath: pki.caCert, client: pki.kubeProxy, user: 'system:kube-proxy' }));
    writeSecretFile(dnsKubeconfig, kubeconfigYaml({ server, caCertPath: pki.caCert, client: pki.kubeDNS, user: 'system:kube-dns' }));
  }]);
  steps.push([`network (bridge ${net.bridge}, ${o.nodes} node namespace${o.nodes > 1 ? 's' : ''} on ${net.subnet})`, async () => {
    await createNetwork(net);
  }]);
  if (o.storage === 'etcd') {
    steps.push([`etcd (${o.etcdMembers} member${o.etcdMembers > 1 ? 's' : ''})`, async () => {
      const members = Array.from({ length: o.etcdMembers }, (_, i) => ({ name: `etcd-${i}`, client: 2379 + i * 2, peer: 2380 + i * 2 }));
      // Mutual TLS for clients and peers, on the bridge address only: its own CA, keys 0600 in <state>/pki/etcd.
      const e = (etcdPki = ensureEtcdPKI(join(stateDir, 'pki', 'etcd'), { ips: [hostIP], dns: [] }));
      const initial = members.map((m) => `${m.name}=https://${hostIP}:${m.peer}`).join(',');
      await Promise.all(members.map(async (m) => {
        await daemon({
          name: m.name,
          cmd: 'etcd',
          args: [
            '--name', m.name, '--data-dir', join(stateDir, 'etcd', m.name),
            '--listen-client-urls', `https://${hostIP}:${m.client}`, '--advertise-client-urls', `https://${hostIP}:${m.client}`,
            '--listen-peer-urls', `https://${hostIP}:${m.peer}`, '--initial-advertise-peer-urls', `https://${hostIP}:${m.peer}`,
            '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', `kubelab-${index}`,
            '--cert-file', e.serverCert, '--key-file', e.serverKey, '--client-cert-auth', '--trusted-ca-file', e.caCert,
            '--peer-cert-file', e.peerCert, '--peer-key-file', e.peerKey, '--peer-client-cert-auth', '--peer-trusted-ca-file', e.caCert,
          ],
          log: join(logs, `${m.name}.log`),
        });
      }));
      etcdEndpoints.push(...members.map((m) => `https://${hostIP}:${m.client}`));
      // etcd's own /health (true once the member has a leader and can serve a read), asked with the API
      // servers' client certificate; etcdctl is not needed (Debian ships it in etcd-client, which
      // install-deps.sh does not install).
      const tls = { ca: readFileSync(e.caCert), cert: readFileSync(e.apiserverClientCert), key: readFileSync(e.apiserverClientKey) };
      await waitFor('etcd health', async () => {
        const healthy = await Promise.all(etcdEndpoints.map((url) => etcdHealthy(url, tls)));
        return healthy.every(Boolean) ? true : undefined;
      }, 30_000, 200, allAlive);
    }]);
  }
  const apiPorts = o.apiservers === 1 ? [o.apiserverPort] : [o.apiserverPort + 1, o.apiserverPort + 2];
  // The API servers boot (a second or two of CPU) while containerd starts and takes its images: started here,
  // waited for two steps later.
  steps.push([`API server${o.apiservers > 1 ? 's (+ load balancer)' : ''}: start`, async () => {
    if (!pki) throw new Error('no PKI');
    const p = pki;
    const storageArgs = o.storage === 'etcd'
      ? ['--etcd-servers', etcdEndpoints.join(','), ...(etcdPki ? ['--etcd-cafile', etcdPki.caCert, '--etcd-certfile', etcdPki.apiserverClientCert, '--etcd-keyfile', etcdPki.apiserverClientKey] : [])]
      : ['--data-dir', join(stateDir, 'data')];
    await Promise.all(apiPorts.map((port, i) => daemon({
      name: `apiserver-${i}`,
      cmd: kl.cmd,
      // With an advertised address the front door listens on every address (TLS + tokens are always on).
      // Every API server advertises the address pods reach the API at (the `kubernetes` Service's endpoint): the
      // bridge address and the front door's port (the load balancer's with two).
      args: [...APISERVER_NODE_FLAGS, ...kl.pre, 'apiserver', '--listen', `${o.advertiseAddress && apiPorts.length === 1 ? '0.0.0.0' : hostIP}:${port}`, ...storageArgs,
        '--advertise-address', hostIP, '--advertise-port', String(o.apiserverPort),
        ...apiserverSecurityFlags(p)],
      log: join(logs, `apiserver-${i}.log`),
    })));
    if (apiPorts.length > 1) {
      await daemon({
        name: 'lb',
        cmd: kl.cmd,
        args: [...kl.pre, 'lb', '--listen', `${o.advertiseAddress ? '0.0.0.0' : hostIP}:${o.apiserverPort}`, '--backends', apiPorts.map((port) => `${hostIP}:${port}`).join(',')],
        log: join(logs, 'lb.log'),
      });
    }
    const joinServer = o.advertiseAddress ? `https://${o.advertiseAddress}:${o.apiserverPort}` : server;
    writeSecretFile(join(stateDir, 'node-join.env'), `KUBELAB_SERVER=${joinServer}\nKUBELAB_CA_CERT=${p.caCert}\n`);
    st.apiserverURL = server;
    st.kubeconfig = kubeconfig;
    saveState(st);
  }]);
  steps.push([`containerd on ${o.nodes} node${o.nodes > 1 ? 's' : ''} (+ images)`, async () => {
    await Promise.all(net.nodes.map(async (n) => {
      const dir = join(stateDir, 'nodes', n.name);
      const cdir = join(dir, 'containerd');
      mkdirSync(join(cdir, 'net.d'), { recursive: true });
      const rec: NodeRecord = {
        name: n.name,
        netns: n.netns,
        ip: n.ip,
        dir,
        containerdSocket: join(cdir, 'containerd.sock'),
        cgroupPrefix: `/kubelab${index}-${n.name}`,
        cniConfDir: join(cdir, 'net.d'),
      };
      writeFileSync(join(cdir, 'config.toml'), containerdConfigToml({ dir: cdir, socket: rec.containerdSocket }));
      st.nodes.push(rec);
      await daemon({ name: `containerd-${n.name}`, cmd: 'containerd', args: ['--config', join(cdir, 'config.toml')], log: join(logs, `containerd-${n.name}.log`), netns: n.netns });
    }));
    st.nodes.sort((x, y) => net.nodes.findIndex((n) => n.name === x.name) - net.nodes.findIndex((n) => n.name === y.name));
    saveState(st);
    await Promise.all(st.nodes.map(async (rec) => {
      await waitFor(`containerd of ${rec.name}`, async () => ((await run('ctr', ['--address', rec.containerdSocket, 'version'], { allowFail: true })).includes('Server:') ? true : undefined), 20_000, 100, allAlive);
      // The tarballs of step 2, straight into the CRI namespace (what deploy/images/import-images.sh does, without
      // its per-node rebuild check, which serializes the nodes on the image cache lock).
      await Promise.all(IMAGES.map(([tar, base]) => run('ctr', ['--address', rec.containerdSocket, '-n', 'k8s.io', 'images', 'import', '--base-name', base, join(imagesDir, tar)], { timeoutMs: 120_000 })));
    }));
  }]);
  steps.push([`API server${o.apiservers > 1 ? 's' : ''} ready`, async () => {
    if (!pki) throw new Error('no PKI');
    const ca = readFileSync(pki.caCert);
    // Each API server, then the address everything uses (the load balancer with two).
    for (const url of [...new Set([...apiPorts.map((port) => `https://${hostIP}:${port}`), server])]) {
      const c = new RestClient({ server: url, ca, ...adminCredential(pki), timeoutMs: 5000 });
      try {
        await waitFor(`API server ${url} (/readyz)`, async () => {
          const r = await c.requestRaw({ method: 'GET', path: '/readyz' });
          return r.statusCode === 200 ? true : undefined;
        }, 60_000, 100, allAlive);
      } finally {
        c.close();
      }
    }
    client = new RestClient({ server, ca, ...adminCredential(pki), timeoutMs: 10_000 });
  }]);
  steps.push(['bootstrap tokens, Pod Security defaults', async () => {
    const c = client as RestClient;
    // One bootstrap token per node, bound to its name (auth-extra-groups), in a 0600 bootstrap kubeconfig in the
    // node's directory: the agent trades it for its own client certificate (a CSR the controller approves and signs)
    // and writes <node>/kubeconfig pointing at it (kubelet's --bootstrap-kubeconfig / --kubeconfig).
    for (const rec of st.nodes) {
      const { token, secret } = newBootstrapToken(rec.name, Date.now());
      await c.request({ method: 'POST', path: '/api/v1/namespaces/kube-system/secrets', body: secret });
      writeSecretFile(join(rec.dir, 'bootstrap-kubeconfig'), kubeconfigYaml({ server, caCertPath: (pki as ClusterPKI).caCert, token, user: `system:bootstrap:${token.split('.')[0]}` }));
    }
    // kube's default is privileged everywhere; a lab cluster warns about what baseline would refuse.
    await c.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/default',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/warn-version': 'latest' } } },
    });
  }]);
  steps.push([`controller${o.controllers > 1 ? 's' : ''}`, async () => {
    if (!pki) throw new Error('no PKI');
    const p = pki;
    // The controllers and the scheduler run as two processes, each with its own identity and upstream's roles
    // (system:kube-controller-manager, system:kube-scheduler) and its own leader lease.
    for (let i = 0; i < o.controllers; i++) {
      await daemon({
        name: `controller-${i}`,
        cmd: kl.cmd,
        args: [...kl.pre, 'controller', '--kubeconfig', controllerKubeconfig, '--controllers', '*,-scheduler', '--cluster-cidr', net.clusterCIDR,
          '--cluster-signing-cert-file', p.caCert, '--cluster-signing-key-file', p.caKey, '--root-ca-file', p.caCert,
          ...POD_NETWORK_CONTROLLER_FLAGS, ...(o.controllers > 1 ? ['--leader-elect'] : []), ...o.controllerArgs],
        log: join(logs, `controller-${i}.log`),
      });
      await daemon({
        name: `scheduler-${i}`,
        cmd: kl.cmd,
        args: [...kl.pre, 'controller', '--kubeconfig', schedulerKubeconfig, '--controllers', 'scheduler',
          ...(o.controllers > 1 ? ['--leader-elect', '--leader-elect-resource-name', 'kube-scheduler'] : [])],
        log: join(logs, `scheduler-${i}.log`),
      });
    }
  }]);
  steps.push(['node agents', async () => {
    if (!pki) throw new Error('no PKI');
    const p = pki;
    await Promise.all(st.nodes.map((rec) => daemon({
      name: `node-${rec.name}`,
      cmd: kl.cmd,
      // A 2 MiB young generation halves the agent's RSS at no measured latency cost (docs/benchmarks.md, issue 5).
      args: [...NODE_AGENT_NODE_FLAGS, ...kl.pre, 'node', '--bootstrap-kubeconfig', join(rec.dir, 'bootstrap-kubeconfig'), '--kubeconfig', join(rec.dir, 'kubeconfig'),
        '--client-ca-file', p.caCert, '--name', rec.name,
        '--container-runtime-endpoint', `unix://${rec.containerdSocket}`, '--root-dir', join(rec.dir, 'agent'),
        '--node-ip', rec.ip, '--cgroup-prefix', rec.cgroupPrefix, ...podNetworkNodeFlags(net, rec),
        // Each node's pods ask their own node's DNS server (started below), so losing a node loses no other node's DNS.
        '--cluster-dns', rec.ip, ...o.nodeArgs],
      log: join(logs, `node-${rec.name}.log`),
      netns: rec.netns,
    })));
  }]);
  steps.push([`service proxy and cluster DNS on ${o.nodes} node${o.nodes > 1 ? 's' : ''}`, async () => {
    // The kube-proxy role (nftables, table `ip kube-proxy` in the node's namespace) and a DNS server for cluster.local
    // on the node's address, both in the node's network namespace, each with its own identity.
    await Promise.all(st.nodes.map(async (rec) => {
      await daemon({
        name: `proxy-${rec.name}`,
        cmd: kl.cmd,
        // --pod-routes: the routes to the other nodes' pod CIDRs in this namespace (flannel's host-gw role).
        args: [...kl.pre, 'proxy', '--kubeconfig', proxyKubeconfig, '--hostname-override', rec.name, '--cluster-cidr', net.clusterCIDR, '--pod-routes'],
        log: join(logs, `proxy-${rec.name}.log`),
        netns: rec.netns,
      });
      await daemon({
        name: `dns-${rec.name}`,
        cmd: kl.cmd,
        args: [...kl.pre, 'dns', '--kubeconfig', dnsKubeconfig, '--listen', `${rec.ip}:53`, ...(o.dnsUpstream?.length ? ['--upstream', o.dnsUpstream.join(',')] : [])],
        log: join(logs, `dns-${rec.name}.log`),
        netns: rec.netns,
      });
    }));
  }]);
  if (o.simNodes > 0) {
    steps.push([`${o.simNodes} simulated node${o.simNodes > 1 ? 's' : ''}`, async () => {
      await daemon({
        name: 'sim-nodes',
        cmd: kl.cmd,
        // Simulated nodes run as the admin (one process for hundreds of agents; no pods really run there) and share
        // one self-signed serving certificate for their endpoints, which answer only clients of the cluster CA.
        args: [...kl.pre, 'sim-nodes', '--kubeconfig', kubeconfig, '--count', String(o.simNodes), '--name-prefix', 'sim-', '--client-ca-file', (pki as ClusterPKI).caCert],
        log: join(logs, 'sim-nodes.log'),
      });
    }]);
  }
  steps.push(['pod CIDRs, CNI networks and routes', async () => {
    const c = client as RestClient;
    const cidrs = await waitFor('pod CIDRs from the controller', async () => {
      const list = await c.request<KubeList<Node>>({ method: 'GET', path: '/api/v1/nodes' });
      const m = new Map<string, string>();
      for (const n of list.items) if (n.spec?.podCIDR && n.metadata.name) m.set(n.metadata.name, n.spec.podCIDR);
      return st.nodes.every((r) => m.has(r.name)) ? m : undefined;
    }, 60_000, 300, allAlive);
    // The agents write their CNI configs (--cni-conf-dir), the proxies route the node namespaces (--pod-routes); the route
    // controller routes the host (--configure-cloud-routes). All kept in sync with the Nodes from now on.
    await waitFor('CNI configs and pod routes', async () => {
      const problems = await podNetworkProblems(st.nodes, cidrs);
      if (problems.length) throw new Error(problems.join('; '));
      return true;
    }, 60_000, 300, allAlive);
  }]);
  steps.push([`all ${o.nodes + o.simNodes} nodes Ready`, async () => {
    const c = client as RestClient;
    await waitFor('every node to be Ready', async () => {
      const list = await c.request<KubeList<Node>>({ method: 'GET', path: '/api/v1/nodes' });
      const ready = list.items.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return ready.length >= o.nodes + o.simNodes ? true : undefined;
    }, 120_000, 300, allAlive);
  }]);

  steps.push(['console', async () => {
    st.console = await startConsoleDaemon({ client: client as RestClient, kl, server, caCertPath: (pki as ClusterPKI).caCert, stateDir, logs, daemon, allAlive });
    saveState(st);
    return st.console.url;
  }]);

  const total = Date.now();
  out(`kubelab up: ${o.nodes} node${o.nodes > 1 ? 's' : ''}${o.simNodes ? ` + ${o.simNodes} simulated` : ''}, ${o.storage} storage${o.storage === 'etcd' ? ` (${o.etcdMembers} member${o.etcdMembers > 1 ? 's' : ''})` : ''}, ${o.apiservers} API server${o.apiservers > 1 ? 's' : ''}, ${o.controllers} controller${o.controllers > 1 ? 's' : ''}; state in ${stateDir}`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (let i = 0; i < steps.length; i++) {
      const [name, fn] = steps[i] as [string, () => Promise<string | void>];
      const t0 = Date.now();
      out(`[${i + 1}/${steps.length}] ${name} ...`);
      try {
        allAlive();
        const note = await fn();
        allAlive();
        out(`      done in ${((Date.now() - t0) / 1000).toFixed(1)}s${note ? ` (${note})` : ''}`);
      } catch (e) {
        out(`      ${interrupted ? 'INTERRUPTED' : 'FAILED'} after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
        out('Tearing down what was started ...');
        client?.close();
        await teardown(st, out).catch((err: Error) => out(`  teardown: ${err.message} (run 'kubelab down --state-dir ${stateDir}')`));
        if (interrupted) throw new UpError(name, `interrupted by ${interrupted}; everything started was removed again`, 'run kubelab up again', 130);
        if (e instanceof UpError) throw e;
        throw new UpError(name, (e as Error).message ?? String(e), fixFor(name, stateDir));
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  client?.close();
  out(`Cluster ready in ${((Date.now() - total) / 1000).toFixed(1)}s: API server ${server}`);
  linkKubectlPlugin(root, out);
  return { kubeconfig, state: st };
}

/**
 * The API server's authentication, authorization and node-agent client flags (docs/design/access-control.md).
 * Nothing answers anonymously but health and version: <state>/pki/authentication-config.yaml allows anonymous
 * requests on /healthz, /livez, /readyz and /version only; elsewhere a request without credentials is 401.
 */
function apiserverSecurityFlags(p: ClusterPKI): string[] {
  const authenticationConfig = join(dirname(p.caCert), 'authentication-config.yaml');
  writeSecretFile(authenticationConfig, healthOnlyAuthenticationConfigYaml());
  return [
    '--tls-cert-file', p.serverCert, '--tls-private-key-file', p.serverKey,
    '--client-ca-file', p.caCert,
    '--authentication-config', authenticationConfig,
    '--enable-bootstrap-token-auth',
    '--service-account-key-file', p.saPub, '--service-account-signing-key-file', p.saKey,
    '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
    '--authorization-mode', 'Node,RBAC',
    '--kubelet-client-certificate', p.kubeletClient.cert, '--kubelet-client-key', p.kubeletClient.key,
    '--kubelet-certificate-authority', p.caCert,
  ];
}

/** RestClient options for the admin identity (its client certificate). */
export function adminCredential(p: Pick<ClusterPKI, 'admin'>): { clientCert: Buffer; clientKey: Buffer } {
  return { clientCert: readFileSync(p.admin.cert), clientKey: readFileSync(p.admin.key) };
}

function fixFor(step: string, stateDir: string): string {
  if (step.startsWith('install')) return 'check that apt-get works (apt-get update) and run deploy/install-deps.sh by hand';
  if (step.startsWith('build images')) return 'run deploy/images/build-images.sh by hand to see the error (needs umoci, busybox-static, gcc)';
  if (step.startsWith('network')) return "check 'ip netns list' and 'ip link' for leftovers, then 'kubelab down'";
  return `see the component logs in ${join(stateDir, 'logs')}`;
}

export type { KubeObject };

/** etcd's /health over mutual TLS: true when the member answers {"health":"true"}. */
function etcdHealthy(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(`${url}/health`, { ...tls, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { health?: string }).health === 'true');
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
