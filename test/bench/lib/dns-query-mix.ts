/**
 * The query mix of `test/bench/run.sh dns` over the zone dns-bench-server.ts builds, deterministic: what pods
 * send. For a name looked up through the ClusterFirst search path glibc asks A and AAAA at once (AAAA answers
 * NODATA for IPv4 Services); then headless Service names, SRV and search-path misses (NXDOMAIN):
 * 40% A, 40% AAAA, 8% headless A, 6% SRV, 6% NXDOMAIN, spread over all Services.
 */
export function dnsQueryMix(services: number): [name: string, type: 'A' | 'AAAA' | 'SRV'][] {
  const out: [string, 'A' | 'AAAA' | 'SRV'][] = [];
  const headless = Math.ceil(services / 10);
  for (let k = 0; k < 5000; k++) {
    const i = (k * 7919) % services;
    const name = `svc-${i}.ns${i % 20}.svc.cluster.local`;
    const r = k % 50;
    if (r < 20) out.push([name, 'A']);
    else if (r < 40) out.push([name, 'AAAA']);
    else if (r < 44) {
      const h = k % headless;
      out.push([`hl-${h}.ns${h % 20}.svc.cluster.local`, 'A']);
    } else if (r < 47) out.push([`_http._tcp.${name}`, 'SRV']);
    else out.push([`${name}.ns${i % 20}.svc.cluster.local`, 'A']);
  }
  return out;
}
