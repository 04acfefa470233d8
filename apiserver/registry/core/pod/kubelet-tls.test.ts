/**
 * API server -> node agent over TLS (--kubelet-client-certificate/-key, --kubelet-certificate-authority):
 * the agent's serving certificate is verified against the CA and the address dialled, the API server
 * authenticates with its client certificate, and there is no fallback to plain HTTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { securedAgent, startProxyTestEnv, type CertPair, type ProxyTestEnv } from './proxy-test-env.ts';

describe('pods/log to a node agent over TLS', () => {
  let env: ProxyTestEnv;
  let caPem: string;
  let apiClient: CertPair;
  let otherCaPem: string;
  let serving: CertPair;
  let elsewhere: CertPair;
  const seen: string[] = [];

  before(async () => {
    const sec = await securedAgent(seen);
    caPem = sec.caPem;
    otherCaPem = sec.otherCaPem;
    serving = sec.serving;
    elsewhere = await sec.issue('system:node:n2', ['system:nodes'], 'server auth', ['127.0.0.2']);
    apiClient = sec.client;
    env = await startProxyTestEnv({ nodeTLS: sec.tls, nodeAuth: sec.auth });
  });
  after(async () => {
    await env.close();
  });

  test('with the kubelet client flags: HTTPS, the API server authenticated by its certificate', async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'one\ntwo\n');
    assert.deepEqual(seen, ['kube-apiserver-kubelet-client get nodes/proxy n1']);
  });

  test('exec over wss: the agent authorizes the API server with verb create; the session runs', async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    seen.length = 0;
    const frames = await new Promise<Buffer[]>((resolve, reject) => {
      const c = new WebSocket(`${env.server.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/web/exec?command=echo&command=hi&container=app&stdout=true`, ['v5.channel.k8s.io']);
      const out: Buffer[] = [];
      c.on('message', (d: Buffer) => out.push(d));
      c.on('close', () => resolve(out));
      c.on('error', reject);
    });
    assert.equal(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1).toString()).join(''), 'hi\n');
    assert.deepEqual(JSON.parse(frames.filter((f) => f[0] === 3).map((f) => f.subarray(1).toString()).join('')), { metadata: {}, status: 'Success' });
    assert.deepEqual(seen, ['kube-apiserver-kubelet-client create nodes/proxy n1']);
  });

  test("an agent certificate the CA did not sign is refused, with no fallback to HTTP", async () => {
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(otherCaPem) };
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.equal(r.status, 500);
    assert.match(r.json.message, /^Get "https:\/\/127\.0\.0\.1:\d+\/containerLogs\/default\/web\/app": .*(certificate|self-signed|verify)/i);
  });

  test('a serving certificate that does not name the address dialled is refused', async () => {
    // The agent at 127.0.0.1 presents a certificate the CA signed for another address (another node's, say).
    env.server.registry.kubeletTLS = { cert: apiClient.cert, key: apiClient.key, ca: Buffer.from(caPem) };
    env.node.updateTLS({ cert: elsewhere.cert, key: elsewhere.key });
    try {
      const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
      assert.equal(r.status, 500);
      assert.match(r.json.message, /IP: 127\.0\.0\.1 is not in the cert's list/);
    } finally {
      env.node.updateTLS({ cert: serving.cert, key: serving.key });
    }
  });

  test('without a client certificate the agent answers 401, passed on as a Status', async () => {
    env.server.registry.kubeletTLS = { ca: Buffer.from(caPem) };
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.equal(r.status, 401);
    // GenericHttpResponseChecker: kubectl prints "You must be logged in to the server (the server has asked ...)"
    assert.equal(r.json.message, 'the server has asked for the client to provide credentials ( pods/log web)');
    assert.deepEqual(r.json.details, { kind: 'pods/log', name: 'web' });
  });

  test('without the kubelet flags the API server speaks plain HTTP, which an HTTPS agent does not answer', async () => {
    env.server.registry.kubeletTLS = undefined;
    const r = await env.api('GET', '/api/v1/namespaces/default/pods/web/log?container=app');
    assert.notEqual(r.status, 200);
  });
});
