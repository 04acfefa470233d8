/**
 * IPv4 addresses and CIDR blocks as numbers: parsing, containment, canonical form. Pod CIDRs, cluster CIDRs
 * and route destinations are compared with these (IPv6 blocks are not handled: the lab network is IPv4).
 */

export interface Ipv4Cidr {
  /** First address of the block, as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** `10.1.2.3` -> 0x0a010203, or undefined when it is not a dotted-quad IPv4 address. */
export function parseIpv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.244.1.0/24` -> { base, prefix }; a bare address is a /32. Host bits are masked off. */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const [addr, bits, extra] = cidr.trim().split('/');
  if (extra !== undefined || addr === undefined) return undefined;
  const ip = parseIpv4(addr);
  const prefix = bits === undefined ? 32 : /^\d{1,2}$/.test(bits) ? Number(bits) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(ip / size) * size, prefix };
}

/** The canonical text of a block (`10.244.1.7/24` -> `10.244.1.0/24`), or undefined when unparsable. */
export function canonicalCidr(cidr: string): string | undefined {
  const c = parseIpv4Cidr(cidr);
  return c ? `${formatIpv4(c.base)}/${c.prefix}` : undefined;
}

/** Whether `ip` lies inside `cidr`. */
export function cidrContainsIp(cidr: string, ip: string): boolean {
  const c = parseIpv4Cidr(cidr);
  const n = parseIpv4(ip);
  if (!c || n === undefined) return false;
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

/** Whether block `inner` lies entirely inside block `outer`. */
export function cidrContainsCidr(outer: string, inner: string): boolean {
  const o = parseIpv4Cidr(outer);
  const i = parseIpv4Cidr(inner);
  if (!o || !i || i.prefix < o.prefix) return false;
  return i.base >= o.base && i.base < o.base + 2 ** (32 - o.prefix);
}

/** The first host address of a block (the bridge gateway host-local and the bridge plugin use): `.1` of a /24. */
export function firstHost(cidr: string): string | undefined {
  const c = parseIpv4Cidr(cidr);
  if (!c || c.prefix > 30) return undefined;
  return formatIpv4(c.base + 1);
}
