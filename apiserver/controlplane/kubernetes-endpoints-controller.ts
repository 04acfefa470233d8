import type { EndpointPort } from '../../shared/api/core-v1.ts';
import type { Clock } from '../../shared/util/clock.ts';
import { log } from '../../shared/util/log.ts';
import type { LeaseEndpointReconciler } from './lease-endpoint-reconciler.ts';

export interface KubernetesEndpointsControllerOptions {
  reconciler: LeaseEndpointReconciler;
  /** This API server's --advertise-address. */
  publicIP: string;
  /** This API server's --advertise-port: the endpoints' `https` port and the kubernetes Service's targetPort. */
  publicServicePort: number;
  /** How often the lease is renewed and the endpoints checked (upstream's EndpointInterval, 10s). */
  intervalMs: number;
  clock: Clock;
}

/** The name of the Service (and of its Endpoints and EndpointSlice) the API servers maintain. */
export const KUBERNETES_SERVICE_NAME = 'kubernetes';

/** createEndpointPortSpec: one TCP port named `https`. */
export function kubernetesEndpointPorts(port: number): EndpointPort[] {
  return [{ name: 'https', port, protocol: 'TCP' }];
}

/**
 * The endpoint half of kube-apiserver's kubernetes Service controller (pkg/controlplane/controller/
 * kubernetesservice): at start one reconcile that also resets the ports, then one every interval; at stop
 * (graceful shutdown) this API server's lease is dropped and the endpoints rewritten without it.
 */
export class KubernetesEndpointsController {
  readonly #o: KubernetesEndpointsControllerOptions;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: KubernetesEndpointsControllerOptions) {
    this.#o = options;
  }

  /** One reconcile (errors logged, as the periodic loop does). */
  async reconcileOnce(reconcilePorts: boolean): Promise<void> {
    const { reconciler, publicIP, publicServicePort } = this.#o;
    try {
      await reconciler.reconcileEndpoints(KUBERNETES_SERVICE_NAME, publicIP, kubernetesEndpointPorts(publicServicePort), reconcilePorts);
    } catch (e) {
      log.error('Unable to sync kubernetes service endpoints', { err: (e as Error).message });
    }
  }

  /** Starts the loop; resolves once the first pass (which also resets the ports) is done. */
  start(): Promise<void> {
    if (this.#loop) return Promise.resolve();
    const signal = this.#stop.signal;
    const first = this.reconcileOnce(true);
    this.#loop = (async () => {
      await first;
      while (!signal.aborted) {
        try {
          await this.#o.clock.sleep(this.#o.intervalMs, signal);
        } catch {
          return;
        }
        await this.reconcileOnce(false);
      }
    })();
    return first;
  }

  /**
   * Stops the loop, then removes this server from the endpoints; the whole of it bounded by timeoutMs (a
   * storage that stopped answering must not hold up the shutdown).
   */
  async stop(timeoutMs = 5000): Promise<void> {
    this.#stop.abort();
    const { reconciler, publicIP, publicServicePort } = this.#o;
    // No renewal after this point; a pass in flight finishes first (the reconciler serializes them).
    reconciler.stopReconciling();
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.#o.clock.setTimeout(() => {
        log.warn('Timed out removing this API server from the kubernetes service endpoints', { ip: publicIP });
        resolve();
      }, timeoutMs);
    });
    const removal = reconciler.removeEndpoints(KUBERNETES_SERVICE_NAME, publicIP, kubernetesEndpointPorts(publicServicePort)).catch((e: unknown) => {
      log.error('Unable to remove this API server from the kubernetes service endpoints', { ip: publicIP, err: (e as Error).message });
    });
    await Promise.race([removal, timeout]);
    timer?.cancel();
  }
}
