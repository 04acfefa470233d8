/**
 * The node's CNI network configuration (a `.conflist` in containerd's conf_dir): a Linux bridge with the pod
 * gateway on it, host-local IPAM over the node's pod CIDR, and portmap for hostPorts.
 */

export interface CniNetworkOptions {
  /** CNI network name (unique per node when several nodes share host-local's default dir; ours is per node). */
  name: string;
  /** Linux bridge the pods' veths join; the bridge plugin gives it the gateway address (`.1` of the subnet). */
  bridge: string;
  /** The pod CIDR addresses come from. */
  subnet: string;
  /** host-local's dataDir (its reservations: one file per address, under `<dataDir>/<name>/`). */
  ipamDir: string;
}

/** The conflist text (JSON, two-space indented). */
export function podNetworkConflist(o: CniNetworkOptions): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: o.name,
      plugins: [
        {
          type: 'bridge',
          bridge: o.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', dataDir: o.ipamDir, ranges: [[{ subnet: o.subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** The subnets of the host-local ranges of a conflist's plugins (what a loaded config hands out). */
export function conflistSubnets(conflist: unknown): string[] {
  const out: string[] = [];
  const plugins = (conflist as { plugins?: unknown[] } | null)?.plugins ?? [];
  for (const p of plugins) {
    const ranges = (p as { ipam?: { ranges?: unknown[][] } }).ipam?.ranges ?? [];
    for (const set of ranges) for (const r of set ?? []) {
      const subnet = (r as { subnet?: unknown }).subnet;
      if (typeof subnet === 'string') out.push(subnet);
    }
  }
  return out;
}
