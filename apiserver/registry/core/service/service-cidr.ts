import { isIP } from 'node:net';
import { parseIPSloppy } from '../../../../shared/api/validation/ip.ts';

export type IPFamily = 'IPv4' | 'IPv6';

/** An IP literal as a number (IPv4: 32 bits, IPv6: 128 bits); undefined when not an IP. */
export function parseIP(s: string): { family: IPFamily; value: bigint } | undefined {
  const v = isIP(s);
  if (v === 4) {
    const value = s.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
    return { family: 'IPv4', value };
  }
  if (v === 6) return { family: 'IPv6', value: ipv6ToBigInt(s) };
  return undefined;
}

/** The 128-bit value of an IPv6 literal (an embedded IPv4 tail such as ::ffff:1.2.3.4 included). */
function ipv6ToBigInt(s: string): bigint {
  return Array.from(parseIPSloppy(s) ?? []).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

export function formatIP(family: IPFamily, value: bigint): string {
  if (family === 'IPv4') return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // RFC 5952: the longest run (>= 2) of zero groups becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/**
 * --service-cluster-ip-range as the IP allocator sees it (ipallocator/bitmap.go New): offsets count from the
 * network address + 1; IPv4 leaves out the network and broadcast addresses; an IPv6 range is capped at 65536
 * addresses (the allocator keeps a bitmap of that size). The first `staticBand` offsets are the static band:
 * min(max(16, size/16), 256) addresses, none for ranges of 16 addresses or fewer (calculateRangeOffset).
 */
export class ServiceCIDR {
  readonly family: IPFamily;
  /** The network address. */
  readonly network: bigint;
  readonly prefixLength: number;
  /** Usable addresses. */
  readonly max: number;
  readonly staticBand: number;

  private constructor(family: IPFamily, network: bigint, prefixLength: number) {
    this.family = family;
    this.network = network;
    this.prefixLength = prefixLength;
    const bits = family === 'IPv4' ? 32 : 128;
    const size = 1n << BigInt(bits - prefixLength);
    let max = family === 'IPv6' ? (size > 65536n ? 65536 : Number(size)) : Number(size) - 1;
    max -= 1;
    this.max = Math.max(0, max);
    const sizeN = size > 1n << 40n ? Number.MAX_SAFE_INTEGER : Number(size);
    this.staticBand = sizeN <= 16 ? 0 : Math.min(Math.max(16, Math.floor(sizeN / 16)), 256);
  }

  /** Parses a CIDR; throws an Error naming what is wrong. The address must be the network's own (10.96.0.0/12). */
  static parse(cidr: string): ServiceCIDR {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
    const ip = m ? parseIP(m[1] ?? '') : undefined;
    if (!m || !ip) throw new Error(`invalid CIDR address: ${cidr}`);
    const bits = ip.family === 'IPv4' ? 32 : 128;
    const prefix = Number(m[2]);
    if (prefix > bits) throw new Error(`invalid CIDR address: ${cidr}`);
    const hostBits = BigInt(bits - prefix);
    const network = (ip.value >> hostBits) << hostBits;
    return new ServiceCIDR(ip.family, network, prefix);
  }

  toString(): string {
    return `${formatIP(this.family, this.network)}/${this.prefixLength}`;
  }

  /** The offset of ip in the allocatable range, or undefined when it is outside (or the network/broadcast). */
  offsetOf(ip: string): number | undefined {
    const p = parseIP(ip);
    if (!p || p.family !== this.family) return undefined;
    const off = p.value - this.network - 1n;
    if (off < 0n || off >= BigInt(this.max)) return undefined;
    return Number(off);
  }

  ipAt(offset: number): string {
    return formatIP(this.family, this.network + 1n + BigInt(offset));
  }

  /** The n-th address of the network (1: the `kubernetes` Service's). */
  indexedIP(n: number): string {
    return formatIP(this.family, this.network + BigInt(n));
  }
}
