import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { StatusError } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { AuthenticationError, authenticationChain, cachedTokenAuthenticator, tokenUnion, type RequestAuthenticator, type TokenAuthenticator } from './authenticator.ts';
import { parseTokenFile, tokenFileAuthenticator } from './token-file-authenticator.ts';

const req = (headers: Record<string, string> = {}) => ({ headers, socket: {} }) as unknown as IncomingMessage;
const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

const staticTokens = tokenFileAuthenticator(parseTokenFile('t-admin,admin,1,"system:masters"\nt-bob,bob,2\n'));

async function unauthorized(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StatusError && JSON.stringify(e.status) === JSON.stringify(UNAUTHORIZED));
}

test('chain: a valid token is its user plus system:authenticated; an unknown token is 401, never anonymous', async () => {
  const { authenticate } = authenticationChain({ tokens: staticTokens, apiAudiences: [], anonymous: true });
  assert.deepEqual(await authenticate(req({ authorization: 'Bearer t-admin' })), { name: 'admin', uid: '1', groups: ['system:masters', 'system:authenticated'] });
  assert.deepEqual(await authenticate(req({ authorization: 'bearer t-bob' })), { name: 'bob', uid: '2', groups: ['system:authenticated'] });
  await unauthorized(authenticate(req({ authorization: 'Bearer nope' })));
});

test('chain: no credential is system:anonymous in system:unauthenticated, or 401 with --anonymous-auth=false', async () => {
  const on = authenticationChain({ tokens: staticTokens, apiAudiences: [], anonymous: true });
  assert.deepEqual(await on.authenticate(req()), { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  // Another Authorization scheme is no bearer credential (bearertoken.New ignores it).
  assert.deepEqual(await on.authenticate(req({ authorization: 'Basic Zm9vOmJhcg==' })), { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  const off = authenticationChain({ tokens: staticTokens, apiAudiences: [], anonymous: false });
  await unauthorized(off.authenticate(req()));
});

test('chain: x509 first; a bad certificate with a good token passes (upstream union), a bad certificate alone is 401', async () => {
  const goodCert: RequestAuthenticator = () => ({ user: { name: 'cert-user', groups: ['g'] } });
  const badCert: RequestAuthenticator = () => {
    throw new AuthenticationError('verifying certificate SN=1 failed: x509: certificate signed by unknown authority');
  };
  const withGood = authenticationChain({ x509: goodCert, tokens: staticTokens, apiAudiences: [], anonymous: true });
  assert.equal((await withGood.authenticate(req({ authorization: 'Bearer t-bob' }))).name, 'cert-user');
  const errors: string[] = [];
  const withBad = authenticationChain({ x509: badCert, tokens: staticTokens, apiAudiences: [], anonymous: true, onError: (m) => errors.push(m) });
  assert.equal((await withBad.authenticate(req({ authorization: 'Bearer t-bob' }))).name, 'bob');
  await unauthorized(withBad.authenticate(req()));
  assert.match(errors[0] ?? '', /unknown authority/);
});

test('token union collects errors; the cache keeps successes for its TTL only', async () => {
  let calls = 0;
  let valid = true;
  const inner: TokenAuthenticator = (t) => {
    calls++;
    return valid && t === 'x' ? { user: { name: 'x', groups: [] } } : null;
  };
  const failing: TokenAuthenticator = () => {
    throw new AuthenticationError('boom');
  };
  await assert.rejects(async () => tokenUnion([failing, () => null])('y', []), { message: 'boom' });
  assert.equal((await tokenUnion([failing, inner])('x', []))?.user.name, 'x');
  const clock = new FakeClock();
  const cached = cachedTokenAuthenticator(inner, { ttlMs: 10_000, clock });
  calls = 0;
  assert.ok(await cached('x', []));
  valid = false;
  assert.ok(await cached('x', []), 'cached');
  assert.equal(calls, 1);
  clock.step(10_001);
  assert.equal(await cached('x', []), null, 'expired from the cache: asked again');
  assert.equal(await cached('y', []), null);
  assert.equal(calls, 3);
});
