import { parseFlags, usage, FlagError, type FlagSpec } from './flags.ts';
import type { Command } from './main.ts';
import { adminCredential, up, UpError } from '../deploy/cluster/up.ts';
import { newBootstrapToken } from '../deploy/cluster/pki.ts';
import { teardown } from '../deploy/cluster/down.ts';
import { loadState } from '../deploy/cluster/cluster-state.ts';
import { isAlive } from '../deploy/cluster/supervisor.ts';
import { RestClient } from '../shared/client/rest-client.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeList } from '../shared/api/meta.ts';
import type { Node } from '../shared/api/core-v1.ts';

const STATE_DIR_DEFAULT = './.kubelab';

const upSpecs: FlagSpec[] = [
  { name: 'nodes', type: 'number', default: 3, help: 'real nodes (network namespaces with containerd)' },
  { name: 'storage', type: 'string', default: 'embedded', help: 'embedded or etcd' },
  { name: 'etcd-members', type: 'number', default: 1, help: '1 or 3 (with --storage etcd)' },
  { name: 'apiservers', type: 'number', default: 1, help: '1 or 2 (2 needs --storage etcd; a load balancer fronts them)' },
  { name: 'controllers', type: 'number', default: 1, help: '1 or 2 (leader election)' },
  { name: 'sim-nodes', type: 'number', default: 0, help: 'simulated nodes beside the real ones' },
  { name: 'apiserver-port', type: 'number', default: 6443, help: 'API server port on the cluster bridge address' },
  { name: 'advertise-address', type: 'string', help: "this machine's address for nodes on other machines (added to the certificate; the API listens on all addresses)" },
  { name: 'state-dir', type: 'string', default: STATE_DIR_DEFAULT, help: 'where the cluster keeps its state' },
  { name: 'controller-args', type: 'string', default: '', help: 'extra flags for kubelab controller (space-separated)' },
  { name: 'node-args', type: 'string', default: '', help: 'extra flags for kubelab node (space-separated)' },
  { name: 'dns-upstream', type: 'string', default: '', help: "resolvers (IP or IP:port, comma-separated) the cluster DNS forwards other names to (default: this machine's /etc/resolv.conf nameservers)" },
  { name: 'skip-install', type: 'boolean', default: false, help: 'do not install missing packages' },
];

const words = (s: unknown) => String(s ?? '').split(/\s+/).filter(Boolean);

