/**
 * nodes/proxy to a node agent over TLS, as on `kubelab up` (--kubelet-client-certificate/-key,
 * --kubelet-certificate-authority): the agent's certificate verified against the CA and the address dialled,
 * the API server authenticated by its client certificate and authorized by the agent as `nodes/proxy`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CertificateAuthority } from '../../../../controller/certificates/authority/certificate-authority.ts';
import { NodeAuth } from '../../../../node-agent/server/node-auth.ts';
import { createCertificateRequest, parseCertificateRequest } from '../../../../shared/pki/certificate-request.ts';
import { generateEcPrivateKey } from '../../../../shared/pki/keys.ts';
import { createSelfSignedCertificate } from '../../../../shared/pki/self-signed.ts';
import { silentLogger } from '../../../../shared/util/log.ts';
import { startProxyTestEnv, type ProxyTestEnv } from '../pod/proxy-test-env.ts';

async function issue(ca: CertificateAuthority, cn: string, usage: 'client auth' | 'server auth', ips: string[] = []): Promise<{ cert: Buffer; key: Buffer }> {
  const key = generateEcPrivateKey().pem;
  const req = parseCertificateRequest(await createCertificateRequest({ commonName: cn, organizations: [] }, key, { ipAddresses: ips }));
  const cert = await ca.sign(req, { ttlMs: 3600_000, usages: ['digital signature', usage] });
  return { cert: Buffer.from(cert), key: Buffer.from(key) };
}

describe('nodes/proxy to a node agent over TLS', () => {
  let env: ProxyTestEnv;
  let caPem: string;
  let otherCaPem: string;
  let apiClient: { cert: Buffer; key: Buffer };
  const seen: string[] = [];

  before(async () => {
    const caPair = await createSelfSignedCertificate({ commonName: 'kubelab-ca', isCA: true });
    caPem = caPair.certPem;
    otherCaPem = (await createSelfSignedCertificate({ commonName: 'other-ca', isCA: true })).certPem;
    const ca = await CertificateAuthority.fromPem(caPair.certPem, caPair.keyPem);
    const serving = await issue(ca, 'system:node:n1', 'server auth', ['127.0.0.1']);
    apiClient = await issue(ca, 'kube-apiserver-kubelet-client', 'client auth');
    const auth = new NodeAuth({
      nodeName: 'n1',
      accessReviewer: {
        async allowed(user, node, attrs) {
          seen.push(`${user.name} ${attrs.verb} nodes/${attrs.subresource} ${node}`);
          return user.name === 'kube-apiserver-kubelet-client';
        },
      },
      log: silentLogger(),
    });
    env = await startProxyTestEnv({ nodeTLS: { cert: serving.cert, key: serving.key, clientCA: caPem }, nodeAuth: auth });
  });
  after(async () => {
    await env.close();
  });

  test('the path goes to the agent over HTTPS with the client certificate, authorized as nodes/proxy', async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    const health = await env.api('GET', '/api/v1/nodes/n1/proxy/healthz');
    assert.deepEqual([health.status, health.text], [200, 'ok']);
    seen.length = 0;
    const logs = await env.api('GET', '/api/v1/nodes/n1/proxy/containerLogs/default/web/app');
    assert.deepEqual([logs.status, logs.text], [200, 'one\ntwo\n']);
    assert.deepEqual(seen, ['kube-apiserver-kubelet-client get nodes/proxy n1']);
    // The id may name the agent's own port: same endpoint, same transport.
    const port = env.node.port;
    const byPort = await env.api('GET', `/api/v1/nodes/n1:${port}/proxy/healthz`);
    assert.deepEqual([byPort.status, byPort.text], [200, 'ok']);
  });

  test('an agent whose certificate the configured CA did not sign is not reached', async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(otherCaPem) };
    const r = await env.api('GET', '/api/v1/nodes/n1/proxy/healthz');
    assert.equal(r.status, 503);
    assert.match(r.json.message, /^error trying to reach service: /);
  });

  test('another port of the node goes through the plain proxy transport, to proxyable addresses only', async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    const r = await env.api('GET', '/api/v1/nodes/n1:1/proxy/');
    assert.deepEqual([r.status, r.json.message], [400, 'address not allowed']);
    const bad = await env.api('GET', '/api/v1/nodes/ftp:n1:1/proxy/');
    assert.deepEqual([bad.status, bad.json.message], [400, 'invalid node request "ftp:n1:1"']);
  });
});
