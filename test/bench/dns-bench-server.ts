/**
 * One server process of `test/bench/run.sh dns` (see dns-bench.ts), chosen by argv[2]:
 *   echo  the floor: a raw node:dgram server that sends every datagram back as it came (QR bit set), nothing else;
 *   dns   the cluster DNS server's own code (KubeZone + DnsServer, as `kubelab dns` runs them minus the
 *         informers), with a zone of BENCH_DNS_SERVICES ClusterIP Services (default 1000) and a tenth as many
 *         headless Services of 3 ready endpoints each.
 * Reports {port} over IPC once bound; answers {cmd: 'cpu'} with process.cpuUsage() so the driver can charge the
 * server's CPU time to the queries of one run.
 */
import dgram from 'node:dgram';
import type { Service } from '../../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { DnsServer } from '../../dns/dns-server.ts';
import { KubeZone } from '../../dns/kube-zone.ts';

const mode = process.argv[2];
const services = Number(process.env['BENCH_DNS_SERVICES'] ?? 1000);

/** The zone of the benchmark (also used by the driver to pick query names). */
export function benchZone(n: number): KubeZone {
  const zone = new KubeZone();
  for (let i = 0; i < n; i++) {
    const svc: Service = { metadata: { namespace: `ns${i % 20}`, name: `svc-${i}` }, spec: { clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
    zone.upsertService(svc);
  }
  for (let i = 0; i < Math.ceil(n / 10); i++) {
    const ns = `ns${i % 20}`;
    zone.upsertService({ metadata: { namespace: ns, name: `hl-${i}` }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } });
    const slice: EndpointSlice = {
      metadata: { namespace: ns, name: `hl-${i}-x`, labels: { [LABEL_SERVICE_NAME]: `hl-${i}` } },
      addressType: 'IPv4',
      endpoints: [0, 1, 2].map((k) => ({ addresses: [`10.244.${k}.${(i % 250) + 1}`], hostname: `hl-${i}-${k}`, conditions: { ready: true } })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    };
    zone.upsertEndpointSlice(slice);
  }
  return zone;
}

async function main(): Promise<void> {
  let port: number;
  if (mode === 'echo') {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      msg[2] = msg[2]! | 0x80;
      sock.send(msg, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    port = sock.address().port;
  } else if (mode === 'dns') {
    const server = new DnsServer({ zone: benchZone(services), listen: [{ host: '127.0.0.1', port: 0 }], log: silentLogger() });
    await server.start();
    port = server.addresses()[0]?.port ?? 0;
  } else {
    throw new Error(`dns-bench-server: unknown mode ${String(mode)} (echo or dns)`);
  }
  process.on('message', (m: { cmd?: string }) => {
    if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.send?.({ port });
}

if (mode) void main();
