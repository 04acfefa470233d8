/**
 * A cluster CIDR cut into equal node subnets, with a bitmap of the ones in use
 * (pkg/controller/nodeipam/ipam/cidrset/cidr_set.go). IPv4 and IPv6; addresses are bigints.
 *
 *   const set = new CidrSet('10.244.0.0/16', 24);   // 256 subnets
 *   set.allocateNext();                             // '10.244.0.0/24'
 *   set.occupy('10.244.7.0/24');                    // mark one that is in use already
 *   set.release('10.244.0.0/24');
 *
 * allocateNext hands out the first free subnet at or after the one following the last allocation, wrapping
 * around (so a released subnet is not reused at once).
 */

export type IPFamily = 4 | 6;

export interface ParsedCidr {
  family: IPFamily;
  /** The network address (host bits cleared). */
  ip: bigint;
  prefix: number;
}

/** Thrown by allocateNext when every subnet is in use (ErrCIDRRangeNoCIDRsRemaining). */
export class CidrSetExhaustedError extends Error {
  constructor(clusterCidr: string) {
    super(`Cannot allocate a node CIDR as every subnet of ${clusterCidr} is in use (CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range)`);
    this.name = 'CidrSetExhaustedError';
  }
}

/** clusterSubnetMaxDiff: at most 2^16 subnets per cluster CIDR. */
const MAX_SUBNET_BITS = 16;

export class CidrSet {
  readonly clusterCidr: string;
  readonly family: IPFamily;
  readonly subnetMaskSize: number;
  readonly maxCidrs: number;
  readonly #base: bigint;
  readonly #shift: bigint;
  readonly #bits: number;
  readonly #used: Uint8Array;
  #allocated = 0;
  #nextCandidate = 0;

  constructor(clusterCidr: string, subnetMaskSize: number) {
    const c = parseCidr(clusterCidr);
    const bits = c.family === 4 ? 32 : 128;
    if (!Number.isInteger(subnetMaskSize) || subnetMaskSize < c.prefix || subnetMaskSize > bits) {
      throw new RangeError(`Cannot use node CIDR mask size ${subnetMaskSize} with cluster CIDR ${clusterCidr}: it must be between ${c.prefix} and ${bits}`);
    }
    if (subnetMaskSize - c.prefix > MAX_SUBNET_BITS) {
      throw new RangeError(`Cannot use node CIDR mask size ${subnetMaskSize} with cluster CIDR ${clusterCidr}: more than 2^${MAX_SUBNET_BITS} subnets (the mask size is too big)`);
    }
    this.clusterCidr = formatCidr(c);
    this.family = c.family;
    this.subnetMaskSize = subnetMaskSize;
    this.maxCidrs = 2 ** (subnetMaskSize - c.prefix);
    this.#base = c.ip;
    this.#bits = bits;
    this.#shift = BigInt(bits - subnetMaskSize);
    this.#used = new Uint8Array(this.maxCidrs);
  }

  /** Subnets in use. */
  get allocatedCount(): number {
    return this.#allocated;
  }

  /** Does `cidr` parse to this set's family? */
  matchesFamily(cidr: string): boolean {
    return tryParseCidr(cidr)?.family === this.family;
  }

  allocateNext(): string {
    if (this.#allocated >= this.maxCidrs) throw new CidrSetExhaustedError(this.clusterCidr);
    for (let i = 0; i < this.maxCidrs; i++) {
      const candidate = (this.#nextCandidate + i) % this.maxCidrs;
      if (this.#used[candidate]) continue;
      this.#used[candidate] = 1;
      this.#allocated++;
      this.#nextCandidate = (candidate + 1) % this.maxCidrs;
      return this.#subnet(candidate);
    }
    throw new CidrSetExhaustedError(this.clusterCidr);
  }

  /** Marks every subnet that `cidr` overlaps as used. Throws if it lies outside the cluster CIDR. */
  occupy(cidr: string): void {
    const [begin, end] = this.#indices(cidr);
    for (let i = begin; i <= end; i++) {
      if (!this.#used[i]) {
        this.#used[i] = 1;
        this.#allocated++;
      }
    }
  }

  /** Marks every subnet that `cidr` overlaps as free. Throws if it lies outside the cluster CIDR. */
  release(cidr: string): void {
    const [begin, end] = this.#indices(cidr);
    for (let i = begin; i <= end; i++) {
      if (this.#used[i]) {
        this.#used[i] = 0;
        this.#allocated--;
      }
    }
  }

  isUsed(cidr: string): boolean {
    const [begin, end] = this.#indices(cidr);
    for (let i = begin; i <= end; i++) if (this.#used[i]) return true;
    return false;
  }

  #subnet(index: number): string {
    return formatCidr({ family: this.family, ip: this.#base + (BigInt(index) << this.#shift), prefix: this.subnetMaskSize });
  }

  /** getBeginningAndEndIndices: the subnet indices `cidr` overlaps. */
  #indices(cidr: string): [number, number] {
    const c = parseCidr(cidr);
    if (c.family !== this.family) throw new RangeError(`Cannot use ${cidr} with cluster CIDR ${this.clusterCidr}: different IP family`);
    const bits = BigInt(this.#bits);
    const clusterEnd = this.#base + (BigInt(this.maxCidrs) << this.#shift) - 1n;
    const start = c.ip;
    const end = c.ip + (1n << (bits - BigInt(c.prefix))) - 1n;
    if (end < this.#base || start > clusterEnd) throw new RangeError(`Cannot use ${cidr}: it is out of the range of cluster CIDR ${this.clusterCidr}`);
    const from = start > this.#base ? start : this.#base;
    const to = end < clusterEnd ? end : clusterEnd;
    return [Number((from - this.#base) >> this.#shift), Number((to - this.#base) >> this.#shift)];
  }
}

/** Parses `a.b.c.d/n` or an IPv6 CIDR; clears host bits. Throws RangeError on malformed input. */
export function parseCidr(cidr: string): ParsedCidr {
  const parsed = tryParseCidr(cidr);
  if (!parsed) throw new RangeError(`Cannot parse CIDR ${JSON.stringify(cidr)}`);
  return parsed;
}

function tryParseCidr(cidr: string): ParsedCidr | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const addr = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const v4 = parseIPv4(addr);
  if (v4 !== undefined) {
    if (prefix > 32) return undefined;
    return { family: 4, ip: v4 & mask(32, prefix), prefix };
  }
  const v6 = parseIPv6(addr);
  if (v6 !== undefined) {
    if (prefix > 128) return undefined;
    return { family: 6, ip: v6 & mask(128, prefix), prefix };
  }
  return undefined;
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (part: string) => (part === '' ? [] : part.split(':'));
  const head = group(halves[0] ?? '');
  const tail = halves.length === 2 ? group(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

export function formatCidr(c: ParsedCidr): string {
  return `${formatIP(c.family, c.ip)}/${c.prefix}`;
}

/** Dotted quad, or RFC 5952 IPv6 (lowercase, the longest run of two or more zero groups as '::'). */
export function formatIP(family: IPFamily, ip: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 255n)).join('.');
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
