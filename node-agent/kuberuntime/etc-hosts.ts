/**
 * The /etc/hosts kubelet mounts into every container (kubelet_pods.go makeHostsMount / ensureHostsFile):
 * for pod-network pods a managed file (localhost lines, the pod's IPs with its hostname, its FQDN first when it
 * has a domain, then spec.hostAliases); for host-network pods the node's /etc/hosts with the aliases appended.
 * Not mounted before the pod has an IP, nor over a container's own mount at /etc/hosts.
 */
import type { Container, HostAlias } from '../../shared/api/core-v1.ts';

export const ETC_HOSTS_PATH = '/etc/hosts';
const MANAGED_HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
const MANAGED_HOSTS_HEADER_WITH_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';

/** hostsEntriesFromHostAliases: one line per alias entry, its hostnames tab-separated. */
export function hostsEntriesFromHostAliases(hostAliases: HostAlias[] | undefined): string {
  if (!hostAliases?.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of hostAliases) out += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

/** managedHostsFileContent for a pod-network pod. */
export function managedHostsFileContent(podIPs: string[], hostname: string, domain: string, hostAliases: HostAlias[] | undefined): string {
  let out = MANAGED_HOSTS_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostsEntriesFromHostAliases(hostAliases);
}

/** nodeHostsFileContent for a host-network pod: the node's hosts file plus the aliases. */
export function nodeHostsFileContent(nodeHosts: string, hostAliases: HostAlias[] | undefined): string {
  return MANAGED_HOSTS_HEADER_WITH_HOST_NETWORK + nodeHosts + hostsEntriesFromHostAliases(hostAliases);
}

/** Whether kubelet mounts the managed hosts file into this container. */
export function mountsEtcHosts(container: Container, podIPs: string[]): boolean {
  return podIPs.length > 0 && !(container.volumeMounts ?? []).some((m) => m.mountPath === ETC_HOSTS_PATH);
}
