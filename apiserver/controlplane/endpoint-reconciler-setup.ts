import type { Clock } from '../../shared/util/clock.ts';
import { log } from '../../shared/util/log.ts';
import { ensureKubernetesServiceTargetPort } from '../registry/core/service/kubernetes-service-port.ts';
import type { Registry } from '../registry/registry.ts';
import type { Storage } from '../storage/interfaces.ts';
import { resolveAdvertiseAddress } from './advertise-address.ts';
import { EndpointsAdapter } from './endpoints-adapter.ts';
import { KubernetesEndpointsController } from './kubernetes-endpoints-controller.ts';
import { LeaseEndpointReconciler } from './lease-endpoint-reconciler.ts';
import { StorageLeases } from './master-leases.ts';

/** --endpoint-reconciler-type: `lease` (kube's default) or `none`. */
export type EndpointReconcilerType = 'lease' | 'none';

export interface EndpointReconcilerConfig {
  /** --advertise-address. Default: the --listen host, or the default-route address when that is 0.0.0.0 or loopback. */
  advertiseAddress?: string;
  /** --advertise-port (kubelab): the port clients reach this server on. Default: the --listen port. */
  advertisePort?: number;
  /** Default `lease`. */
  type?: EndpointReconcilerType;
  /** How long a lease counts after its last renewal. @default 15000 */
  leaseTTLMs?: number;
  /** How often it is renewed and the endpoints checked. @default 10000 */
  intervalMs?: number;
}

export interface EndpointReconcilerSetup {
  config: EndpointReconcilerConfig | undefined;
  listenHost: string;
  /** The port the server actually listens on (resolves --listen ...:0). */
  listenPort: number;
  registry: Registry;
  storage: Storage;
  clock: Clock;
}

/** The running reconciler: stop() leaves the endpoints (graceful shutdown). */
export interface RunningEndpointReconciler {
  readonly ip: string;
  readonly port: number;
  stop(): Promise<void>;
}

export const DEFAULT_ENDPOINT_LEASE_TTL_MS = 15_000;
export const DEFAULT_ENDPOINT_RECONCILE_INTERVAL_MS = 10_000;

/**
 * Starts the lease endpoint reconciler for this API server (nothing with type `none`, or when no address can be
 * advertised), after making the kubernetes Service target the advertised port.
 */
export async function startEndpointReconciler(setup: EndpointReconcilerSetup): Promise<RunningEndpointReconciler | undefined> {
  const cfg = setup.config ?? {};
  const port = cfg.advertisePort ?? setup.listenPort;
  const services = setup.registry.stores.get('services');
  if (services) {
    try {
      await ensureKubernetesServiceTargetPort(services, port);
    } catch (e) {
      log.error('Unable to set the kubernetes service target port', { port, err: (e as Error).message });
    }
  }
  if ((cfg.type ?? 'lease') === 'none') return undefined;
  const { address, chosen } = resolveAdvertiseAddress(cfg.advertiseAddress, setup.listenHost);
  if (!address) {
    log.warn('No address to advertise for the kubernetes service endpoints (listening on loopback and the host has no global IPv4 address); pass --advertise-address');
    return undefined;
  }
  if (chosen) log.info('Advertising the default-route address for the kubernetes service endpoints', { address, listen: setup.listenHost });
  const endpoints = setup.registry.stores.get('endpoints');
  const endpointSlices = setup.registry.stores.get('endpointslices');
  if (!endpoints || !endpointSlices) throw new Error('endpoints and endpointslices must be served');
  const reconciler = new LeaseEndpointReconciler(
    new EndpointsAdapter({ endpoints, endpointSlices }),
    new StorageLeases({ storage: setup.storage, ttlMs: cfg.leaseTTLMs ?? DEFAULT_ENDPOINT_LEASE_TTL_MS, clock: setup.clock }),
  );
  const controller = new KubernetesEndpointsController({
    reconciler,
    publicIP: address,
    publicServicePort: port,
    intervalMs: cfg.intervalMs ?? DEFAULT_ENDPOINT_RECONCILE_INTERVAL_MS,
    clock: setup.clock,
  });
  // The first pass runs before the server reports ready, as upstream's post-start hook does.
  await controller.start();
  return { ip: address, port, stop: () => controller.stop() };
}
