import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** True for addresses that cannot be advertised as is: unspecified or loopback (kube refuses them in Endpoints). */
export function isUnadvertisable(host: string): boolean {
  if (host === '' || host === 'localhost' || host === '0.0.0.0' || host === '::' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The interface of the IPv4 default route with the lowest metric, from /proc/net/route; undefined without one. */
function defaultRouteInterface(routeTable: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of routeTable.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [iface, destination, , flags, , , metric, mask] = f;
    if (!iface || destination !== '00000000' || mask !== '00000000') continue;
    // RTF_UP (0x1) must be set.
    if ((parseInt(flags ?? '0', 16) & 1) === 0) continue;
    const m = Number(metric ?? 0);
    if (!best || m < best.metric) best = { iface, metric: m };
  }
  return best?.iface;
}

/**
 * ChooseHostInterface (k8s.io/apimachinery/pkg/util/net): the first global IPv4 address of the default route's
 * interface, else of any interface; undefined when the host has none (a namespace with only loopback).
 */
export function chooseHostAddress(options: { routeTable?: string; interfaces?: ReturnType<typeof networkInterfaces> } = {}): string | undefined {
  let routes = options.routeTable;
  if (routes === undefined) {
    try {
      routes = readFileSync('/proc/net/route', 'utf8');
    } catch {
      routes = '';
    }
  }
  const ifaces = options.interfaces ?? networkInterfaces();
  const usable = (name: string): string | undefined =>
    (ifaces[name] ?? []).find((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'))?.address;
  const viaDefault = defaultRouteInterface(routes);
  if (viaDefault) {
    const a = usable(viaDefault);
    if (a) return a;
  }
  for (const name of Object.keys(ifaces).sort()) {
    const a = usable(name);
    if (a) return a;
  }
  return undefined;
}

/**
 * --advertise-address: the flag when given, else the --listen host, else (listening on 0.0.0.0 or loopback)
 * the host's default-route address as kube-apiserver picks it. `chosen` says the address was picked here.
 */
export function resolveAdvertiseAddress(flag: string | undefined, listenHost: string, choose: () => string | undefined = () => chooseHostAddress()): { address?: string; chosen: boolean } {
  if (flag) return { address: flag, chosen: false };
  if (!isUnadvertisable(listenHost)) return { address: listenHost, chosen: false };
  const address = choose();
  return address ? { address, chosen: true } : { chosen: true };
}
