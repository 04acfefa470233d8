#!/usr/bin/env bash
# Builds kubelab's two local images as OCI-layout tarballs, without any registry:
#
#   localhost/pause:3.9     a static pause binary built from pause.c
#   localhost/busybox:1.35  Debian's busybox-static with every applet linked, /etc/passwd, /etc/group, /tmp 1777
#
# Usage: deploy/images/build-images.sh [OUT_DIR]
#   OUT_DIR defaults to $KUBELAB_IMAGE_DIR, else <repo>/.kubelab/images.
#   Produces OUT_DIR/pause-3.9.tar and OUT_DIR/busybox-1.35.tar (tag inside the layout: 3.9 / 1.35; the
#   repository name comes from `ctr images import --base-name`, see import-images.sh).
#
# Cached: an image is rebuilt only when its tarball is missing or its inputs changed (this script, pause.c,
# the busybox binary, the umoci version). Concurrent runs are serialized with flock on OUT_DIR/.lock, and
# tarballs are moved into place atomically, so parallel test processes may call this at the same time.
# Missing tools (umoci, busybox-static, gcc, libc6-dev) are installed with apt-get when running as root.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${1:-${KUBELAB_IMAGE_DIR:-$REPO/.kubelab/images}}"
BUSYBOX_BIN=/usr/bin/busybox

die() { echo "build-images: $*" >&2; exit 1; }

# need CMD PKG: make sure CMD exists, installing PKG with apt-get if it does not.
need() {
  local cmd="$1" pkg="$2"
  if [ -x "$cmd" ] || command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  [ "$(id -u)" = 0 ] || die "$cmd is missing; install with: apt-get install -y $pkg"
  echo "build-images: installing $pkg" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg" >&2; then
    apt-get update >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg" >&2 || die "could not install $pkg; install with: apt-get install -y $pkg"
  fi
  [ -x "$cmd" ] || command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after installing $pkg"
}

need umoci umoci
need "$BUSYBOX_BIN" busybox-static
need gcc gcc
need flock util-linux
need sha256sum coreutils
# gcc -static needs libc.a from libc6-dev.
case "$(gcc -print-file-name=libc.a)" in
  /*) ;;
  *)
    [ "$(id -u)" = 0 ] || die "libc.a is missing; install with: apt-get install -y libc6-dev"
    DEBIAN_FRONTEND=noninteractive apt-get install -y libc6-dev >&2 || die "could not install libc6-dev; install with: apt-get install -y libc6-dev"
    ;;
esac
# The image has no libraries, so busybox must be the static build.
if command -v readelf >/dev/null 2>&1 && readelf -l "$BUSYBOX_BIN" 2>/dev/null | grep -q 'program interpreter'; then
  die "$BUSYBOX_BIN is dynamically linked; install with: apt-get install -y busybox-static"
fi

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9

UMOCI_VERSION="$(umoci --version)"
SELF_HASH="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"

# inputs_of NAME: a hash over everything the image NAME is built from.
inputs_of() {
  case "$1" in
    pause) { echo "$SELF_HASH"; echo "$UMOCI_VERSION"; gcc --version | head -1; sha256sum "$HERE/pause.c"; } | sha256sum | cut -d' ' -f1 ;;
    busybox) { echo "$SELF_HASH"; echo "$UMOCI_VERSION"; sha256sum "$BUSYBOX_BIN"; } | sha256sum | cut -d' ' -f1 ;;
  esac
}

# up_to_date TAR NAME
up_to_date() {
  [ -s "$OUT/$1" ] && [ -f "$OUT/$1.inputs" ] && [ "$(cat "$OUT/$1.inputs")" = "$(inputs_of "$2")" ]
}

WORK="$(mktemp -d "$OUT/.build.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# finish LAYOUT TAR NAME: tar the OCI layout and move it into place with its inputs hash.
finish() {
  local layout="$1" tar="$2" name="$3"
  umoci gc --layout "$layout"
  tar -C "$layout" -cf "$WORK/$tar" .
  inputs_of "$name" >"$WORK/$tar.inputs"
  mv -f "$WORK/$tar" "$OUT/$tar"
  mv -f "$WORK/$tar.inputs" "$OUT/$tar.inputs"
  echo "build-images: built $OUT/$tar" >&2
}

build_pause() {
  local layout="$WORK/oci-pause" bundle="$WORK/bundle-pause"
  gcc -Os -static -Wall -Werror -o "$WORK/pause" "$HERE/pause.c" || die "gcc -static failed (is libc6-dev installed?)"
  strip "$WORK/pause" 2>/dev/null || true
  umoci init --layout "$layout"
  umoci new --image "$layout:3.9"
  umoci unpack --image "$layout:3.9" "$bundle"
  install -m 0755 "$WORK/pause" "$bundle/rootfs/pause"
  umoci repack --image "$layout:3.9" "$bundle"
  umoci config --image "$layout:3.9" \
    --config.entrypoint /pause --config.workingdir / --config.user 65535:65535 \
    --author kubelab --os linux --architecture amd64
  finish "$layout" pause-3.9.tar pause
}

build_busybox() {
  local layout="$WORK/oci-busybox" bundle="$WORK/bundle-busybox" r applet
  umoci init --layout "$layout"
  umoci new --image "$layout:1.35"
  umoci unpack --image "$layout:1.35" "$bundle"
  r="$bundle/rootfs"
  mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" "$r/tmp" "$r/root" "$r/home" \
    "$r/proc" "$r/sys" "$r/dev" "$r/var/tmp" "$r/www"
  chmod 1777 "$r/tmp" "$r/var/tmp"
  chmod 0700 "$r/root"
  install -m 0755 "$BUSYBOX_BIN" "$r/bin/busybox"
  # Link every applet at its usual place (bin/sh, usr/bin/wget, ...), relative to /bin/busybox.
  while IFS= read -r applet; do
    [ -n "$applet" ] || continue
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$r/$(dirname "$applet")"
    case "$applet" in
      bin/*|sbin/*) ln -sfn ../bin/busybox "$r/$applet" ;;
      usr/bin/*|usr/sbin/*) ln -sfn ../../bin/busybox "$r/$applet" ;;
      *) ln -sfn /bin/busybox "$r/$applet" ;;
    esac
  done < <("$BUSYBOX_BIN" --list-full)
  [ -L "$r/bin/sh" ] || die "busybox --list-full has no bin/sh"
  printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' >"$r/etc/group"
  chmod 0644 "$r/etc/passwd" "$r/etc/group"
  umoci repack --image "$layout:1.35" "$bundle"
  umoci config --image "$layout:1.35" \
    --config.cmd /bin/sh --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin --config.workingdir / \
    --author kubelab --os linux --architecture amd64
  finish "$layout" busybox-1.35.tar busybox
}

if up_to_date pause-3.9.tar pause; then echo "build-images: $OUT/pause-3.9.tar is up to date" >&2; else build_pause; fi
if up_to_date busybox-1.35.tar busybox; then echo "build-images: $OUT/busybox-1.35.tar is up to date" >&2; else build_busybox; fi
echo "$OUT"
