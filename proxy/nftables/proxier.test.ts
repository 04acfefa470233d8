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

import type { Service } from '../../shared/api/core-v1.ts';
import type { EndpointSlice } from '../../shared/api/discovery-v1.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import { endpointSlicesResource, servicesResource } from '../../shared/client/clientset.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { pollUntil } from '../../shared/util/wait.ts';
import type { CommandResult, CommandRunner } from '../command-runner.ts';
import { NftablesProxier } from './proxier.ts';

/** Records every nft script; `failNext` refuses the next `nft -f`, `intact` answers `nft list chain`. */
class FakeRunner implements CommandRunner {
  scripts: string[] = [];
  failNext = false;
  intact = true;
  command(cmd: string, args: string[]): [string, string[]] {
    return ['true', [cmd, ...args]];
  }
  async run(cmd: string, args: string[], options: { input?: string } = {}): Promise<CommandResult> {
    if (cmd === 'nft' && args[0] === '-f') {
      if (this.failNext) {
        this.failNext = false;
        return { code: 1, stdout: '', stderr: 'Error: No such file or directory' };
      }
      this.scripts.push(options.input ?? '');
      return { code: 0, stdout: '', stderr: '' };
    }
    if (cmd === 'nft' && args[0] === 'list') return this.intact ? { code: 0, stdout: 'chain nat-prerouting {\n jump services\n}', stderr: '' } : { code: 1, stdout: '', stderr: 'Error: No such file or directory' };
    return { code: 0, stdout: '', stderr: '' };
  }
}

test('NftablesProxier: recreate first, then diffs; a refused diff and a damaged table both lead to a recreate; latency recorded', async () => {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web', resourceVersion: '1' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } };
  const slice = (ip: string, rv: string, trigger?: string): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: 'web-x', resourceVersion: rv, labels: { 'kubernetes.io/service-name': 'web' }, ...(trigger ? { annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': trigger } } : {}) },
    addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  });
  const cs = new FakeClientset({ objects: [svc, slice('10.244.1.5', '1')], resources: [servicesResource, endpointSlicesResource] });
  const factory = new SharedInformerFactory(cs.client, { log: silentLogger() });
  const clock = new FakeClock(Date.now());
  const runner = new FakeRunner();
  const proxier = new NftablesProxier(factory.informerFor<Service>(servicesResource), factory.informerFor<EndpointSlice>(endpointSlicesResource), {
    hostname: 'node-a', runner, clusterCIDRs: [], nodePortAddresses: [], masqueradeAll: false, syncPeriodMs: 30_000, minSyncPeriodMs: 0, monitor: false, clock, log: silentLogger(),
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  try {
    await proxier.start(ac.signal);
    await proxier.idle();
    assert.equal(runner.scripts.length, 1);
    assert.match(runner.scripts[0] ?? '', /^add table ip kube-proxy .*\ndelete table ip kube-proxy\n/);
    assert.match(runner.scripts[0] ?? '', /dnat to 10\.244\.1\.5:8080/);

    await cs.endpointSlices.update(slice('10.244.1.6', '2', new Date(clock.now() - 250).toISOString()));
    await pollUntil(() => runner.scripts.length === 2, { intervalMs: 5, timeoutMs: 5000 });
    await proxier.idle();
    assert.doesNotMatch(runner.scripts[1] ?? '', /delete table/);
    assert.match(runner.scripts[1] ?? '', /dnat to 10\.244\.1\.6:8080/);
    assert.equal(proxier.latency.summary().count, 1);
    assert.ok(Math.abs(proxier.latency.summary().p50 - 0.25) < 0.01, `latency ${proxier.latency.summary().p50}`);

    // The table changed behind the proxy's back: the diff is refused, the table recreated in the same sync.
    runner.failNext = true;
    await cs.endpointSlices.update(slice('10.244.1.7', '3'));
    await pollUntil(() => runner.scripts.length === 3, { intervalMs: 5, timeoutMs: 5000 });
    await proxier.idle();
    assert.match(runner.scripts[2] ?? '', /delete table ip kube-proxy/);
    assert.match(runner.scripts[2] ?? '', /dnat to 10\.244\.1\.7:8080/);

    // The periodic check finds the table damaged (`nft flush ruleset`): recreated.
    runner.intact = false;
    clock.step(30_000);
    await pollUntil(() => runner.scripts.length === 4, { intervalMs: 5, timeoutMs: 5000 });
    await proxier.idle();
    assert.match(runner.scripts[3] ?? '', /delete table ip kube-proxy/);
    // Intact and unchanged: the periodic sync writes nothing.
    runner.intact = true;
    clock.step(30_000);
    await new Promise((r) => setTimeout(r, 50));
    await proxier.idle();
    assert.equal(runner.scripts.length, 4);
  } finally {
    ac.abort();
    proxier.stop();
  }
});
