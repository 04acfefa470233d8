import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../shared/util/clock.ts';
import type { KubeObjectLike } from './authenticator.ts';
import { bootstrapGroups, bootstrapTokenAuthenticator } from './bootstrap-token-authenticator.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(data: Record<string, string>, extra: Partial<KubeObjectLike> = {}): KubeObjectLike {
  return {
    metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system', uid: 'u1' },
    type: 'bootstrap.kubernetes.io/token',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    ...extra,
  };
}

const GOOD = {
  'token-id': 'abcdef',
  'token-secret': '0123456789abcdef',
  'usage-bootstrap-authentication': 'true',
  'auth-extra-groups': 'system:bootstrappers:kubelab:node:n1',
  expiration: '2026-06-01T00:00:00Z',
};

function authn(s: KubeObjectLike | null, clock = new FakeClock(Date.UTC(2026, 0, 1))) {
  const lookups: string[] = [];
  const a = bootstrapTokenAuthenticator({
    getObject: async (resource, ns, name) => {
      lookups.push(`${resource}/${ns}/${name}`);
      return s;
    },
    clock,
  });
  return { a, lookups };
}

test('bootstrap token: a good token is system:bootstrap:<id> in system:bootstrappers plus its extra groups', async () => {
  const { a, lookups } = authn(secret(GOOD));
  const r = await a('abcdef.0123456789abcdef', []);
  assert.deepEqual(r?.user, { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubelab:node:n1'] });
  assert.deepEqual(lookups, ['secrets/kube-system/bootstrap-token-abcdef']);
});

test('bootstrap token: wrong secret, expired, usage not true, wrong type, deleting, bad format are not accepted', async () => {
  assert.equal(await authn(secret(GOOD)).a('abcdef.0123456789abcdee', []), null, 'wrong secret');
  assert.equal(await authn(secret(GOOD), new FakeClock(Date.UTC(2026, 6, 1))).a('abcdef.0123456789abcdef', []), null, 'expired');
  assert.equal(await authn(secret({ ...GOOD, 'usage-bootstrap-authentication': 'false' })).a('abcdef.0123456789abcdef', []), null, 'usage false');
  assert.equal(await authn(secret({ ...GOOD, 'token-id': 'zzzzzz' })).a('abcdef.0123456789abcdef', []), null, 'token-id mismatch');
  assert.equal(await authn(secret(GOOD, { type: 'Opaque' })).a('abcdef.0123456789abcdef', []), null, 'type');
  const deleting = secret(GOOD);
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  assert.equal(await authn(deleting).a('abcdef.0123456789abcdef', []), null, 'deleting');
  assert.equal(await authn(secret({ ...GOOD, 'auth-extra-groups': 'system:masters' })).a('abcdef.0123456789abcdef', []), null, 'extra group outside system:bootstrappers:');
  assert.equal(await authn(null).a('abcdef.0123456789abcdef', []), null, 'no secret');
  const { a, lookups } = authn(secret(GOOD));
  assert.equal(await a('ABCDEF.0123456789abcdef', []), null, 'upper case is not a bootstrap token');
  assert.equal(await a('abcdef0123456789abcdef', []), null);
  assert.deepEqual(lookups, [], 'a malformed token looks nothing up');
});

test('bootstrap token: extra groups are validated, deduplicated and sorted', () => {
  assert.deepEqual(bootstrapGroups(''), ['system:bootstrappers']);
  assert.deepEqual(bootstrapGroups('system:bootstrappers:b,system:bootstrappers:a,system:bootstrappers:a'), ['system:bootstrappers', 'system:bootstrappers:a', 'system:bootstrappers:b']);
  assert.throws(() => bootstrapGroups('system:bootstrappers:'));
  assert.throws(() => bootstrapGroups('system:bootstrappers:x, system:bootstrappers:y'));
});
