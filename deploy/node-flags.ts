/**
 * Node (V8) flags each kubelab process runs with, in one place: `bin/kubelab` (bash, keep in step), `kubelab up`
 * and the benchmarks use these.
 *
 * The apiserver's young generation is capped at 4 MiB per semi-space (V8's default is 16 MiB on 64-bit): that
 * slack is ~100 MiB of RSS at 10,000 pods, and the create throughput was no lower with it (docs/benchmarks.md,
 * issue 2, rss-semi). The node agent gets 2 MiB (issue 5).
 */
export const APISERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
export const NODE_AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
