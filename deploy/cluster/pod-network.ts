/**
 * The pod network of a lab cluster, as `kubelab up` sets it up and checks it:
 * - every node agent writes its own CNI config from its Node's spec.podCIDR (--cni-conf-dir ...);
 * - every node's service proxy keeps routes to the other nodes' pod CIDRs in its namespace (`kubelab proxy
 *   --pod-routes`): it reads all Nodes as system:kube-proxy, where the Node authorizer lets a node read only its own;
 * - the controller's route controller (--configure-cloud-routes) routes every pod CIDR on the host.
 * Routes carry protocol number 213 (shared/net/route-table.ts), which is how `kubelab down` finds them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalCidr } from '../../shared/net/ipv4-cidr.ts';
import { POD_ROUTE_PROTOCOL } from '../../shared/net/route-table.ts';
import { conflistSubnets } from '../../node-agent/network/cni-conflist.ts';
import { DEFAULT_CNI_CONF_FILE } from '../../node-agent/network/pod-cidr-manager.ts';
import type { NodeRecord } from './cluster-state.ts';
import type { ClusterNetwork } from './network.ts';
import { ip } from './run.ts';

/** The bridge inside every node namespace. */
export const NODE_POD_BRIDGE = 'kubelab0';

/** Flags of `kubelab node` for its pod network. */
export function podNetworkNodeFlags(net: ClusterNetwork, rec: NodeRecord): string[] {
  return [
    '--cni-conf-dir', rec.cniConfDir, '--cni-ipam-dir', join(rec.dir, 'ipam'),
    '--cni-network-name', `kubelab${net.index}-${rec.name}`, '--cni-bridge', NODE_POD_BRIDGE,
  ];
}

/** Flags of `kubelab controller` for host routes (with its --cluster-cidr). */
export const POD_NETWORK_CONTROLLER_FLAGS = ['--configure-cloud-routes'];

/** `ip -j route show proto 213` in the host (netns undefined) or a node namespace, as "<dst> via <gw>". */
export async function podRoutes(netns?: string): Promise<string[]> {
  const out = await ip([...(netns ? ['-n', netns] : []), '-4', '-j', 'route', 'show', 'proto', String(POD_ROUTE_PROTOCOL)], true);
  const rows = (out.trim() ? JSON.parse(out) : []) as { dst?: string; gateway?: string }[];
  return rows.filter((r) => r.dst && r.gateway).map((r) => `${canonicalCidr(r.dst as string) ?? r.dst} via ${r.gateway}`);
}

/**
 * What is not yet as it should be for these pod CIDRs (node name -> CIDR): each node's CNI config names its
 * CIDR, the host routes every CIDR to its node, every node routes the other nodes' CIDRs. Empty when done.
 */
export async function podNetworkProblems(nodes: NodeRecord[], cidrs: Map<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const want = nodes.map((n) => ({ node: n, route: `${canonicalCidr(cidrs.get(n.name) ?? '') ?? '?'} via ${n.ip}` }));
  for (const n of nodes) {
    const conf = join(n.cniConfDir, DEFAULT_CNI_CONF_FILE);
    const subnets = existsSync(conf) ? conflistSubnets(JSON.parse(readFileSync(conf, 'utf8'))) : [];
    if (subnets.join() !== cidrs.get(n.name)) problems.push(`${n.name}: CNI config ${existsSync(conf) ? `has ${subnets.join() || 'no subnet'}` : 'not written yet'}, want ${cidrs.get(n.name)}`);
  }
  const host = await podRoutes();
  for (const w of want) if (!host.includes(w.route)) problems.push(`host: no route ${w.route}`);
  for (const n of nodes) {
    const inside = await podRoutes(n.netns);
    for (const w of want) if (w.node !== n && !inside.includes(w.route)) problems.push(`${n.name}: no route ${w.route}`);
  }
  return problems;
}
