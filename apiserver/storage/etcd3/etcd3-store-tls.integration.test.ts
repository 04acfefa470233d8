/**
 * Etcd3Store over mutual TLS (kube-apiserver's --etcd-cafile/--etcd-certfile/--etcd-keyfile against an etcd run
 * with --client-cert-auth): the storage conformance suite passes over it, a 3-member cluster with peer TLS
 * serves it, and clients without a certificate, with a certificate from another CA, or speaking plain HTTP are
 * refused. The API server's flags reach the store (`kubelab apiserver --etcd-servers https://...`).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ensureEtcdPKI } from '../../../deploy/cluster/pki.ts';
import { startEtcd, startEtcdCluster, type EtcdHandle } from '../../../test/integration/framework/etcd.ts';
import { runStorageConformance, testObject } from '../testing/store-tests.ts';
import { Etcd3Store } from './etcd3-store.ts';

let etcd: EtcdHandle | undefined;
before(async () => {
  etcd = await startEtcd({ tls: true });
});
after(async () => {
  await etcd?.stop();
});

const tlsOf = () => {
  assert.ok(etcd?.tls, 'etcd started with TLS');
  return etcd.tls;
};
const newStore = (prefix = `/${randomUUID()}/registry`): Etcd3Store =>
  new Etcd3Store({ endpoints: [etcd!.endpoint], prefix, tls: { ca: tlsOf().ca, cert: tlsOf().cert, key: tlsOf().key }, requestTimeoutMs: 5000 });

runStorageConformance({
  name: 'etcd3 over mutual TLS',
  newStorage: async () => newStore(),
  reopen: async (s) => {
    assert.ok(s instanceof Etcd3Store);
    await s.close();
    return newStore(s.prefix);
  },
});

/** etcd's HTTP gateway with the given TLS client settings: the status code, or the connection error's text. */
function gatewayGet(url: string, opts: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest(`${url}/v3/kv/range`, { method: 'POST', ...opts, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(`status ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? ''} ${e.message}`));
    req.end('{"key":"AA=="}');
  });
}

describe('etcd mutual TLS', () => {
  test('etcd serves https only and its files are private', () => {
    const t = tlsOf();
    assert.match(etcd!.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    for (const key of [t.pki.caKey, t.pki.serverKey, t.pki.peerKey, t.pki.apiserverClientKey]) {
      assert.equal(statSync(key).mode & 0o777, 0o600, key);
    }
  });

  test('a client without a certificate, with one from another CA, or over plain http is refused', async () => {
    const t = tlsOf();
    // The right CA and client pair: answered.
    assert.equal(await gatewayGet(etcd!.endpoint, { ca: t.ca, cert: t.cert, key: t.key }), 'status 200');
    // No client certificate: the handshake is refused (etcd's --client-cert-auth).
    const noCert = await gatewayGet(etcd!.endpoint, { ca: t.ca });
    assert.match(noCert, /^error /, noCert);
    // A certificate from a CA etcd does not trust.
    const otherDir = mkdtempSync(join(tmpdir(), 'kubelab-other-ca-'));
    try {
      const other = ensureEtcdPKI(otherDir, { ips: ['127.0.0.1'], dns: ['localhost'] });
      const foreign = await gatewayGet(etcd!.endpoint, { ca: t.ca, cert: readFileSync(other.apiserverClientCert), key: readFileSync(other.apiserverClientKey) });
      assert.match(foreign, /^error /, foreign);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
    // Plain http to the TLS port gets nothing it can use.
    const plain = await fetch(etcd!.endpoint.replace('https:', 'http:') + '/health', { signal: AbortSignal.timeout(3000) }).then(
      (r) => `status ${r.status}`,
      (e: Error) => `error ${e.message}`,
    );
    assert.notEqual(plain, 'status 200', plain);
  });

  test('the store without a client certificate fails its requests (503-class Unavailable), with one it works', async () => {
    const t = tlsOf();
    const bare = new Etcd3Store({ endpoints: [etcd!.endpoint], prefix: `/${randomUUID()}`, tls: { ca: t.ca }, requestTimeoutMs: 3000 });
    try {
      await assert.rejects(bare.create('/pods/ns/a', testObject('a')), (e: Error & { code?: string }) => e.code === 'Unavailable');
    } finally {
      await bare.close();
    }
    const good = newStore();
    try {
      const created = await good.create('/pods/ns/a', testObject('a'));
      assert.deepEqual(await good.get('/pods/ns/a'), created);
    } finally {
      await good.close();
    }
  });

  test('a 3-member cluster with peer TLS elects a leader and serves the store', async () => {
    const cluster = await startEtcdCluster(3, { tls: true });
    try {
      assert.ok(cluster.tls);
      await cluster.leader();
      const s = new Etcd3Store({ endpoints: cluster.endpoints, prefix: '/three', tls: { ca: cluster.tls.ca, cert: cluster.tls.cert, key: cluster.tls.key } });
      try {
        const created = await s.create('/pods/ns/x', testObject('x'));
        assert.equal((await s.get('/pods/ns/x')).metadata.uid, created.metadata.uid);
      } finally {
        await s.close();
      }
    } finally {
      await cluster.stop();
    }
  });

  test('kubelab apiserver --etcd-cafile/--etcd-certfile/--etcd-keyfile serves from etcd over mutual TLS', async () => {
    const t = tlsOf();
    const fromSource = import.meta.url.endsWith('.ts');
    const cli = fileURLToPath(new URL(`../../../cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const child = spawn(process.execPath, [
      cli, 'apiserver', '--listen', `127.0.0.1:${port}`, '--log-level', 'error',
      '--etcd-servers', etcd!.endpoint, '--etcd-prefix', `/${randomUUID()}`,
      '--etcd-cafile', t.pki.caCert, '--etcd-certfile', t.pki.apiserverClientCert, '--etcd-keyfile', t.pki.apiserverClientKey,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await fetch(`${url}/readyz`).catch(() => undefined);
        if (r?.status === 200) break;
        assert.ok(Date.now() < deadline && child.exitCode === null, `the apiserver did not get ready: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const created = await fetch(`${url}/api/v1/namespaces/default/pods`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'over-mtls' }, spec: { containers: [{ name: 'c', image: 'x' }] } }),
      });
      assert.equal(created.status, 201, await created.text());
    } finally {
      child.kill('SIGKILL');
    }
  });
});
