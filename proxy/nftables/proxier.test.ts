import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServicePortInfo } from '../service-port.ts';
import type { EndpointInfo } from '../endpoints-map.ts';
import { staleUDPFlows } from './proxier.ts';

function port(protocol: 'udp' | 'tcp', nodePort = 0): ServicePortInfo {
  return { name: 'default/dns:dns', namespace: 'default', serviceName: 'dns', portName: 'dns', protocol, clusterIP: '10.96.0.10', port: 53, nodePort, externalIPs: [], loadBalancerIPs: [], stickyMaxAgeSeconds: 0, externalPolicyLocal: false, internalPolicyLocal: false };
}
function ep(ip: string, ready = true): EndpointInfo {
  return { ip, port: 5353, ready, serving: ready, terminating: false, isLocal: false };
}

test('staleUDPFlows: flows to removed or unready UDP endpoints, and to Services that just got endpoints', () => {
  const key = 'default/dns:dns/udp';
  const before = new Map([[key, [ep('10.244.1.5'), ep('10.244.1.6')]]]);
  const after = new Map([[key, [ep('10.244.1.5'), ep('10.244.1.6', false)]]]);
  assert.deepEqual(staleUDPFlows(new Map([[key, port('udp', 30053)]]), before, new Map([[key, port('udp', 30053)]]), after), [
    ['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.6'],
    ['-D', '-p', 'udp', '--orig-port-dst', '30053', '--dst-nat', '10.244.1.6'],
  ]);
  // From no endpoints to some: every flow to the ClusterIP goes (it may hold a cached reject).
  assert.deepEqual(staleUDPFlows(new Map([[key, port('udp')]]), new Map(), new Map([[key, port('udp')]]), after), [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10']]);
  // TCP is never touched.
  const tkey = 'default/dns:dns/tcp';
  assert.deepEqual(staleUDPFlows(new Map([[tkey, port('tcp')]]), new Map([[tkey, [ep('10.244.1.5')]]]), new Map([[tkey, port('tcp')]]), new Map()), []);
});