export const upCommand: Command = {
  name: 'up',
  summary: 'Bring up a multi-node lab cluster on this machine',
  usage: () => usage('up', 'Installs what is missing, then starts storage, API server(s), controller(s), and N nodes (each a network namespace with its own containerd and node agent). Returns once every node is Ready.', upSpecs),
  async run(args) {
    const { values, rest } = parseFlags(args, upSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    const storage = String(values['storage']);
    if (storage !== 'embedded' && storage !== 'etcd') throw new FlagError(`--storage must be embedded or etcd, got ${JSON.stringify(storage)}`);
    const one = (name: string, allowed: number[]) => {
      const v = Number(values[name]);
      if (!allowed.includes(v)) throw new FlagError(`--${name} must be ${allowed.join(' or ')}, got ${v}`);
      return v;
    };
    try {
      const { kubeconfig, state } = await up({
        stateDir: String(values['state-dir']),
        nodes: Number(values['nodes']),
        storage,
        etcdMembers: one('etcd-members', [1, 3]) as 1 | 3,
        apiservers: one('apiservers', [1, 2]) as 1 | 2,
        controllers: one('controllers', [1, 2]) as 1 | 2,
        simNodes: Number(values['sim-nodes']),
        apiserverPort: Number(values['apiserver-port']),
        advertiseAddress: values['advertise-address'] ? String(values['advertise-address']) : undefined,
        controllerArgs: words(values['controller-args']),
        nodeArgs: words(values['node-args']),
        dnsUpstream: String(values['dns-upstream'] ?? '').split(',').map((x) => x.trim()).filter(Boolean),
        skipInstall: Boolean(values['skip-install']),
      });
      // The console line right above the export, which stays the last line (as README says).
      if (state.console) process.stdout.write(consoleLine(state.console.url, String(values['state-dir'])));
      process.stdout.write(`export KUBECONFIG=${kubeconfig}\n`);
      return 0;
    } catch (e) {
      if (e instanceof UpError) {
        process.stderr.write(`kubelab up: step "${e.step}" failed: ${e.message}\n  fix: ${e.fix}\n`);
        return e.exitCode;
      }
      throw e;
    }
  },
};

const stateSpecs: FlagSpec[] = [{ name: 'state-dir', type: 'string', default: STATE_DIR_DEFAULT, help: 'the cluster state directory' }];

export const downCommand: Command = {
  name: 'down',
  summary: 'Stop the cluster started here and remove everything it created',
  usage: () => usage('down', 'Stops every process kubelab up started, removes namespaces, bridges, routes, mounts, cgroups and containerd state. Idempotent.', stateSpecs),
  async run(args) {
    const { values, rest } = parseFlags(args, stateSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    const state = loadState(String(values['state-dir']));
    if (!state) {
      process.stdout.write(`kubelab down: no cluster state in ${values['state-dir']}; nothing to do\n`);
      return 0;
    }
    const t0 = Date.now();
    await teardown(state, (l) => process.stdout.write(l + '\n'));
    process.stdout.write(`kubelab down: done in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
    return 0;
  },
};

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the components and nodes of the cluster started here',
  usage: () => usage('status', 'Lists the processes kubelab up started (alive or not), the API server health and the nodes.', stateSpecs),
  async run(args) {
    const { values, rest } = parseFlags(args, stateSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    const state = loadState(String(values['state-dir']));
    if (!state) {
      process.stdout.write(`no cluster in ${values['state-dir']} (kubelab up starts one)\n`);
      return 1;
    }
    let healthy = true;
    process.stdout.write('COMPONENT'.padEnd(24) + 'PID'.padEnd(9) + 'STATE\n');
    for (const d of state.daemons) {
      const alive = isAlive(d.pid);
      healthy &&= alive;
      process.stdout.write(d.name.padEnd(24) + String(d.pid).padEnd(9) + (alive ? 'running' : 'DEAD') + '\n');
    }
    if (state.apiserverURL && state.kubeconfig) {
      try {
        const c = adminClient(state.stateDir, state.apiserverURL);
        const ready = await c.requestRaw({ method: 'GET', path: '/readyz' });
        process.stdout.write(`\nAPI server ${state.apiserverURL}: ${ready.statusCode === 200 ? 'ready' : `NOT READY (${ready.statusCode})`}\n`);
        healthy &&= ready.statusCode === 200;
        const nodes = await c.request<KubeList<Node>>({ method: 'GET', path: '/api/v1/nodes' });
        process.stdout.write('\nNODE'.padEnd(25) + 'READY'.padEnd(10) + 'POD CIDR\n');
        for (const n of nodes.items) {
          const r = n.status?.conditions?.find((x) => x.type === 'Ready')?.status ?? 'Unknown';
          healthy &&= r === 'True';
          process.stdout.write((n.metadata.name ?? '').padEnd(24) + r.padEnd(10) + (n.spec?.podCIDR ?? '<none>') + '\n');
        }
        c.close();
        process.stdout.write('\n');
        if (state.console) process.stdout.write(consoleLine(state.console.url, String(values['state-dir'])));
        process.stdout.write(`export KUBECONFIG=${state.kubeconfig}\n`);
      } catch (e) {
        healthy = false;
        process.stdout.write(`\nAPI server ${state.apiserverURL}: unreachable (${(e as Error).message})\n`);
      }
    }
    return healthy ? 0 : 1;
  },
};

/** The console's address and how to sign in, printed beside `export KUBECONFIG=...`. */
function consoleLine(url: string, stateDir: string): string {
  const login = `bin/kubelab console login${stateDir === STATE_DIR_DEFAULT ? '' : ` --state-dir ${stateDir}`}`;
  return `console: ${url}   (sign in: ${login})\n`;
}

/** A client of the cluster in stateDir with the admin's client certificate (<state>/pki/admin.crt). */
function adminClient(stateDir: string, server: string): RestClient {
  const pki = join(stateDir, 'pki');
  return new RestClient({ server, ca: readFileSync(join(pki, 'ca.crt')), ...adminCredential({ admin: { cert: join(pki, 'admin.crt'), key: join(pki, 'admin.key') } }), timeoutMs: 5000 });
}

const tokenSpecs: FlagSpec[] = [
  { name: 'node', type: 'string', help: 'the node name the token may join as (required)' },
  { name: 'ttl', type: 'duration', default: '24h', help: 'how long the token stays valid' },
  { name: 'kubeconfig', type: 'boolean', default: false, help: 'print a bootstrap kubeconfig (server, CA, token) for kubelab node --bootstrap-kubeconfig instead of the bare token' },
  { name: 'state-dir', type: 'string', default: STATE_DIR_DEFAULT, help: 'the cluster' },
];

/**
 * `kubelab token create --node NAME`: a bootstrap token for one node of another machine (README "Joining real
 * machines"). Prints the token; the Secret that makes it valid is created in kube-system, and the token expires
 * after --ttl. The node trades it for its own client certificate (TLS bootstrapping).
 */
export const tokenCommand: Command = {
  name: 'token',
  summary: 'Create a bootstrap token for joining a node (token create --node NAME)',
  usage: () => usage('token create', 'Creates a bootstrap token that lets one named node join (it trades the token for its own client certificate). Prints the token, or with --kubeconfig a bootstrap kubeconfig for `kubelab node --bootstrap-kubeconfig`: keep it in a 0600 file.', tokenSpecs),
  async run(args) {
    const [verb, ...more] = args;
    if (verb !== 'create') throw new FlagError('usage: kubelab token create --node NAME [--ttl 24h] [--state-dir DIR]');
    const { values, rest } = parseFlags(more, tokenSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    const node = values['node'] ? String(values['node']) : '';
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(node)) throw new FlagError('--node must be the node name (a DNS subdomain), e.g. --node worker-1');
    const state = loadState(String(values['state-dir']));
    if (!state?.apiserverURL) throw new FlagError(`no cluster in ${values['state-dir']} (kubelab up starts one)`);
    const c = adminClient(state.stateDir, state.apiserverURL);
    try {
      const { token, secret } = newBootstrapToken(node, Date.now(), Number(values['ttl']));
      await c.request({ method: 'POST', path: '/api/v1/namespaces/kube-system/secrets', body: secret });
      if (values['kubeconfig'] === true) {
        // node-join.env names the address other machines reach (--advertise-address), else the bridge address.
        const joinEnv = readFileSync(join(state.stateDir, 'node-join.env'), 'utf8');
        const server = /^KUBELAB_SERVER=(.*)$/m.exec(joinEnv)?.[1] ?? state.apiserverURL;
        const ca = readFileSync(join(state.stateDir, 'pki', 'ca.crt')).toString('base64');
        process.stdout.write(bootstrapKubeconfig(server, ca, token));
      } else {
        process.stdout.write(token + '\n');
      }
    } finally {
      c.close();
    }
    return 0;
  },
};

/** A kubeconfig holding a bootstrap token (kubelet's --bootstrap-kubeconfig), the CA inline. */
function bootstrapKubeconfig(server: string, caBase64: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kubelab',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${caBase64}`,
    'users:',
    `- name: system:bootstrap:${token.split('.')[0]}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: kubelab`,
    `  context: {cluster: kubelab, user: "system:bootstrap:${token.split('.')[0]}"}`,
    'current-context: kubelab',
    '',
  ].join('\n');
}
