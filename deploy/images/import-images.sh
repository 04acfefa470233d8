#!/usr/bin/env bash
# Imports kubelab's local images into a containerd's `k8s.io` namespace (the only one CRI looks at).
#
# Usage: deploy/images/import-images.sh SOCK [IMAGE_DIR]
#   SOCK       containerd's gRPC socket (a path, or unix:///path)
#   IMAGE_DIR  where build-images.sh put the tarballs; default $KUBELAB_IMAGE_DIR, else <repo>/.kubelab/images.
#              The images are built there first if missing or stale (build-images.sh caches).
#
# Result: localhost/pause:3.9 and localhost/busybox:1.35 in that containerd. Idempotent: an image that is
# already present with the same digest is left alone (ctr import re-tags it, which is a no-op).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

die() { echo "import-images: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: import-images.sh SOCK [IMAGE_DIR]"
SOCK="${1#unix://}"
DIR="${2:-${KUBELAB_IMAGE_DIR:-$REPO/.kubelab/images}}"

command -v ctr >/dev/null 2>&1 || die "ctr is missing; install with: apt-get install -y containerd"
[ -S "$SOCK" ] || die "$SOCK is not a socket (is containerd running with this address?)"
ctr --address "$SOCK" version >/dev/null 2>&1 || die "containerd does not answer on $SOCK"

"$HERE/build-images.sh" "$DIR" >/dev/null

# import TAR BASE_NAME TAG
import() {
  local tar="$DIR/$1" base="$2" tag="$3"
  [ -s "$tar" ] || die "$tar is missing after build-images.sh"
  local listed
  ctr --address "$SOCK" -n k8s.io images import --base-name "$base" "$tar" >/dev/null \
    || die "ctr images import of $tar failed"
  # Capture first: `ctr ... | grep -q` would fail under pipefail when grep exits early (SIGPIPE).
  listed="$(ctr --address "$SOCK" -n k8s.io images ls -q)" || die "ctr images ls failed"
  grep -qx "$base:$tag" <<<"$listed" || die "$base:$tag is not listed after importing $tar"
  echo "import-images: $base:$tag" >&2
}

import pause-3.9.tar localhost/pause 3.9
import busybox-1.35.tar localhost/busybox 1.35
