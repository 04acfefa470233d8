import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { newNotFound, newServiceUnavailable } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { serviceAccountsResource } from '../../shared/client/clientset.ts';
import { TokenManager, tokenRequester, type TokenRequest } from './token-manager.ts';

const request = (uid = 'pod-uid', expirationSeconds = 3607): TokenRequest => ({
  apiVersion: 'authentication.k8s.io/v1',
  kind: 'TokenRequest',
  metadata: {},
  spec: { expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p', uid } },
});

/** An API that issues `token-N` valid for the requested seconds from the fake clock's now. */
function fakeApi(clock: FakeClock) {
  let n = 0;
  let fail: Error | undefined;
  const calls: { namespace: string; name: string; request: TokenRequest }[] = [];
  const getToken = async (namespace: string, name: string, req: TokenRequest): Promise<TokenRequest> => {
    calls.push({ namespace, name, request: req });
    if (fail) throw fail;
    const seconds = req.spec.expirationSeconds ?? 3600;
    return { ...req, spec: { ...req.spec, expirationSeconds: seconds }, status: { token: `token-${++n}`, expirationTimestamp: new Date(clock.now() + seconds * 1000).toISOString() } };
  };
  return { getToken, calls, failWith: (e: Error | undefined) => (fail = e) };
}

test('a token is reused until 80% of its TTL, then refreshed (jitter 0)', async () => {
  const clock = new FakeClock();
  const api = fakeApi(clock);
  const tm = new TokenManager({ getToken: api.getToken, clock, random: () => 0, log: silentLogger() });
  const t1 = await tm.getServiceAccountToken('ns', 'default', request());
  assert.equal(t1.status?.token, 'token-1');
  assert.equal(api.calls.length, 1);
  assert.deepEqual(api.calls[0]?.request.spec.boundObjectRef, { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'pod-uid' });
  // 80% of 3607 s: refresh once more than 3607 - floor(3607*0.2)=3607-721 = 2886 s have passed.
  clock.step(2886 * 1000);
  assert.equal((await tm.getServiceAccountToken('ns', 'default', request())).status?.token, 'token-1', 'at 80% exactly: still the cached one');
  clock.step(1000);
  assert.equal((await tm.getServiceAccountToken('ns', 'default', request())).status?.token, 'token-2', 'past 80%: refreshed');
  assert.equal(api.calls.length, 2);
  assert.equal((await tm.getServiceAccountToken('ns', 'default', request())).status?.token, 'token-2');
  // A different pod (bound object) is a different token.
  assert.equal((await tm.getServiceAccountToken('ns', 'default', request('other'))).status?.token, 'token-3');
  tm.deleteServiceAccountToken('other');
  assert.equal(tm.size, 1);
});

test('the jitter (up to 10 s) moves the refresh earlier', async () => {
  const clock = new FakeClock();
  const api = fakeApi(clock);
  const tm = new TokenManager({ getToken: api.getToken, clock, random: () => 0.99, log: silentLogger() });
  await tm.getServiceAccountToken('ns', 'default', request(undefined, 1000));
  clock.step((800 - 8) * 1000); // past 80% of 1000 s minus 9 s of jitter, before 80%
  await tm.getServiceAccountToken('ns', 'default', request(undefined, 1000));
  assert.equal(api.calls.length, 2);
});

test('tokens older than 24 hours are refreshed whatever their TTL', async () => {
  const clock = new FakeClock();
  const api = fakeApi(clock);
  const tm = new TokenManager({ getToken: api.getToken, clock, random: () => 0, log: silentLogger() });
  const week = 7 * 24 * 3600;
  await tm.getServiceAccountToken('ns', 'sa', request(undefined, week));
  clock.step(24 * 3600 * 1000);
  await tm.getServiceAccountToken('ns', 'sa', request(undefined, week));
  assert.equal(api.calls.length, 1, 'exactly 24 h: not yet');
  clock.step(1000);
  await tm.getServiceAccountToken('ns', 'sa', request(undefined, week));
  assert.equal(api.calls.length, 2);
});

test('a failed refresh keeps a still-valid token; an expired one is an error; cleanup drops expired tokens', async () => {
  const clock = new FakeClock();
  const api = fakeApi(clock);
  const tm = new TokenManager({ getToken: api.getToken, clock, random: () => 0, log: silentLogger() });
  await assert.rejects(
    (async () => {
      api.failWith(newServiceUnavailable('down'));
      await tm.getServiceAccountToken('ns', 'sa', request());
    })(),
    /^Error: failed to fetch token: down$/,
  );
  api.failWith(undefined);
  await tm.getServiceAccountToken('ns', 'sa', request());
  clock.step(3000 * 1000);
  api.failWith(newServiceUnavailable('down'));
  assert.equal((await tm.getServiceAccountToken('ns', 'sa', request())).status?.token, 'token-1', 'the old token is still valid');
  clock.step(700 * 1000);
  await assert.rejects(tm.getServiceAccountToken('ns', 'sa', request()), /expired and refresh failed: down/);
  tm.cleanup();
  assert.equal(tm.size, 0);
});

test('a token issued in the future (the clock went back) is refreshed', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const tm = new TokenManager({
    clock,
    random: () => 0,
    log: silentLogger(),
    getToken: async (_ns, _name, req) => {
      calls++;
      // Issued an hour ahead of this clock: iat = exp - expirationSeconds is after now.
      return { ...req, status: { token: 't', expirationTimestamp: new Date(clock.now() + 3600_000 + 3607_000).toISOString() } };
    },
  });
  await tm.getServiceAccountToken('ns', 'sa', request());
  await tm.getServiceAccountToken('ns', 'sa', request());
  assert.equal(calls, 2);
});

test('tokenRequester posts a TokenRequest to serviceaccounts/{name}/token', async () => {
  const cs = new FakeClientset();
  cs.prependReactor('create', 'serviceaccounts', (a) => {
    if (a.subresource !== 'token') return undefined;
    if (a.name !== 'default') throw newNotFound('serviceaccounts', a.name ?? '');
    return { object: { ...a.object, status: { token: 'jwt', expirationTimestamp: '2030-01-01T00:00:00Z' } } };
  });
  const get = tokenRequester(cs.resource(serviceAccountsResource));
  const tr = await get('ns', 'default', request());
  assert.equal(tr.status?.token, 'jwt');
  const a = cs.actions().find((x) => x.subresource === 'token');
  assert.equal(a?.namespace, 'ns');
  assert.equal(a?.name, 'default');
  assert.equal((a?.object as TokenRequest).spec.expirationSeconds, 3607);
  await assert.rejects(get('ns', 'missing', request()), (e: Error) => e.message === 'serviceaccounts "missing" not found');
  const noRoute = new FakeClientset();
  await assert.rejects(tokenRequester(noRoute.resource(serviceAccountsResource))('ns', 'default', request()), /^Error: the API server does not have TokenRequest endpoints enabled: /);
});
