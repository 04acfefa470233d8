/**
 * nodes/proxy to a node agent over TLS, as on `kubelab up` (--kubelet-client-certificate/-key,
 * --kubelet-certificate-authority): the agent's certificate verified against the CA and the address dialled,
 * the API server authenticated by its client certificate and authorized by the agent as `nodes/proxy`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { securedAgent, startProxyTestEnv, type CertPair, type ProxyTestEnv } from '../pod/proxy-test-env.ts';

describe('nodes/proxy to a node agent over TLS', () => {
  let env: ProxyTestEnv;
  let caPem: string;
  let otherCaPem: string;
  let apiClient: CertPair;
  const seen: string[] = [];

  before(async () => {
    const sec = await securedAgent(seen);
    caPem = sec.caPem;
    otherCaPem = sec.otherCaPem;
    apiClient = sec.client;
    env = await startProxyTestEnv({ nodeTLS: sec.tls, nodeAuth: sec.auth });
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
