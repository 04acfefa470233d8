#!/usr/bin/env bash
# npm run bench: the API server benchmarks of issue 2 (see docs/benchmarks.md).
#   test/bench/run.sh                 all scenarios (create, rss, list, kubectl, watch, rss-etcd, rss-semi, auth, protobuf), ~8 min on 2 idle cores
#   test/bench/run.sh create list     only those (auth: issue 11, the access-control chain on vs off; BENCH_AUTH_OFF_CERTS=1 for the control;
#                                     protobuf: issue 12, protobuf vs JSON for a 10,000-pod LIST and pod creates;
#                                     gc: issue 12, Foreground delete of one owner of 3,000 pods vs a deletecollection,
#                                     BENCH_GC_PODS (3000), BENCH_GC_REPEATS (2);
#                                     deployment: issue 12, a Deployment scaled 0 -> 3,000 on 300 simulated nodes vs 3,000 bare pod creates,
#                                     until bound, BENCH_DEPLOY_PODS (3000), BENCH_DEPLOY_NODES (300), BENCH_DEPLOY_REPEATS (2))
#   test/bench/run.sh scheduler ...   the issue-4 scheduler benchmarks instead (test/bench/scheduler-bench.ts)
#   test/bench/run.sh pods ...        the issue-5 node agent benchmark (test/bench/pods-bench.ts)
#   test/bench/run.sh cluster ...     the issue-6 `kubelab up` benchmarks (test/bench/cluster-bench.ts)
#   test/bench/run.sh service         the issue-13 ClusterIP throughput vs pod IP on `kubelab up --nodes 2` (test/bench/service-bench.ts)
#   test/bench/run.sh dns ...         the issue-13 cluster DNS benchmark: q/s on one core vs a raw UDP echo floor (test/bench/dns-bench.ts)
#   test/bench/run.sh network-programming ...  the issue-13 service proxy latency (test/bench/network-programming-bench.ts)
#   test/bench/run.sh console ...     the issue-14 browser console: 1,000 pods, 50 changes/s, write -> DOM (test/bench/console-bench.ts)
#   test/bench/run.sh anatomy         the issue-14 pod anatomy answer time through nodes/proxy on a node running 30 pods (test/bench/anatomy-bench.ts)
# Knobs (environment): BENCH_CREATE_N (3000), BENCH_CREATE_REPEATS (3), BENCH_LIST_PODS (10000),
#   BENCH_LIST_ITERS (30), BENCH_WATCHERS (1000), BENCH_WATCH_WRITES (20), BENCH_OUT (JSON results file),
#   BENCH_CPU_PROF=DIR (run every apiserver under node --cpu-prof, profiles in DIR; summarize them with
#   `node test/bench/prof-top.ts DIR/*.cpuprofile`), BENCH_MARKDOWN=1 (also print the table as Markdown),
#   BENCH_TIMEOUT (seconds, default 1200).
# Starts its own etcd (test/integration/framework/etcd.ts) and apiserver processes and removes them at the end.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
case "$(node --version)" in
  v24.*) ;;
  *) echo "bench: node_modules/.bin/node is not Node 24 (run npm ci)" >&2; exit 1 ;;
esac
entry=test/bench/main.ts
case "${1:-}" in
  scheduler|pods|cluster|service|dns|network-programming|console|anatomy) entry="test/bench/$1-bench.ts"; shift ;;
esac
[ "$entry" = test/bench/scheduler-bench.ts ] && : "${BENCH_TIMEOUT:=2400}" # issue 4 fills 30,000 pods: ~15 min on 2 shared cores
exec timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-1200}" node "$entry" "$@"
