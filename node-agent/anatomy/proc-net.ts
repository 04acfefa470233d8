/**
 * Parsers of a network namespace's /proc/PID/net files and of `ip -j addr`: interfaces with their addresses
 * and the listening sockets. Pure functions over text; the reading is ProcFs's and InterfaceReader's.
 *
 * - `dev`: the interface names (`  eth0: 1234 ...`).
 * - `if_inet6`: IPv6 addresses per interface (`fe80...0001 02 40 20 80 eth0`: address, ifindex, prefix hex).
 * - `fib_trie` + `route`: IPv4 has no per-interface address file in /proc; the local addresses are the
 *   `/32 host LOCAL` leaves of fib_trie, and the interface and prefix of each come from the connected route
 *   (`route`, gateway 0) that contains it; 127.0.0.0/8 is the loopback's.
 * - `tcp`, `tcp6`, `udp`, `udp6`: sockets; listening = TCP state 0A (LISTEN), or UDP state 07 with no remote
 *   end (bound, unconnected: what `ss -lu` lists). Addresses are hex in host (little-endian) byte order per
 *   32-bit word.
 */
import type { ListeningSocket, NetworkInterfaceAnatomy } from '../../shared/api/pod-anatomy.ts';

/** Interface names from /proc/PID/net/dev, in file order. */
export function parseNetDev(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([^\s:|]+):\s*\d/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

function ipv6FromHex32(hex: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
  return compressIPv6(groups.map((g) => parseInt(g, 16).toString(16)));
}

/** RFC 5952: the longest run (≥ 2) of zero groups becomes `::`. */
function compressIPv6(groups: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** if_inet6 → interface name → [`addr/prefix`]. */
export function parseIfInet6(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f]{32}$/i.test(f[0] ?? '')) continue;
    const name = f[5] ?? '';
    const list = out.get(name) ?? [];
    list.push(`${ipv6FromHex32(f[0] ?? '')}/${parseInt(f[2] ?? '0', 16)}`);
    out.set(name, list);
  }
  return out;
}

/** Little-endian hex word (`0100007F`) → dotted quad (`127.0.0.1`). */
function ipv4FromHexLE(hex: string): string {
  const n = parseInt(hex, 16) >>> 0;
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

/** The local IPv4 addresses of the namespace: fib_trie leaves marked `/32 host LOCAL` (deduplicated). */
export function parseFibTrieLocal(text: string): string[] {
  const out: string[] = [];
  let last = '';
  for (const line of text.split('\n')) {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (leaf?.[1]) {
      last = leaf[1];
      continue;
    }
    if (/\/32 host LOCAL/.test(line) && last && !out.includes(last)) out.push(last);
  }
  return out;
}

export interface RouteEntry {
  iface: string;
  destination: string;
  gateway: string;
  prefixLength: number;
}

/** /proc/PID/net/route (IPv4 main table). */
export function parseRoute(text: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const mask = parseInt(f[7] ?? '0', 16) >>> 0;
    let bits = 0;
    for (let m = mask; m; m >>>= 1) bits += m & 1;
    out.push({ iface: f[0] ?? '', destination: ipv4FromHexLE(f[1] ?? '0'), gateway: ipv4FromHexLE(f[2] ?? '0'), prefixLength: bits });
  }
  return out;
}

/**
 * Interfaces from /proc alone. `links` (sysfs: MAC, MTU, IFF_UP) completes them; without it `up` is
 * approximated (the loopback, and any interface with an address or a route) and MAC/MTU are absent.
 */
