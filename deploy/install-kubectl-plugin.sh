#!/usr/bin/env bash
# Links /usr/local/bin/kubectl-anatomy -> <checkout>/bin/kubectl-anatomy so that `kubectl anatomy pod NAME` works
# (kubectl runs executables named kubectl-* found on PATH). Only when the link is absent, stale (a link to a
# kubectl-anatomy that no longer exists) or already ours; anything else there is left alone with a hint.
# Keep in step with deploy/cluster/kubectl-plugin-link.ts (what `kubelab up` does).
set -uo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
target="$root/bin/kubectl-anatomy"
link="${KUBECTL_ANATOMY_LINK:-/usr/local/bin/kubectl-anatomy}"
hint="put $root/bin on your PATH, or run: ln -sfn $target $link"
if [ -L "$link" ]; then
  current="$(readlink "$link")"
  if [ "$current" = "$target" ]; then exit 0; fi
  if [ -e "$link" ]; then
    case "$current" in
      */bin/kubectl-anatomy) exit 0 ;; # another kubelab checkout's launcher: works the same
    esac
    echo "kubelab: $link links to $current, not kubelab's plugin; left alone ($hint)" >&2
    exit 0
  fi
  case "$current" in
    */kubectl-anatomy) rm -f "$link" ;; # a removed checkout's launcher: replace it
    *) echo "kubelab: $link is a dangling link to $current; left alone ($hint)" >&2; exit 0 ;;
  esac
elif [ -e "$link" ]; then
  echo "kubelab: $link exists and is not kubelab's plugin; left alone ($hint)" >&2
  exit 0
fi
if ln -s "$target" "$link" 2>/dev/null; then
  echo "kubelab: linked $link -> $target (kubectl anatomy pod NAME)"
else
  echo "kubelab: cannot link $link for 'kubectl anatomy': $hint" >&2
fi
exit 0
