import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managedHostsFileContent, mountsEtcHosts, nodeHostsFileContent } from './etc-hosts.ts';

const LOCAL = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

test('managed hosts file as kubelet writes it (upstream TestManagedHostsFileContent cases)', () => {
  assert.equal(managedHostsFileContent(['123.45.67.89'], 'podFoo', '', []), `${LOCAL}123.45.67.89\tpodFoo\n`);
  assert.equal(managedHostsFileContent(['203.0.113.1'], 'podFoo', 'domainFoo', []), `${LOCAL}203.0.113.1\tpodFoo.domainFoo\tpodFoo\n`);
  assert.equal(
    managedHostsFileContent(['203.0.113.1'], 'podFoo', 'domainFoo', [{ ip: '123.45.67.89', hostnames: ['foo', 'bar', 'baz'] }, { ip: '456.78.90.123', hostnames: ['park', 'doo', 'boo'] }]),
    `${LOCAL}203.0.113.1\tpodFoo.domainFoo\tpodFoo\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\tbaz\n456.78.90.123\tpark\tdoo\tboo\n`,
  );
  assert.equal(managedHostsFileContent(['203.0.113.1', 'fd00::6'], 'podFoo', 'domainFoo', []), `${LOCAL}203.0.113.1\tpodFoo.domainFoo\tpodFoo\nfd00::6\tpodFoo.domainFoo\tpodFoo\n`);
});

test('host-network pods: the node hosts file with a header and the aliases', () => {
  assert.equal(nodeHostsFileContent('127.0.0.1\tlocalhost\n', [{ ip: '10.0.0.9', hostnames: ['db'] }]), '# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n\n# Entries added by HostAliases.\n10.0.0.9\tdb\n');
});

test('mounted once the pod has an IP, never over a container mount at /etc/hosts', () => {
  assert.equal(mountsEtcHosts({ name: 'c', image: 'i' }, ['10.0.0.1']), true);
  assert.equal(mountsEtcHosts({ name: 'c', image: 'i' }, []), false);
  assert.equal(mountsEtcHosts({ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/etc/hosts' }] }, ['10.0.0.1']), false);
});
