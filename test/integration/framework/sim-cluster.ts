/**
 * A cluster for controller integration tests: a real API server with kubectl of one minor version
 * (test/e2e/framework/kubectl.ts), simulated nodes that run pods without containerd (node-agent/sim-nodes.ts)
 * and the controller manager running the named controllers.
 *
 *   const cluster = await startSimCluster({ controllers: 'scheduler,daemonset', nodes: 3, nodePrefix: 'ds-node-', log });
 *   const ns = await cluster.env.namespace('ds');
 *   await cluster.cs.daemonSets.create({ ... });
 *   await cluster.close();
 */
import { newClientset, type Clientset } from '../../../shared/client/clientset.ts';
import { loadKubeconfig } from '../../../shared/client/kubeconfig.ts';
import { Logger } from '../../../shared/util/log.ts';
import { SimNodeHost, type SimNodeHostOptions } from '../../../node-agent/sim-nodes.ts';
import { parseControllers, runControllerManager, type RunningControllerManager } from '../../../controller/main.ts';
import { killRunningKubectls, startKubectlEnv, type KubectlEnv } from '../../e2e/framework/kubectl.ts';
import type { EndpointReconcilerConfig } from '../../../apiserver/controlplane/endpoint-reconciler-setup.ts';

/** A logger for tests: `error` unless KUBELAB_TEST_LOG names a level. */
export function testLogger(level: 'error' | 'warn' = 'error'): Logger {
  return new Logger({ level: (process.env['KUBELAB_TEST_LOG'] as 'debug' | undefined) ?? level });
}

/** Simulated nodes that report quickly: fast relists, leases and pod status writes, the first node status at once. */
export const FAST_SIM_NODES: Partial<SimNodeHostOptions> = Object.freeze({
  relistPeriodMs: 200,
  leaseSpreadMs: 100,
  statusWriteDelayMs: 10,
  agent: { nodeStatusFirstDelayMs: 0 },
});

export interface SimClusterOptions {
  /** The controllers to run, as `kubelab controller --controllers` takes them: 'scheduler,daemonset'. */
  controllers: string;
  /** Simulated nodes started with the cluster, named `<nodePrefix><index>` from 0. */
  nodes: number;
  nodePrefix: string;
  log: Logger;
  /** kubectl minor version (the server reports it). @default 33 */
  kubectlMinor?: number;
  /** The API server's `kubernetes` Service endpoint reconciler. @default none */
  endpointReconciler?: EndpointReconcilerConfig;
}

export class SimCluster {
  readonly env: KubectlEnv;
  readonly cs: Clientset;
  /** Every host of simulated nodes, the one started with the cluster first. */
  readonly hosts: SimNodeHost[] = [];
  #cm: RunningControllerManager | undefined;
  readonly #opts: SimClusterOptions;

  constructor(env: KubectlEnv, opts: SimClusterOptions) {
    this.env = env;
    this.#opts = opts;
    this.cs = newClientset(loadKubeconfig({ path: env.server.kubeconfig }).options);
  }

  /** The running controller manager (a new one after restartControllers). */
  get cm(): RunningControllerManager {
    if (!this.#cm) throw new Error('the controller manager is not running');
    return this.#cm;
  }

  /** Starts `count` more simulated nodes (FAST_SIM_NODES unless overridden), named from `startIndex`. */
  async addNodes(o: Partial<SimNodeHostOptions> & { count: number; startIndex?: number }): Promise<SimNodeHost> {
    const host = new SimNodeHost({ clientset: this.cs, namePrefix: this.#opts.nodePrefix, log: this.#opts.log, ...FAST_SIM_NODES, ...o });
    this.hosts.push(host);
    await host.start();
    return host;
  }

  async startControllers(): Promise<void> {
    this.#cm = await runControllerManager({ clientset: this.cs, controllers: parseControllers(this.#opts.controllers), log: this.#opts.log });
  }

  /** Stops the controller manager (current reconciles finish) and starts a new one: a controller restart. */
  async restartControllers(): Promise<void> {
    await this.#cm?.stop();
    this.#cm = undefined;
    await this.startControllers();
  }

  /** Kills kubectls still running, then stops the controllers, the nodes and the server, in that order. */
  async close(): Promise<void> {
    killRunningKubectls();
    await this.#cm?.stop();
    this.#cm = undefined;
    for (const h of this.hosts.splice(0)) await h.stop();
    await this.env.close();
  }
}

/** A server, `nodes` simulated nodes, then the controllers; whatever started is stopped if a later step fails. */
export async function startSimCluster(opts: SimClusterOptions): Promise<SimCluster> {
  const env = await startKubectlEnv({ minorVersion: opts.kubectlMinor ?? 33, ...(opts.endpointReconciler ? { endpointReconciler: opts.endpointReconciler } : {}) });
  const cluster = new SimCluster(env, opts);
  try {
    if (opts.nodes > 0) await cluster.addNodes({ count: opts.nodes, startIndex: 0 });
    await cluster.startControllers();
  } catch (err) {
    await cluster.close().catch(() => undefined);
    throw err;
  }
  return cluster;
}
