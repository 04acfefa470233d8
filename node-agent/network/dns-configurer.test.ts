import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../shared/api/core-v1.ts';
import { DnsConfigurer, formatResolvConf, getPodDNSType, mergeDNSOptions, parseResolvConf, type DnsEventSink } from './dns-configurer.ts';

const HOST = '# generated\nnameserver 10.255.255.53\nnameserver 10.255.255.54\nsearch corp.example. lab.example\noptions timeout:2 attempts:3\n';

function pod(spec: Partial<Pod['spec']> = {}, ns = 'team'): Pod {
  return { metadata: { name: 'web-0', namespace: ns, uid: 'u1' }, spec: { containers: [], ...spec } };
}

function recorder(): DnsEventSink & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    podEvent: (p, type, reason, message) => events.push(`pod ${p.metadata.name} ${type} ${reason} ${message}`),
    nodeEvent: (type, reason, message) => events.push(`node ${type} ${reason} ${message}`),
  };
}

const configurer = (o: { clusterDNS?: string[]; resolvConf?: string; host?: string; events?: DnsEventSink } = {}) =>
  new DnsConfigurer({ clusterDNS: o.clusterDNS ?? ['10.213.1.11'], resolvConf: o.resolvConf ?? '/etc/resolv.conf', readFile: () => o.host ?? HOST, nodeIPs: ['10.213.1.11'], ...(o.events ? { events: o.events } : {}) });

test('parseResolvConf: nameservers accumulate, the last search and options lines win, trailing dots dropped', () => {
  assert.deepEqual(parseResolvConf(HOST + 'search a.example\n'), { nameservers: ['10.255.255.53', '10.255.255.54'], searches: ['a.example'], options: ['timeout:2', 'attempts:3'] });
  assert.deepEqual(parseResolvConf(''), { nameservers: [], searches: [], options: [] });
});

test('getPodDNSType as kubelet: host-network ClusterFirst falls back to Default', () => {
  assert.equal(getPodDNSType(pod()), 'cluster');
  assert.equal(getPodDNSType(pod({ dnsPolicy: 'ClusterFirst' })), 'cluster');
  assert.equal(getPodDNSType(pod({ dnsPolicy: 'ClusterFirst', hostNetwork: true })), 'host');
  assert.equal(getPodDNSType(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true })), 'cluster');
  assert.equal(getPodDNSType(pod({ dnsPolicy: 'ClusterFirstWithHostNet' })), 'cluster');
  assert.equal(getPodDNSType(pod({ dnsPolicy: 'Default' })), 'host');
  assert.equal(getPodDNSType(pod({ dnsPolicy: 'None' })), 'none');
});

test('ClusterFirst: the cluster DNS only, search <ns>.svc.<domain> svc.<domain> <domain> + host searches, ndots:5', () => {
  const c = configurer().getPodDNS(pod());
  assert.deepEqual(c, { servers: ['10.213.1.11'], searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'], options: ['ndots:5'] });
  assert.equal(formatResolvConf(c), 'search team.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.213.1.11\noptions ndots:5\n');
  // ClusterFirstWithHostNet on the host network: the same.
  assert.deepEqual(configurer().getPodDNS(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' })).servers, ['10.213.1.11']);
});

test('Default and host-network ClusterFirst pods get the host resolv.conf; --resolv-conf "" gives 127.0.0.1 and search "."', () => {
  assert.deepEqual(configurer().getPodDNS(pod({ dnsPolicy: 'Default' })), { servers: ['10.255.255.53', '10.255.255.54'], searches: ['corp.example', 'lab.example'], options: ['timeout:2', 'attempts:3'] });
  assert.deepEqual(configurer().getPodDNS(pod({ hostNetwork: true })).servers, ['10.255.255.53', '10.255.255.54']);
  assert.deepEqual(configurer({ resolvConf: '' }).getPodDNS(pod({ dnsPolicy: 'Default' })), { servers: ['127.0.0.1'], searches: ['.'], options: [] });
});

test('ClusterFirst without --cluster-dns: MissingClusterDNS events (node and pod, kubelet\'s words) and Default', () => {
  const events = recorder();
  const c = configurer({ clusterDNS: [], events }).getPodDNS(pod());
  assert.deepEqual(c.servers, ['10.255.255.53', '10.255.255.54']);
  const msg = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
  assert.deepEqual(events.events, [`node Warning MissingClusterDNS ${msg}`, `pod web-0 Warning MissingClusterDNS pod: "web-0_team(u1)". ${msg}`]);
});

test('None: only the pod dnsConfig', () => {
  const c = configurer().getPodDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['x.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }));
  assert.deepEqual(c, { servers: ['1.1.1.1'], searches: ['x.example'], options: ['ndots:2', 'edns0'] });
  assert.deepEqual(configurer().getPodDNS(pod({ dnsPolicy: 'None' })), { servers: [], searches: [], options: [] });
});

test('dnsConfig is appended to ClusterFirst: duplicates dropped, options merged by name (the pod wins)', () => {
  const c = configurer().getPodDNS(pod({ dnsConfig: { nameservers: ['10.213.1.11', '8.8.8.8'], searches: ['svc.cluster.local', 'my.example'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request-reopen' }] } }));
  assert.deepEqual(c.servers, ['10.213.1.11', '8.8.8.8']);
  assert.deepEqual(c.searches, ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'my.example']);
  assert.deepEqual(c.options, ['ndots:2', 'single-request-reopen']);
  assert.deepEqual(mergeDNSOptions(['ndots:5', 'debug'], [{ name: 'debug', value: '1' }, { name: 'timeout', value: '3' }]), ['ndots:5', 'debug:1', 'timeout:3']);
});

test('limits: 3 nameservers, 32 searches, search paths over 253 chars dropped, 2048 chars in all; DNSConfigForming events', () => {
  const events = recorder();
  const c = configurer({ events }).getPodDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] } }));
  assert.deepEqual(c.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  assert.deepEqual(events.events, ['pod web-0 Warning DNSConfigForming Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3']);
  const many = Array.from({ length: 40 }, (_, i) => `s${i}.example`);
  assert.equal(configurer().getPodDNS(pod({ dnsPolicy: 'None', dnsConfig: { searches: many } })).searches?.length, 32);
  const long = 'a'.repeat(254);
  assert.deepEqual(configurer().getPodDNS(pod({ dnsPolicy: 'None', dnsConfig: { searches: ['ok.example', long] } })).searches, ['ok.example']);
  const wide = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'b'.repeat(150)}`);
  const fitted = configurer().getPodDNS(pod({ dnsPolicy: 'None', dnsConfig: { searches: wide } })).searches ?? [];
  assert.ok(fitted.join(' ').length <= 2048);
  assert.equal(fitted.length, 13);
});

test('an unreadable resolv.conf is an error (the sandbox is not created)', () => {
  const c = new DnsConfigurer({ clusterDNS: ['10.0.0.10'], readFile: () => { throw new Error('ENOENT: no such file'); } });
  assert.throws(() => c.getPodDNS(pod()), /ENOENT/);
});
