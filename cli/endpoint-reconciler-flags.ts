import { isIP } from 'node:net';
import { FlagError, type FlagSpec, type FlagValues } from './flags.ts';
import type { EndpointReconcilerConfig } from '../apiserver/controlplane/endpoint-reconciler-setup.ts';
import { isUnadvertisable } from '../apiserver/controlplane/advertise-address.ts';

/** `kubelab apiserver` flags of the kubernetes Service's endpoint reconciler. */
export const ENDPOINT_RECONCILER_FLAGS: FlagSpec[] = [
  {
    name: 'advertise-address',
    type: 'string',
    help: "IP published in the kubernetes Service's endpoints (default: the --listen host; when that is 0.0.0.0 or loopback, the address of the default-route interface)",
  },
  { name: 'advertise-port', type: 'number', help: "port published in the kubernetes Service's endpoints and its targetPort (default: the --listen port)" },
  { name: 'endpoint-reconciler-type', type: 'string', default: 'lease', help: "lease (each API server keeps a lease on its address and the endpoints list the live ones) or none" },
  { name: 'endpoint-lease-ttl', type: 'duration', default: '15s', help: 'how long an API server counts as live after it last renewed its lease' },
  { name: 'endpoint-lease-interval', type: 'duration', default: '10s', help: 'how often the lease is renewed and the endpoints checked (below the TTL)' },
];

/** The reconciler's config from parsed flags; FlagError on bad values. */
export function endpointReconcilerConfig(values: FlagValues): EndpointReconcilerConfig {
  const type = String(values['endpoint-reconciler-type']);
  if (type !== 'lease' && type !== 'none') throw new FlagError(`--endpoint-reconciler-type must be lease or none, got ${JSON.stringify(type)}`);
  const address = values['advertise-address'] as string | undefined;
  if (address !== undefined && (!isIP(address) || isUnadvertisable(address))) {
    throw new FlagError(`--advertise-address must be an IP address that is neither unspecified nor loopback, got ${JSON.stringify(address)}`);
  }
  const port = values['advertise-port'] as number | undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new FlagError(`--advertise-port must be between 1 and 65535, got ${port}`);
  const ttl = Number(values['endpoint-lease-ttl']);
  const interval = Number(values['endpoint-lease-interval']);
  if (!(ttl > 0) || !(interval > 0)) throw new FlagError('--endpoint-lease-ttl and --endpoint-lease-interval must be positive');
  if (interval >= ttl) throw new FlagError('--endpoint-lease-interval must be shorter than --endpoint-lease-ttl');
  return {
    type,
    ...(address !== undefined ? { advertiseAddress: address } : {}),
    ...(port !== undefined ? { advertisePort: port } : {}),
    leaseTTLMs: ttl,
    intervalMs: interval,
  };
}
