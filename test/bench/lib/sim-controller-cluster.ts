/**
 * What the workload benchmarks share: an embedded-store API server (its own process), the namespace, a client
 * with 64 sockets, simulated nodes in this process, and a controller manager with its own connection pool (as
 * its own process would have) running the given controllers. `stop()` tears down all but the server (the
 * BenchContext owns it).
 */
import { Clientset } from '../../../shared/client/clientset.ts';
import { RestClient } from '../../../shared/client/rest-client.ts';
import { Logger } from '../../../shared/util/log.ts';
import { SimNodeHost } from '../../../node-agent/sim-nodes.ts';
import { parseControllers, runControllerManager } from '../../../controller/main.ts';
import type { BenchContext } from './context.ts';
import type { APIServerProcess } from './apiserver-process.ts';
import { ensureNamespace } from './pods.ts';

export interface SimControllerCluster {
  server: APIServerProcess;
  rest: RestClient;
  cs: Clientset;
  log: Logger;
  stop(): Promise<void>;
}

export async function startSimControllerCluster(ctx: BenchContext, label: string, o: { namespace: string; nodes: number; controllers: string }): Promise<SimControllerCluster> {
  const server = await ctx.spawn('embedded', label);
  await ensureNamespace(server.url, o.namespace);
  const rest = new RestClient({ server: server.url, maxSockets: 64 });
  const cs = new Clientset(rest);
  const log = new Logger({ level: 'error' });
  ctx.log(`${label}: registering ${o.nodes} simulated nodes`);
  const host = new SimNodeHost({ clientset: cs, count: o.nodes, namePrefix: 'sim-', log, capacity: { cpu: '64', memory: '256Gi', pods: 110 } });
  await host.start();
  const cmRest = new RestClient({ server: server.url, maxSockets: 64 });
  const cm = await runControllerManager({ clientset: new Clientset(cmRest), controllers: parseControllers(o.controllers), log });
  return {
    server,
    rest,
    cs,
    log,
    stop: async () => {
      await cm.stop();
      cmRest.close();
      await host.stop();
      rest.close();
    },
  };
}
