/**
 * The node agent binary's composition root: configuration -> client, runtime, NodeAgent.
 *
 *   const running = await runNodeAgent({ server: 'http://127.0.0.1:6443', nodeName: 'node-1',
 *     runtime: 'cri', containerRuntimeEndpoint: 'unix:///run/kubelab/node-1/containerd.sock',
 *     rootDir: '/var/lib/kubelab/node-1' });
 *   ...
 *   await running.close();
 *
 * `runtime: 'sim'` runs the same agent on the simulated runtime (no containers, pod IPs from the podCIDR).
 */
import type { Node, Taint, TaintEffect } from '../shared/api/core-v1.ts';
import { newClientset, type Clientset } from '../shared/client/clientset.ts';
import { fromFlags, loadKubeconfig } from '../shared/client/kubeconfig.ts';
import type { RestClientOptions } from '../shared/client/rest-client.ts';
import type { Clock } from '../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../shared/util/log.ts';
import { RemoteRuntime } from './cri/remote/remote-runtime.ts';
import { SimulatedRuntime } from './cri/simulated/simulated-runtime.ts';
import type { ImageService, RuntimeService } from './cri/services.ts';
import type { EventLevel } from './events/event-recorder.ts';
import { NodeAgent, type NodeAgentOptions } from './agent.ts';

export interface NodeAgentConfig {
  /** API server URL (with token/caCert/insecure), or a kubeconfig file, or a ready Clientset. */
  server?: string;
  token?: string;
  caCert?: string;
  insecureSkipTLSVerify?: boolean;
  kubeconfig?: string;
  clientset?: Clientset;
  nodeName: string;
  /** 'cri' (containerd over its socket) or 'sim'. @default 'cri' */
  runtime?: 'cri' | 'sim';
  /** @default unix:///run/containerd/containerd.sock */
  containerRuntimeEndpoint?: string;
  rootDir: string;
  nodeIP?: string;
  cgroupPrefix?: string;
  podCIDR?: string;
  /** @default 10250; 0 = a free port; null = none */
  port?: number | null;
  address?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  capacity?: NodeAgentOptions['capacity'];
  reserved?: NodeAgentOptions['reserved'];
  crashLoopBaseDelayMs?: number;
  nodeStatusUpdateFrequencyMs?: number;
  events?: EventLevel;
  clock?: Clock;
  log?: Logger;
  /** Extra agent options (tests tune loop periods here). */
  agent?: Partial<NodeAgentOptions>;
}

export interface RunningNodeAgent {
  agent: NodeAgent;
  node: Node;
  runtime: RuntimeService & ImageService;
  clientset: Clientset;
  /** Stops the agent (pods keep running) and closes the runtime connection. */
  close(): Promise<void>;
}

/** `a=b,c=d` -> { a: 'b', c: 'd' } (--node-labels). */
export function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`Cannot parse label ${JSON.stringify(part)} as it is not key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** `key=value:Effect,key:Effect` -> taints (--register-with-taints). */
export function parseTaints(s: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const part of (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
    if (!m) throw new Error(`Cannot parse taint ${JSON.stringify(part)} as it is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    const t: Taint = { key: m[1] as string, effect: m[3] as TaintEffect };
    if (m[2] !== undefined && m[2] !== '') t.value = m[2];
    out.push(t);
  }
  return out;
}

export function clientOptionsFrom(config: Pick<NodeAgentConfig, 'server' | 'token' | 'caCert' | 'insecureSkipTLSVerify' | 'kubeconfig'>): RestClientOptions {
  if (config.server) {
    return fromFlags({
      server: config.server,
      ...(config.token ? { token: config.token } : {}),
      ...(config.caCert ? { caCert: config.caCert } : {}),
      ...(config.insecureSkipTLSVerify ? { insecure: true } : {}),
    });
  }
  return loadKubeconfig(config.kubeconfig ? { path: config.kubeconfig } : {}).options;
}

export async function runNodeAgent(config: NodeAgentConfig): Promise<RunningNodeAgent> {
  const log = config.log ?? rootLog;
  const clientset = config.clientset ?? newClientset({ ...clientOptionsFrom(config), userAgent: `kubelab-node/${config.nodeName}` });
  let runtime: RuntimeService & ImageService & { close?(): void };
  let simulated = false;
  if ((config.runtime ?? 'cri') === 'sim') {
    simulated = true;
    runtime = new SimulatedRuntime({ ...(config.clock ? { clock: config.clock } : {}) });
  } else {
    runtime = new RemoteRuntime({ endpoint: config.containerRuntimeEndpoint ?? 'unix:///run/containerd/containerd.sock' });
  }
  const agent = new NodeAgent({
    nodeName: config.nodeName,
    clientset,
    runtime,
    imageService: runtime,
    rootDir: config.rootDir,
    mode: simulated ? 'simulated' : 'host',
    ...(config.nodeIP ? { nodeIP: config.nodeIP } : {}),
    ...(config.cgroupPrefix ? { cgroupPrefix: config.cgroupPrefix } : {}),
    ...(config.podCIDR ? { podCIDR: config.podCIDR } : {}),
    port: config.port === undefined ? 10250 : config.port,
    ...(config.address ? { address: config.address } : {}),
    ...(config.labels ? { labels: config.labels } : {}),
    ...(config.taints ? { taints: config.taints } : {}),
    ...(config.capacity ? { capacity: config.capacity } : {}),
    ...(config.reserved ? { reserved: config.reserved } : {}),
    ...(config.crashLoopBaseDelayMs !== undefined ? { crashLoopBaseDelayMs: config.crashLoopBaseDelayMs } : {}),
    ...(config.nodeStatusUpdateFrequencyMs !== undefined ? { nodeStatusUpdateFrequencyMs: config.nodeStatusUpdateFrequencyMs } : {}),
    ...(config.events ? { events: config.events } : {}),
    ...(config.clock ? { clock: config.clock } : {}),
    log,
    ...(simulated && runtime instanceof SimulatedRuntime
      ? {
          onPlegCreated: (pleg) => {
            (runtime as SimulatedRuntime).onStateChange = () => pleg.relistSoon();
          },
        }
      : {}),
    ...(config.agent ?? {}),
  });
  let node: Node;
  try {
    node = await agent.start();
  } catch (err) {
    await agent.stop().catch(() => undefined);
    runtime.close?.();
    throw err;
  }
  return {
    agent,
    node,
    runtime,
    clientset,
    async close() {
      await agent.stop();
      runtime.close?.();
    },
  };
}
