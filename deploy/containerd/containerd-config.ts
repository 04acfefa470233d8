/**
 * The per-node containerd configuration measured to work on these machines (shared/reference containerd.md):
 * its own root/state/sockets/runc root, the CRI plugin with `restrict_oom_score_adj = true` (root here lacks
 * CAP_SYS_RESOURCE), the cgroupfs driver (no systemd), netns mounts under the state dir, a random stream port,
 * and the CNI bridge+portmap network of the node's pod CIDR.
 */
import { podNetworkConflist, type CniNetworkOptions } from '../../node-agent/network/cni-conflist.ts';

export const PAUSE_IMAGE = 'localhost/pause:3.9';
export const BUSYBOX_IMAGE = 'localhost/busybox:1.35';
export const RUNC_BINARY = '/usr/sbin/runc';
export const CNI_BIN_DIR = '/usr/lib/cni';

export interface ContainerdPaths {
  /** Directory holding root/, state/, runc/, opt/ and net.d/ of one instance. */
  dir: string;
  socket: string;
}

export function containerdConfigToml(p: ContainerdPaths, logLevel = 'info'): string {
  const d = p.dir;
  return `version = 2
root = "${d}/root"
state = "${d}/state"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${p.socket}"

[ttrpc]
  address = "${p.socket}.ttrpc"

[debug]
  level = "${logLevel}"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "${d}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384
  netns_mounts_under_state_dir = true
  disable_cgroup = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    discard_unpacked_layers = false
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "${RUNC_BINARY}"
        Root = "${d}/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${d}/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
`;
}

/**
 * A bridge + portmap CNI network for one node's pod CIDR. Each node needs its own network name, bridge and
 * IPAM data dir (host-local's default dir is shared between instances). The node agent writes the same config
 * itself (--cni-conf-dir); this stays for the containerd test framework.
 */
export function cniConflist(o: CniNetworkOptions): string {
  return podNetworkConflist(o);
}
