import type { KubeObject } from '../../shared/api/meta.ts';
import type { Endpoints } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { OBJECT_META_CREATION_TIMESTAMP, OBJECT_META_NAME } from './column-descriptions.ts';
import { translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/** `kubectl get endpoints` and `kubectl get endpointslices`: pkg/printers/internalversion/printers.go. */

const ENDPOINTS_SUBSETS =
  'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.';
const ENDPOINT_SLICE_ADDRESS_TYPE =
  'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.';
const ENDPOINT_SLICE_PORTS =
  'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.';
const ENDPOINT_SLICE_ENDPOINTS = 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.';

/** How many entries a cell lists before it says "+ N more...". */
const MAX_LISTED = 3;

/** net.JoinHostPort: IPv6 literals in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * formatEndpoints (ports = all): `ip:port` for each ready address and port (bare IPs for subsets without
 * ports), at most three, then ` + N more...`; `<none>` without subsets, an empty cell when no address is ready.
 */
export function formatEndpoints(endpoints: Endpoints): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  const add = (entry: string): void => {
    count++;
    if (list.length === MAX_LISTED) more = true;
    else list.push(entry);
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    // A headless service's endpoints may have no ports.
    if (ports.length === 0) for (const a of addresses) add(a.ip);
    else for (const p of ports) for (const a of addresses) add(joinHostPort(a.ip, p.port));
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - MAX_LISTED} more...` : ret;
}

/** listWithMoreString: `<unset>` for an empty list. */
function listWithMore(list: string[], more: boolean, count: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - MAX_LISTED} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** formatDiscoveryPorts: each port's number, else its name, else `*`. */
export function formatDiscoveryPorts(slice: EndpointSlice): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const port of slice.ports ?? []) {
    if (list.length < MAX_LISTED) list.push(port.port !== undefined && port.port !== null ? String(port.port) : (port.name ?? '*'));
    else if (list.length === MAX_LISTED) more = true;
    count++;
  }
  return listWithMore(list, more, count);
}

/** formatDiscoveryEndpoints: every address of every endpoint, ready or not. */
export function formatDiscoveryEndpoints(slice: EndpointSlice): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ep of slice.endpoints ?? []) {
    for (const address of ep.addresses ?? []) {
      if (list.length < MAX_LISTED) list.push(address);
      else if (list.length === MAX_LISTED) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count);
}

export const ENDPOINTS_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('Endpoints', 'string', ENDPOINTS_SUBSETS),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
] as const;

export const ENDPOINT_SLICE_COLUMNS = [
  column('Name', 'string', OBJECT_META_NAME, { format: 'name' }),
  column('AddressType', 'string', ENDPOINT_SLICE_ADDRESS_TYPE),
  column('Ports', 'string', ENDPOINT_SLICE_PORTS),
  column('Endpoints', 'string', ENDPOINT_SLICE_ENDPOINTS),
  column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP),
] as const;

function printEndpoints(obj: KubeObject, now: number): PrintedRow {
  return { cells: [obj.metadata.name ?? '', formatEndpoints(obj as Endpoints), translateTimestampSince(obj.metadata.creationTimestamp, now)] };
}

function printEndpointSlice(obj: KubeObject, now: number): PrintedRow {
  const slice = obj as EndpointSlice;
  return {
    cells: [obj.metadata.name ?? '', slice.addressType ?? '', formatDiscoveryPorts(slice), formatDiscoveryEndpoints(slice), translateTimestampSince(obj.metadata.creationTimestamp, now)],
  };
}

export const endpointsPrinter: ResourcePrinter = { columns: ENDPOINTS_COLUMNS, print: printEndpoints };
export const endpointSlicePrinter: ResourcePrinter = { columns: ENDPOINT_SLICE_COLUMNS, print: printEndpointSlice };