export function interfacesFromProc(
  files: { dev?: string; ifInet6?: string; fibTrie?: string; route?: string },
  links: (name: string) => { mac?: string; mtu?: number; up?: boolean } | undefined = () => undefined,
): NetworkInterfaceAnatomy[] {
  const names = parseNetDev(files.dev ?? '');
  const v6 = parseIfInet6(files.ifInet6 ?? '');
  const routes = parseRoute(files.route ?? '');
  const v4 = new Map<string, string[]>();
  for (const ip of parseFibTrieLocal(files.fibTrie ?? '')) {
    const n = ipv4ToInt(ip);
    let iface: string | undefined;
    let prefix = 32;
    if (ip.startsWith('127.')) {
      iface = 'lo';
      prefix = 8;
    } else {
      let best: RouteEntry | undefined;
      for (const r of routes) {
        if (r.gateway !== '0.0.0.0' || r.prefixLength === 0) continue;
        const mask = (0xffffffff << (32 - r.prefixLength)) >>> 0;
        if ((n & mask) >>> 0 !== (ipv4ToInt(r.destination) & mask) >>> 0) continue;
        if (!best || r.prefixLength > best.prefixLength) best = r;
      }
      if (best) {
        iface = best.iface;
        prefix = best.prefixLength;
      }
    }
    if (!iface) continue;
    v4.set(iface, [...(v4.get(iface) ?? []), `${ip}/${prefix}`]);
  }
  const routed = new Set(routes.map((r) => r.iface));
  return names.map((name) => {
    const addresses = [...(v4.get(name) ?? []), ...(v6.get(name) ?? [])];
    const link = links(name);
    const out: NetworkInterfaceAnatomy = { name, addresses, up: link?.up ?? (name === 'lo' || addresses.length > 0 || routed.has(name)) };
    if (link?.mac && name !== 'lo') out.mac = link.mac;
    if (link?.mtu !== undefined) out.mtu = link.mtu;
    return out;
  });
}

/** `ip -j addr` (iproute2 JSON) → interfaces with addresses, MAC, MTU and the UP flag. */
export function parseIpAddrJson(text: string): NetworkInterfaceAnatomy[] {
  const data = JSON.parse(text) as Array<{
    ifname?: string;
    flags?: string[];
    mtu?: number;
    address?: string;
    link_type?: string;
    addr_info?: Array<{ local?: string; prefixlen?: number }>;
  }>;
  if (!Array.isArray(data)) throw new Error('Cannot parse ip -j addr output as it is not a JSON array');
  return data.map((l) => {
    const out: NetworkInterfaceAnatomy = {
      name: l.ifname ?? '',
      addresses: (l.addr_info ?? []).filter((a) => a.local).map((a) => `${a.local}/${a.prefixlen ?? (a.local?.includes(':') ? 128 : 32)}`),
      up: (l.flags ?? []).includes('UP'),
    };
    if (l.address && l.link_type !== 'none' && l.link_type !== 'loopback') out.mac = l.address;
    if (typeof l.mtu === 'number') out.mtu = l.mtu;
    return out;
  });
}

/** A listening socket with the inode that ties it to a process's fd. */
export interface ProcSocket extends ListeningSocket {
  inode: number;
}

/** The listening sockets of one /proc/PID/net/{tcp,tcp6,udp,udp6} file. */
export function parseListeningSockets(text: string, protocol: 'tcp' | 'udp', family: 4 | 6): ProcSocket[] {
  const out: ProcSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [localHex, localPort] = (f[1] ?? '').split(':');
    const [remHex, remPort] = (f[2] ?? '').split(':');
    const state = f[3];
    const listening = protocol === 'tcp' ? state === '0A' : state === '07' && /^0+$/.test(remHex ?? '') && /^0+$/.test(remPort ?? '');
    if (!listening || !localHex || !localPort) continue;
    let address: string;
    if (family === 4) address = ipv4FromHexLE(localHex);
    else {
      // four little-endian 32-bit words
      let hex = '';
      for (let i = 0; i < 32; i += 8) {
        const w = localHex.slice(i, i + 8);
        hex += (w.match(/../g) ?? []).reverse().join('');
      }
      address = ipv6FromHex32(hex);
    }
    out.push({ protocol, family, address, port: parseInt(localPort, 16), inode: Number(f[9]) });
  }
  return out;
}
