import { existsSync } from 'node:fs';
import { CommandError, ip, run } from './run.ts';
import { cidrContainsCidr } from '../../shared/net/ipv4-cidr.ts';
import { POD_ROUTE_PROTOCOL } from '../../shared/net/route-table.ts';

/** One simulated machine: a network namespace with one interface on the cluster bridge. */
export interface NodeHost {
  name: string;
  netns: string;
  ip: string;
  /** Host side of the veth pair (the node side is `eth0` inside the netns). */
  vethHost: string;
}

/**
 * The lab network of one cluster: a bridge on the host (the "switch"), the host's address on it (where the API
 * servers listen), one netns per node, and the cluster CIDR the controller carves pod CIDRs from. Index N keeps
 * two clusters apart: bridge klbN, nodes on 10.213.N.0/24, pods in 10.(244-N).0.0/16.
 */
export interface ClusterNetwork {
  index: number;
  bridge: string;
  subnet: string;
  hostIP: string;
  clusterCIDR: string;
  nodes: NodeHost[];
  /** Host routes added for pod CIDRs by earlier versions (removed by down); the route controller's carry proto 213. */
  routes: { cidr: string; via: string }[];
}

/** Indexes taken on this machine: a klbN bridge, or klbN-* network namespaces (left by a crashed cluster). */
export async function usedNetworkIndexes(): Promise<Set<number>> {
  const out = await ip(['-o', 'link', 'show', 'type', 'bridge'], true);
  const used = new Set<number>();
  for (const m of out.matchAll(/^\d+:\s+klb(\d+)[:@]/gm)) used.add(Number(m[1]));
  const ns = await ip(['netns', 'list'], true);
  for (const m of ns.matchAll(/^klb(\d+)-/gm)) used.add(Number(m[1]));
  return used;
}

/**
 * Picks the first free index and claims it by creating its bridge: `ip link add` fails with "File exists" when
 * another `kubelab up` got there first, and the next index is tried, so two clusters started at the same time
 * never share a network.
 */
export async function claimNetworkIndex(): Promise<number> {
  const used = await usedNetworkIndexes();
  for (let i = 0; i <= 63; i++) {
    if (used.has(i)) continue;
    try {
      await ip(['link', 'add', `klb${i}`, 'type', 'bridge']);
      return i;
    } catch (e) {
      if (e instanceof CommandError && /exists/i.test(e.stderr)) continue;
      throw e;
    }
  }
  throw new Error('no free cluster network: bridges klb0..klb63 all exist (kubelab down the clusters you no longer need)');
}

export function planNetwork(index: number, nodeNames: string[]): ClusterNetwork {
  if (!Number.isInteger(index) || index < 0 || index > 63) throw new Error(`network index ${index} out of range 0..63`);
  return {
    index,
    bridge: `klb${index}`,
    subnet: `10.213.${index}.0/24`,
    hostIP: `10.213.${index}.1`,
    clusterCIDR: `10.${244 - index}.0.0/16`,
    nodes: nodeNames.map((name, i) => ({ name, netns: `klb${index}-${name}`, ip: `10.213.${index}.${11 + i}`, vethHost: `klb${index}v${i}` })),
    routes: [],
  };
}

/** Creates the bridge, the node namespaces and their links. Idempotent for a partially created network. */
export async function createNetwork(net: ClusterNetwork): Promise<void> {
  if (!(await ip(['link', 'show', net.bridge], true))) {
    await ip(['link', 'add', net.bridge, 'type', 'bridge']);
  }
  await ip(['addr', 'replace', `${net.hostIP}/24`, 'dev', net.bridge]);
  await ip(['link', 'set', net.bridge, 'up']);
  for (let i = 0; i < net.nodes.length; i++) {
    const n = net.nodes[i] as NodeHost;
    if (!existsSync(`/var/run/netns/${n.netns}`)) await ip(['netns', 'add', n.netns]);
    const peer = `klb${net.index}p${i}`;
    if (!(await ip(['link', 'show', n.vethHost], true))) {
      await ip(['link', 'add', n.vethHost, 'type', 'veth', 'peer', 'name', peer]);
      await ip(['link', 'set', peer, 'netns', n.netns]);
      await ip(['-n', n.netns, 'link', 'set', peer, 'name', 'eth0']);
    }
    await ip(['link', 'set', n.vethHost, 'master', net.bridge]);
    await ip(['link', 'set', n.vethHost, 'up']);
    await ip(['-n', n.netns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', n.netns, 'addr', 'replace', `${n.ip}/24`, 'dev', 'eth0']);
    await ip(['-n', n.netns, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', n.netns, 'route', 'replace', 'default', 'via', net.hostIP]);
  }
}

/** Removes host routes, node namespaces (taking their veths along) and the bridge. Idempotent. */
export async function destroyNetwork(net: ClusterNetwork): Promise<void> {
  for (const r of net.routes) await ip(['route', 'del', r.cidr, 'via', r.via], true);
  // Routes the host may still have towards this cluster's node subnet members (from an interrupted up).
  const routes = await ip(['route', 'show'], true);
  for (const line of routes.split('\n')) {
    const m = /^(\S+) via (10\.213\.(\d+)\.\d+)/.exec(line);
    if (m && Number(m[3]) === net.index) await ip(['route', 'del', m[1] as string, 'via', m[2] as string], true);
  }
  // The route controller's routes (proto 213) to this cluster's pod CIDRs, whatever their gateway.
  const ours = await ip(['-4', '-j', 'route', 'show', 'proto', String(POD_ROUTE_PROTOCOL)], true);
  for (const r of (ours.trim() ? JSON.parse(ours) : []) as { dst?: string; gateway?: string }[]) {
    if (r.dst && r.gateway && cidrContainsCidr(net.clusterCIDR, r.dst)) await ip(['route', 'del', r.dst, 'via', r.gateway, 'proto', String(POD_ROUTE_PROTOCOL)], true);
  }
  for (const n of net.nodes) {
    if (existsSync(`/var/run/netns/${n.netns}`)) {
      // Processes still inside would keep the namespace alive: the caller stops them first.
      await ip(['netns', 'delete', n.netns], true);
    }
    await ip(['link', 'delete', n.vethHost], true);
  }
  await ip(['link', 'delete', net.bridge], true);
}

/** Runs a command inside a node's network namespace, keeping the mount namespace (see containerd.md). */
export function inNetns(netns: string, cmd: string, args: string[]): [string, string[]] {
  return ['nsenter', [`--net=/var/run/netns/${netns}`, '--', cmd, ...args]];
}

export async function netnsExists(netns: string): Promise<boolean> {
  const out = await run('ip', ['netns', 'list'], { allowFail: true });
  return out.split('\n').some((l) => l.split(' ')[0] === netns);
}
