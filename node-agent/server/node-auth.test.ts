import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import type { UserInfo } from '../../apiserver/authentication/user-info.ts';
import { createSelfSignedCertificate } from '../../shared/pki/self-signed.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { AgentServer } from './agent-server.ts';
import { NodeAuth, nodeRequestAttributes, type NodeAccessReviewer, type NodeRequestAttributes, type TokenReviewer } from './node-auth.ts';

test('request attributes follow kubelet: verb from the method, subresource from the path (fine-grained first, proxy fallback)', () => {
  const at = (m: string, p: string) => nodeRequestAttributes(m, p).map((a) => `${a.verb} ${a.subresource}`);
  assert.deepEqual(at('GET', '/stats/summary'), ['get stats']);
  assert.deepEqual(at('GET', '/metrics/cadvisor'), ['get metrics']);
  assert.deepEqual(at('GET', '/metrics'), ['get metrics']);
  assert.deepEqual(at('GET', '/logs/syslog'), ['get log']);
  assert.deepEqual(at('POST', '/checkpoint/ns/p/c'), ['create checkpoint']);
  assert.deepEqual(at('GET', '/pods'), ['get pods', 'get proxy']);
  assert.deepEqual(at('GET', '/runningpods/'), ['get pods', 'get proxy']);
  assert.deepEqual(at('GET', '/configz'), ['get configz', 'get proxy']);
  assert.deepEqual(at('GET', '/spec/'), ['get proxy']);
  assert.deepEqual(at('GET', '/containerLogs/default/web/app?follow=true'), ['get proxy']);
  assert.deepEqual(at('PUT', '/foo'), ['update proxy']);
  assert.deepEqual(at('PATCH', '/foo'), ['patch proxy']);
  assert.deepEqual(at('DELETE', '/foo'), ['delete proxy']);
  assert.deepEqual(at('GET', '/statsx'), ['get proxy'], 'a sibling path is not a subpath');
  // kubelab: streaming endpoints need create whatever the method (a WebSocket upgrade is a GET).
  assert.deepEqual(at('GET', '/exec/default/web/app?command=id'), ['create proxy']);
  assert.deepEqual(at('POST', '/exec/default/web/app'), ['create proxy']);
  assert.deepEqual(at('GET', '/attach/default/web/app'), ['create proxy']);
  assert.deepEqual(at('GET', '/portForward/default/web'), ['create proxy']);
  assert.deepEqual(at('GET', '/run/default/web/app'), ['create proxy']);
});

interface Harness {
  auth: NodeAuth;
  clock: FakeClock;
  tokenCalls: string[];
  sarCalls: string[];
}

function harness(tokens: Record<string, UserInfo>, allow: (u: UserInfo, a: NodeRequestAttributes) => boolean, noTokens = false): Harness {
  const clock = new FakeClock(0);
  const tokenCalls: string[] = [];
  const sarCalls: string[] = [];
  const tokenReviewer: TokenReviewer = {
    async review(token) {
      tokenCalls.push(token);
      return tokens[token] ?? null;
    },
  };
  const accessReviewer: NodeAccessReviewer = {
    async allowed(user, nodeName, attrs) {
      sarCalls.push(`${user.name} ${attrs.verb} nodes/${attrs.subresource} ${nodeName}`);
      return allow(user, attrs);
    },
  };
  const auth = new NodeAuth({ nodeName: 'n1', accessReviewer, ...(noTokens ? {} : { tokenReviewer }), clock, log: silentLogger() });
  return { auth, clock, tokenCalls, sarCalls };
}

/** A minimal IncomingMessage for check(): method, url, headers, a non-TLS socket. */
function req(method: string, url: string, token?: string) {
  return { method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, socket: {} } as never;
}

const alice: UserInfo = { name: 'alice', groups: ['devs', 'system:authenticated'] };

test('no credential or an invalid token: 401 Unauthorized; token answers are cached for 2 minutes', async () => {
  const h = harness({ good: alice }, () => true);
  assert.deepEqual(await h.auth.check(req('GET', '/pods')), { ok: false, code: 401, message: 'Unauthorized' });
  assert.deepEqual(await h.auth.check(req('GET', '/pods', 'bad')), { ok: false, code: 401, message: 'Unauthorized' });
  assert.deepEqual(await h.auth.check(req('GET', '/pods', 'bad')), { ok: false, code: 401, message: 'Unauthorized' });
  const ok = await h.auth.check(req('GET', '/pods', 'good'));
  assert.equal(ok.ok, true);
  await h.auth.check(req('GET', '/pods', 'good'));
  assert.deepEqual(h.tokenCalls, ['bad', 'good'], 'one TokenReview per token within the TTL');
  h.clock.step(120_001);
  await h.auth.check(req('GET', '/pods', 'good'));
  assert.deepEqual(h.tokenCalls, ['bad', 'good', 'good'], 'reviewed again after 2 min');
  assert.deepEqual(h.sarCalls, ['alice get nodes/pods n1'], 'allowed decisions are cached too');
});

