/**
 * The kernel settings the proxy needs in its network namespace (all per-namespace on this kernel):
 *  - net.ipv4.ip_forward=1: DNATed packets to pods are forwarded;
 *  - net.bridge.bridge-nf-call-iptables=1: packets bridged between two pods on one node's bridge go through
 *    netfilter, so a reply from an endpoint to a client on the same bridge is un-DNATed (upstream requires
 *    br_netfilter for the same reason).
 * route_localnet is not set: NodePorts are not served on 127.0.0.0/8 (as upstream's nftables mode).
 */
import type { CommandRunner } from './command-runner.ts';
import type { Logger } from '../shared/util/log.ts';

export const PROXY_SYSCTLS: Record<string, string> = {
  'net.ipv4.ip_forward': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
};

export async function ensureSysctls(runner: CommandRunner, log: Logger, values: Record<string, string> = PROXY_SYSCTLS): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    const r = await runner.run('sysctl', ['-w', `${key}=${value}`]);
    if (r.code !== 0) log.warn('Failed to set sysctl', { key, value, stderr: r.stderr.trim() });
    else log.debug('Set sysctl', { key, value });
  }
}
