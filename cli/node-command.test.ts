import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from './flags.ts';
import { nodeConfigFromFlags, nodeSpecs } from './node-command.ts';
import { clientOptionsFrom, runNodeAgent } from '../node-agent/main.ts';
import { silentLogger } from '../shared/util/log.ts';

const cfgOf = (args: string[]) => nodeConfigFromFlags(parseFlags(args, nodeSpecs).values);

test('no credential on the command line: --token is gone, --token-file takes its place', () => {
  assert.throws(() => parseFlags(['--server', 'https://h:6443', '--token', 'abc'], nodeSpecs), /token/);
  const cfg = cfgOf(['--server', 'https://h:6443', '--token-file', '/etc/kubelab/token', '--name', 'n1']);
  assert.equal(cfg.tokenFile, '/etc/kubelab/token');
  assert.equal(Object.hasOwn(cfg, 'token'), false);
});

test('--token-file is read by the client (re-read as it rotates); an empty one is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-nodecmd-'));
  try {
    const f = join(dir, 'token');
    writeFileSync(f, 'secret-token\n', { mode: 0o600 });
    const o = clientOptionsFrom({ server: 'https://h:6443', tokenFile: f });
    assert.equal(o.tokenFile, f);
    assert.equal(o.token, undefined);
    writeFileSync(join(dir, 'empty'), '', { mode: 0o600 });
    assert.throws(() => clientOptionsFrom({ server: 'https://h:6443', tokenFile: join(dir, 'empty') }), /is empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS bootstrap flags: --bootstrap-kubeconfig needs --kubeconfig; cert dir, rotation, client CA, fixed serving pair', () => {
  const cfg = cfgOf(['--bootstrap-kubeconfig', '/b', '--kubeconfig', '/k', '--cert-dir', '/pki', '--client-ca-file', '/ca.crt', '--name', 'n1']);
  assert.equal(cfg.bootstrapKubeconfig, '/b');
  assert.equal(cfg.kubeconfig, '/k');
  assert.equal(cfg.certDir, '/pki');
  assert.equal(cfg.clientCAFile, '/ca.crt');
  assert.equal(cfg.rotateCertificates, undefined, 'on by default');
  assert.equal(cfgOf(['--bootstrap-kubeconfig', '/b', '--kubeconfig', '/k', '--rotate-certificates=false']).rotateCertificates, false);
  assert.throws(() => cfgOf(['--bootstrap-kubeconfig', '/b']), /needs --kubeconfig/);
  assert.throws(() => cfgOf(['--bootstrap-kubeconfig', '/b', '--kubeconfig', '/k', '--server', 'https://h']), /exclusive/);
  assert.throws(() => cfgOf(['--tls-cert-file', '/c']), /go together/);
  const fixed = cfgOf(['--tls-cert-file', '/c', '--tls-private-key-file', '/k', '--kubeconfig', '/kc']);
  assert.deepEqual([fixed.tlsCertFile, fixed.tlsPrivateKeyFile], ['/c', '/k']);
});

test('an agent without a serving certificate serves plain HTTP on loopback only', async () => {
  assert.equal(cfgOf(['--name', 'n1']).address, undefined, 'the default depends on TLS: 0.0.0.0 with it, 127.0.0.1 without');
  await assert.rejects(
    runNodeAgent({ server: 'http://127.0.0.1:1', nodeName: 'n1', runtime: 'sim', rootDir: '/tmp/kubelab-none', address: '0.0.0.0', log: silentLogger() }),
    /refusing to serve the node agent API on 0\.0\.0\.0 without TLS and authentication/,
  );
});

test('--cluster-dns, --cluster-domain and --resolv-conf reach the agent; --cluster-dns takes IPs only', () => {
  const cfg = cfgOf(['--server', 'https://127.0.0.1:6443', '--cluster-dns', '10.213.1.11, 10.213.1.12', '--cluster-domain', 'lab.local.', '--resolv-conf', '']);
  assert.deepEqual(cfg.agent?.clusterDNS, ['10.213.1.11', '10.213.1.12']);
  assert.equal(cfg.agent?.clusterDomain, 'lab.local');
  assert.equal(cfg.agent?.resolvConf, '');
  const d = cfgOf(['--server', 'https://127.0.0.1:6443']);
  assert.deepEqual([d.agent?.clusterDNS, d.agent?.clusterDomain, d.agent?.resolvConf], [[], 'cluster.local', '/etc/resolv.conf']);
  assert.throws(() => cfgOf(['--server', 'https://127.0.0.1:6443', '--cluster-dns', 'dns.example']), /--cluster-dns must list IP addresses/);
});

test('pod network flags: --cni-conf-dir turns the CNI config on (defaults kubelab / kubelab0 / <root-dir>/ipam); --pod-routes with --cluster-cidr', () => {
  const off = cfgOf(['--name', 'n1']);
  assert.equal(off.cniConfDir, undefined, 'without --cni-conf-dir someone else owns the CNI config');
  assert.equal(off.podRoutes, undefined);
  const on = cfgOf(['--name', 'n1', '--cni-conf-dir', '/etc/cni/net.d', '--pod-routes', '--cluster-cidr', '10.244.0.0/16']);
  assert.deepEqual(
    { dir: on.cniConfDir, ipam: on.cniIpamDir, name: on.cniNetworkName, bridge: on.cniBridge, routes: on.podRoutes, cidr: on.clusterCidr },
    { dir: '/etc/cni/net.d', ipam: undefined, name: 'kubelab', bridge: 'kubelab0', routes: true, cidr: '10.244.0.0/16' },
  );
  const custom = cfgOf(['--name', 'n1', '--cni-conf-dir', '/c', '--cni-ipam-dir', '/i', '--cni-network-name', 'lab-n1', '--cni-bridge', 'br-pods']);
  assert.deepEqual([custom.cniIpamDir, custom.cniNetworkName, custom.cniBridge], ['/i', 'lab-n1', 'br-pods']);
  assert.throws(() => cfgOf(['--name', 'n1', '--cni-conf-dir', '/c', '--cni-bridge', 'a-bridge-name-too-long']), /--cni-bridge/);
  assert.throws(() => cfgOf(['--name', 'n1', '--cni-conf-dir', '/c', '--cni-network-name', 'no/slash']), /--cni-network-name/);
  assert.throws(() => cfgOf(['--name', 'n1', '--pod-routes', '--cluster-cidr', 'bogus']), /--cluster-cidr must be an IPv4 CIDR/);
});
