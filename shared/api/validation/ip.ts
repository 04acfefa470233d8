/**
 * IP address checks of k8s.io/apimachinery/pkg/util/validation (ip.go) and pkg/apis/core/validation
 * (ValidateNonSpecialIP), with the 16-byte view Go's net.IP gives: IPv4 addresses are IPv4-mapped IPv6
 * (::ffff:a.b.c.d), so `::ffff:10.0.0.1` counts as IPv4 exactly as `ip.To4() != nil` does upstream.
 */
import { fieldInvalid, type FieldError } from '../../errors/status-error.ts';

/** A parsed address: 16 bytes, IPv4 mapped into ::ffff:0:0/96. */
export type IPBytes = Uint8Array;

function parseIPv4(value: string): number[] | undefined {
  // netutils.ParseIPSloppy: like Go's ParseIP before 1.17, leading zeros are allowed and read as decimal.
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return undefined;
  const parts = value.split('.').map((p) => Number(p));
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** netutils.ParseIPSloppy: the address's 16 bytes, or undefined when it is not an IP literal. */
export function parseIPSloppy(value: string): IPBytes | undefined {
  const v4 = parseIPv4(value);
  if (v4) return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
  if (!value.includes(':')) return undefined;
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const read = (groups: string[], allowV4Last: boolean): number[] | undefined => {
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] ?? '';
      if (allowV4Last && i === groups.length - 1 && g.includes('.')) {
        const embedded = parseIPv4(g);
        if (!embedded) return undefined;
        out.push(...embedded);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      const n = parseInt(g, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  const h = read(head, halves.length === 1);
  const t = read(tail, true);
  if (!h || !t) return undefined;
  const total = h.length + t.length;
  if (halves.length === 1) {
    if (total !== 16) return undefined;
    return Uint8Array.from(h);
  }
  if (total > 14) return undefined;
  return Uint8Array.from([...h, ...new Array<number>(16 - total).fill(0), ...t]);
}

/** ip.To4() != nil: an IPv4 address, written either way. */
export function isIPv4Bytes(ip: IPBytes): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** validation.IsValidIP(fldPath, value). */
export function validateIP(path: string, value: string): FieldError[] {
  return parseIPSloppy(value) ? [] : [fieldInvalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** validation.IsValidIPv4Address(fldPath, value). */
export function validateIPv4Address(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  return ip && isIPv4Bytes(ip) ? [] : [fieldInvalid(path, value, 'must be a valid IPv4 address')];
}

/** validation.IsValidIPv6Address(fldPath, value). */
export function validateIPv6Address(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  return ip && !isIPv4Bytes(ip) ? [] : [fieldInvalid(path, value, 'must be a valid IPv6 address')];
}

/**
 * ValidateNonSpecialIP (pkg/apis/core/validation): Endpoints and EndpointSlice addresses may not be
 * unspecified, loopback, link-local unicast or link-local multicast (net.IP's predicates).
 */
export function validateNonSpecialIP(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (!ip) return [fieldInvalid(path, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const v4 = isIPv4Bytes(ip);
  const b = (i: number): number => ip[i] ?? 0;
  const unspecified = v4 ? b(12) === 0 && b(13) === 0 && b(14) === 0 && b(15) === 0 : ip.every((x) => x === 0);
  const loopback = v4 ? b(12) === 127 : ip.slice(0, 15).every((x) => x === 0) && b(15) === 1;
  const linkLocalUnicast = v4 ? b(12) === 169 && b(13) === 254 : b(0) === 0xfe && (b(1) & 0xc0) === 0x80;
  const linkLocalMulticast = v4 ? b(12) === 224 && b(13) === 0 && b(14) === 0 : b(0) === 0xff && (b(1) & 0x0f) === 0x02;
  if (unspecified) errs.push(fieldInvalid(path, value, `may not be unspecified (${value})`));
  if (loopback) errs.push(fieldInvalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocalUnicast) errs.push(fieldInvalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) errs.push(fieldInvalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}
