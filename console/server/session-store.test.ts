import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../shared/util/clock.ts';
import { SessionStore, tokenExpiry } from './session-store.ts';

const who = { user: 'system:serviceaccount:kube-system:kubelab-admin', groups: ['system:serviceaccounts', 'system:authenticated'] };

function jwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'ES256' })}.${b(claims)}.c2ln`;
}

test('a session has a random 256-bit id, keeps the token and the user, and ends at its lifetime', () => {
  const clock = new FakeClock();
  const store = new SessionStore({ clock, maxLifetimeMs: 8 * 3600_000 });
  const s = store.create('tok', who);
  assert.ok(s);
  assert.equal(Buffer.from(s.id, 'base64url').length, 32);
  assert.notEqual(store.create('tok', who)?.id, s.id);
  assert.equal(store.get(s.id)?.token, 'tok');
  assert.deepEqual(store.get(s.id)?.groups, who.groups);
  clock.step(8 * 3600_000 - 1);
  assert.ok(store.get(s.id), 'still alive a millisecond before its lifetime');
  clock.step(1);
  assert.equal(store.get(s.id), undefined, 'gone at its lifetime');
  assert.equal(store.size, 0);
});

test("a token's own expiry shortens the session; an expired token starts none", () => {
  const clock = new FakeClock();
  const store = new SessionStore({ clock });
  const s = store.create('t', who, clock.now() + 60_000);
  assert.equal(s?.expiresAt, clock.now() + 60_000);
  clock.step(60_000);
  assert.equal(store.get(s?.id ?? ''), undefined);
  assert.equal(store.create('t', who, clock.now()), undefined);
  // A later token expiry than the lifetime does not lengthen it.
  const long = store.create('t', who, clock.now() + 100 * 3600_000);
  assert.equal(long?.expiresAt, clock.now() + 8 * 3600_000);
});

test('logout (delete) ends a session; unknown ids are not sessions', () => {
  const store = new SessionStore({ clock: new FakeClock() });
  const s = store.create('t', who);
  assert.ok(s);
  assert.equal(store.delete(s.id), true);
  assert.equal(store.get(s.id), undefined);
  assert.equal(store.delete(s.id), false);
  assert.equal(store.get('nope'), undefined);
});

test('the store is bounded: the oldest session goes first', () => {
  const store = new SessionStore({ clock: new FakeClock(), maxSessions: 2 });
  const a = store.create('a', who);
  const b = store.create('b', who);
  const c = store.create('c', who);
  assert.equal(store.get(a?.id ?? ''), undefined);
  assert.ok(store.get(b?.id ?? ''));
  assert.ok(store.get(c?.id ?? ''));
});

test('tokenExpiry reads a JWT exp claim and nothing else', () => {
  assert.equal(tokenExpiry(jwt({ exp: 1_800_000_000 })), 1_800_000_000_000);
  assert.equal(tokenExpiry(jwt({ sub: 'x' })), undefined);
  assert.equal(tokenExpiry('abcdef.0123456789abcdef'), undefined, 'a bootstrap token is no JWT');
  assert.equal(tokenExpiry('a.b.c'), undefined, 'an unreadable payload');
  assert.equal(tokenExpiry(jwt({ exp: 'soon' })), undefined);
});