test('without a token reviewer, bearer tokens are not accepted', async () => {
  const h = harness({ good: alice }, () => true, true);
  assert.equal((await h.auth.check(req('GET', '/pods', 'good'))).ok, false);
});

test('forbidden: kubelet wording, every subresource tried; denials cached 30 s, allows 5 min', async () => {
  let allowProxy = false;
  const h = harness({ good: alice }, (_u, a) => a.subresource === 'proxy' && allowProxy);
  assert.deepEqual(await h.auth.check(req('GET', '/pods', 'good')), {
    ok: false,
    code: 403,
    message: 'Forbidden (user=alice, verb=get, resource=nodes, subresource(s)=[pods proxy])',
  });
  assert.deepEqual(h.sarCalls, ['alice get nodes/pods n1', 'alice get nodes/proxy n1']);
  assert.deepEqual(await h.auth.check(req('GET', '/exec/default/web/app?command=id', 'good')), {
    ok: false,
    code: 403,
    message: 'Forbidden (user=alice, verb=create, resource=nodes, subresource(s)=[proxy])',
  });
  allowProxy = true;
  assert.equal((await h.auth.check(req('GET', '/pods', 'good'))).ok, false, 'the denial is still cached');
  h.clock.step(30_001);
  assert.equal((await h.auth.check(req('GET', '/pods', 'good'))).ok, true, 'fallback to proxy allowed');
  allowProxy = false;
  h.clock.step(299_000);
  assert.equal((await h.auth.check(req('GET', '/pods', 'good'))).ok, true, 'the allow is cached for 5 min');
});

test('an error asking the API server is a 500 for authorization and a 401 for authentication', async () => {
  const clock = new FakeClock(0);
  const auth = new NodeAuth({
    nodeName: 'n1',
    tokenReviewer: { review: async (t) => (t === 'good' ? alice : Promise.reject(new Error('boom'))) },
    accessReviewer: { allowed: async () => Promise.reject(new Error('down')) },
    clock,
    log: silentLogger(),
  });
  assert.deepEqual(await auth.check(req('GET', '/pods', 'other')), { ok: false, code: 401, message: 'Unauthorized' });
  assert.deepEqual(await auth.check(req('GET', '/stats/summary', 'good')), { ok: false, code: 500, message: 'Authorization error (user=alice, verb=get, resource=nodes, subresource=stats)' });
});

function get(port: number, path: string, options: https.RequestOptions): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = https.request({ host: '127.0.0.1', port, path, method: 'GET', ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    r.on('error', reject);
    r.end();
  });
}

test('over HTTPS: a client certificate from the client CA authenticates (CN user, O groups); anonymous is 401; /healthz is open', async () => {
  const serving = await createSelfSignedCertificate({ commonName: 'n1', ipAddresses: ['127.0.0.1'] });
  const client = await createSelfSignedCertificate({ commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'], extKeyUsage: 'client' });
  const stranger = await createSelfSignedCertificate({ commonName: 'mallory', extKeyUsage: 'client' });
  const seen: string[] = [];
  const auth = new NodeAuth({
    nodeName: 'n1',
    accessReviewer: {
      async allowed(user, _n, attrs) {
        seen.push(`${user.name} [${user.groups.join(',')}] ${attrs.verb} ${attrs.subresource}`);
        return user.name === 'kube-apiserver-kubelet-client';
      },
    },
    log: silentLogger(),
  });
  const server = new AgentServer({ host: '127.0.0.1', port: 0, pods: () => [], tls: { cert: serving.certPem, key: serving.keyPem, clientCA: client.certPem }, auth });
  const port = await server.listen();
  try {
    assert.equal(server.secure, true);
    const ca = serving.certPem;
    assert.deepEqual(await get(port, '/healthz', { ca }), { code: 200, body: 'ok' });
    assert.deepEqual(await get(port, '/pods', { ca }), { code: 401, body: 'Unauthorized' });
    assert.deepEqual(await get(port, '/pods', { ca, cert: stranger.certPem, key: stranger.keyPem }), { code: 401, body: 'Unauthorized' }, 'a certificate from another CA is not an identity');
    const ok = await get(port, '/pods', { ca, cert: client.certPem, key: client.keyPem });
    assert.equal(ok.code, 200);
    assert.equal(JSON.parse(ok.body).kind, 'PodList');
    assert.deepEqual(seen, ['kube-apiserver-kubelet-client [kubeadm:cluster-admins] get pods']);
    // Rotation: the new serving certificate is presented to new connections.
    const next = await createSelfSignedCertificate({ commonName: 'n1-rotated', ipAddresses: ['127.0.0.1'] });
    server.updateTLS({ cert: next.certPem, key: next.keyPem });
    await assert.rejects(get(port, '/healthz', { ca, agent: false }), /self-signed|unable to verify|certificate/i);
    assert.deepEqual(await get(port, '/healthz', { ca: next.certPem, agent: false }), { code: 200, body: 'ok' });
    assert.equal((await get(port, '/pods', { ca: next.certPem, agent: false, cert: client.certPem, key: client.keyPem })).code, 200, 'the client CA is kept');
  } finally {
    await server.close();
  }
});
