#!/usr/bin/env bash
# The whole test suite (what README's second command and CI run): type check + build, then every tier.
# Prerequisites (etcd, containerd, runc, CNI plugins, umoci, busybox-static, kubectl) are installed by
# deploy/install-deps.sh when missing (root), otherwise the tests that need them fail with the install command.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
start=$(date +%s)
if [ "$(id -u)" -eq 0 ]; then
  bash deploy/install-deps.sh --tests || { echo "installing system packages failed"; echo "0 passed, 1 failed"; exit 1; }
else
  echo "note: not root: the integration tests need root (network namespaces, containerd) and will fail" >&2
fi
echo "== type check and build (tsc)"
rm -rf dist
tsc -p tsconfig.json || { echo "type check failed"; echo "0 passed, 1 failed"; exit 1; }
node console/web/build.ts || { echo "console/web build failed"; echo "0 passed, 1 failed"; exit 1; }
pass=0; fail=0; rc=0
for tier in unit integration e2e; do
  if [ -z "$(KUBELAB_REBUILD= bash test/run-tier.sh "$tier" --list)" ]; then echo "== $tier tests: none yet"; continue; fi
  echo "== $tier tests"
  log="$(mktemp)"
  KUBELAB_REBUILD= bash test/run-tier.sh "$tier" 2>&1 | tee "$log"
  r=${PIPESTATUS[0]}
  p=$(grep -E '^ℹ pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
  f=$(grep -E '^ℹ fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
  if [ "$r" -ne 0 ]; then rc=1; [ "${f:-0}" -eq 0 ] && fail=$((fail + 1)); fi
  rm -f "$log"
done
echo "== done in $(( $(date +%s) - start ))s"
echo "$pass passed, $fail failed"
exit $rc
