#!/usr/bin/env bash
# Runs one test tier from the compiled tree (dist/) on the project's Node.
#   unit:        *.test.ts that are neither integration nor e2e (no external processes)
#   integration: *.integration.test.ts (real etcd, containerd, kubectl; started by the tests themselves)
#   e2e:         *.e2e.test.ts (whole clusters)
# Prints node:test's summary; exit code non-zero on any failure.
set -uo pipefail
tier="${1:?usage: run-tier.sh unit|integration|e2e [filter]}"
filter="${2:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
if [ ! -d dist ] || [ -n "${KUBELAB_REBUILD-1}" ]; then
  rm -rf dist
  tsc -p tsconfig.json || { echo "type check failed" >&2; exit 1; }
  node console/web/build.ts || { echo "console/web build failed" >&2; exit 1; }
fi
case "$tier" in
  unit) files=$(find dist -name '*.test.js' ! -name '*.integration.test.js' ! -name '*.e2e.test.js' | sort) ; conc=2 ;;
  integration) files=$(find dist -name '*.integration.test.js' | sort) ; conc=1 ;;
  e2e) files=$(find dist -name '*.e2e.test.js' | sort) ; conc=1 ;;
  *) echo "unknown tier: $tier" >&2; exit 2 ;;
esac
if [ -n "$filter" ] && [ "$filter" != "--list" ]; then files=$(echo "$files" | grep -E "$filter" || true); fi
if [ "${3:-}" = "--list" ] || [ "$filter" = "--list" ]; then echo "$files"; exit 0; fi
if [ -z "$files" ]; then echo "no $tier tests found" >&2; exit 1; fi
# shellcheck disable=SC2086
exec node --enable-source-maps --test --test-concurrency="$conc" --test-timeout="${KUBELAB_TEST_TIMEOUT:-600000}" $files
