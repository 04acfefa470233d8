/**
 * `kubelab sim-nodes`: many simulated nodes in one process (the same node agent on the simulated runtime),
 * sharing one client, one pod informer, one node informer and one lease renewer.
 */
import { parseFlags, usage, FlagError, type FlagSpec } from './flags.ts';
import type { Command } from './main.ts';
import { configureLogLevel } from './client-flags.ts';
import { log } from '../shared/util/log.ts';
import { newClientset } from '../shared/client/clientset.ts';
import { clientOptionsFrom, parseLabels, parseTaints } from '../node-agent/main.ts';
import { SimNodeHost } from '../node-agent/sim-nodes.ts';
import { readFileSync } from 'node:fs';
import { createSelfSignedCertificate } from '../shared/pki/self-signed.ts';
import type { AgentTLSOptions } from '../node-agent/server/agent-listener.ts';
import { NodeAuth, apiNodeAccessReviewer, apiTokenReviewer } from '../node-agent/server/node-auth.ts';

export const simNodesSpecs: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', help: 'kubeconfig file (default $KUBECONFIG, else ~/.kube/config, unless --server is given)' },
  { name: 'server', type: 'string', help: 'API server URL (instead of a kubeconfig)' },
  { name: 'token-file', type: 'string', help: 'file holding the bearer token (with --server; mode 0600)' },
  { name: 'ca-cert', type: 'string', help: 'PEM CA bundle (with --server)' },
  { name: 'insecure-skip-tls-verify', type: 'boolean', default: false, help: 'do not verify the server certificate (with --server)' },
  { name: 'count', type: 'number', default: 10, help: 'number of nodes' },
  { name: 'name-prefix', type: 'string', default: 'sim-', help: 'node names are <prefix><index>' },
  { name: 'start-index', type: 'number', default: 0, help: 'index of the first node' },
  { name: 'cpu', type: 'string', default: '4', help: 'cpu capacity of each node' },
  { name: 'memory', type: 'string', default: '16Gi', help: 'memory capacity of each node' },
  { name: 'pods', type: 'number', default: 110, help: 'pods capacity of each node' },
  { name: 'labels', type: 'string', help: 'extra node labels: k=v,k2=v2' },
  { name: 'taints', type: 'string', help: 'node taints: key=value:NoSchedule,...' },
  { name: 'cluster-cidr', type: 'string', default: '10.128.0.0/9', help: "pod CIDRs are carved from it, node i gets block i; '' = wait for the controller's node IPAM" },
  { name: 'node-cidr-mask-size', type: 'number', default: 24, help: 'size of each node pod CIDR' },
  { name: 'node-ip-range', type: 'string', default: '172.30.0.0/16', help: 'InternalIPs of the nodes' },
  { name: 'relist-period', type: 'duration', default: '10s', help: 'PLEG relist period (runtime changes also trigger a relist)' },
  { name: 'event-level', type: 'string', default: 'warnings', help: 'events to record: all, warnings or none' },
  { name: 'concurrency', type: 'number', default: 50, help: 'nodes registered at once' },
  { name: 'port', type: 'number', default: 0, help: 'port of the shared agent endpoint (0 = any free port)' },
  { name: 'client-ca-file', type: 'string', help: 'CA bundle of client certificates the shared endpoint accepts; with it the endpoint serves HTTPS (a self-signed certificate) and authenticates every request' },
  { name: 'log-level', type: 'string', default: 'info', help: 'debug, info, warn or error' },
];

export const simNodesCommand: Command = {
  name: 'sim-nodes',
  summary: 'Run many simulated nodes in one process (node agents on the simulated runtime)',
  usage: () => usage('sim-nodes', 'Registers --count simulated nodes and runs their pods without containers (pods get IPs from each node pod CIDR).', simNodesSpecs),
  async run(args) {
    const { values, rest } = parseFlags(args, simNodesSpecs);
    if (rest.length) throw new FlagError(`unexpected arguments: ${rest.join(' ')}`);
    configureLogLevel(values);
    const events = String(values['event-level']);
    if (!['all', 'warnings', 'none'].includes(events)) throw new FlagError('--event-level must be all, warnings or none');
    const count = Number(values['count']);
    if (!Number.isInteger(count) || count < 1) throw new FlagError('--count must be a positive integer');
    const server = values['server'] ? String(values['server']) : undefined;
    if (server && values['kubeconfig']) throw new FlagError('--server and --kubeconfig are exclusive');
    let labels;
    let taints;
    try {
      labels = parseLabels(values['labels'] ? String(values['labels']) : undefined);
      taints = parseTaints(values['taints'] ? String(values['taints']) : undefined);
    } catch (err) {
      throw new FlagError((err as Error).message);
    }
    const clientset = newClientset({
      ...clientOptionsFrom({
        ...(server ? { server } : {}),
        ...(values['token-file'] ? { tokenFile: String(values['token-file']) } : {}),
        ...(values['ca-cert'] ? { caCert: String(values['ca-cert']) } : {}),
        ...(values['insecure-skip-tls-verify'] === true ? { insecureSkipTLSVerify: true } : {}),
        ...(values['kubeconfig'] ? { kubeconfig: String(values['kubeconfig']) } : {}),
      }),
      userAgent: 'kubelab-sim-nodes',
    });
    const clusterCidr = String(values['cluster-cidr']);
    let tls: AgentTLSOptions | undefined;
    let auth: NodeAuth | undefined;
    if (values['client-ca-file']) {
      const self = await createSelfSignedCertificate({ commonName: 'kubelab-sim-nodes', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      tls = { cert: self.certPem, key: self.keyPem, clientCA: readFileSync(String(values['client-ca-file'])) };
      auth = new NodeAuth({ nodeName: '', tokenReviewer: apiTokenReviewer(clientset.client), accessReviewer: apiNodeAccessReviewer(clientset.client) });
    }
    const host = new SimNodeHost({
      clientset,
      count,
      namePrefix: String(values['name-prefix']),
      startIndex: Number(values['start-index']),
      capacity: { cpu: String(values['cpu']), memory: String(values['memory']), pods: Number(values['pods']) },
      labels,
      taints,
      ...(clusterCidr ? { clusterCIDR: clusterCidr } : { clusterCIDR: null }),
      nodeCIDRMaskSize: Number(values['node-cidr-mask-size']),
      nodeIPRange: String(values['node-ip-range']),
      relistPeriodMs: Number(values['relist-period']),
      events: events as 'all' | 'warnings' | 'none',
      concurrency: Number(values['concurrency']),
      port: Number(values['port']),
      ...(tls ? { tls } : {}),
      ...(auth ? { auth } : {}),
    });
    await host.start();
    log.info('Simulated nodes running', { count, port: host.port });
    await new Promise<void>((resolve) => {
      const stop = () => {
        log.info('Stopping simulated nodes');
        void host.stop().then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
