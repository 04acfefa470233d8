#!/usr/bin/env bash
# Installs what kubelab needs on a Debian 12 machine, from Debian's packages, when it is missing:
# etcd (etcd-server), containerd, runc, CNI plugins, umoci + busybox-static (local images), iproute2,
# iptables, nftables + conntrack (the service proxy), gcc (static pause binary), openssl (the cluster PKI), curl (end-to-end checks of the TLS listeners),
# and with --tests (what `npm test` passes) also chromium (the console's headless browser tests, driven by
# puppeteer-core), which a cluster alone does not need.
# Idempotent; prints what it installs. Needs root.
set -euo pipefail
want=(etcd-server containerd runc containernetworking-plugins umoci busybox-static iproute2 iptables nftables conntrack gcc libc6-dev util-linux openssl curl)
if [ "${1:-}" = "--tests" ]; then want+=(chromium); fi
"$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/install-kubectl-plugin.sh" # kubectl anatomy (never fatal)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "kubelab: all system packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "kubelab: missing packages: ${missing[*]}" >&2
  echo "kubelab: install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "kubelab: installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postinst may start services on machines with an init system; kubelab runs its own instances.
for svc in etcd containerd; do
  if command -v service >/dev/null 2>&1 && service "$svc" status >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "kubelab: installed ${missing[*]}"
