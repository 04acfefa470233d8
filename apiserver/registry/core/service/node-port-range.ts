/**
 * --service-node-port-range (k8s.io/apimachinery/pkg/util/net PortRange): "30000-32767", "30000+2767" or a
 * single port. The static band (KEP-3668) is the first min(max(16, size/32), 128) ports, none for ranges of 16
 * ports or fewer (portallocator calculateRangeOffset).
 */
export class NodePortRange {
  readonly base: number;
  readonly size: number;
  readonly staticBand: number;

  constructor(base: number, size: number) {
    this.base = base;
    this.size = size;
    this.staticBand = size <= 16 ? 0 : Math.min(Math.max(16, Math.floor(size / 32)), 128);
  }

  /** Throws an Error in kube's words for a malformed or out-of-bounds range. */
  static parse(value: string): NodePortRange {
    const v = value.trim();
    if (v === '') throw new Error('empty port range');
    const m = /^(\d+)(?:([-+])(\d+))?$/.exec(v);
    if (!m) throw new Error(`unable to parse port range: ${value}`);
    const low = Number(m[1]);
    let high = low;
    if (m[2] === '-') high = Number(m[3]);
    else if (m[2] === '+') high = low + Number(m[3]);
    if (low < 1 || high > 65535 || !Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
      throw new Error(`the port range cannot be extended past 65535: ${value}`);
    }
    if (high < low) throw new Error(`end port cannot be less than start port: ${value}`);
    return new NodePortRange(low, high - low + 1);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port < this.base + this.size;
  }

  toString(): string {
    return this.size === 0 ? '' : `${this.base}-${this.base + this.size - 1}`;
  }
}
