import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { StatusError } from '../../shared/errors/status-error.ts';
import type { AuthorizationAttributes, Authorizer } from '../authorization/authorizer.ts';
import { impersonate } from './impersonation.ts';
import type { UserInfo } from './user-info.ts';

/** A request with these headers (repeated names allowed), as node:http presents them. */
function req(pairs: [string, string][]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of pairs) {
    const l = k.toLowerCase();
    headers[l] = headers[l] === undefined ? v : `${headers[l]}, ${v}`;
  }
  return { headers, rawHeaders: pairs.flat() } as unknown as IncomingMessage;
}

/** Allows what `allow` says and records every question. */
function fakeAuthorizer(allow: (a: AuthorizationAttributes) => boolean): Authorizer & { asked: AuthorizationAttributes[] } {
  const asked: AuthorizationAttributes[] = [];
  return {
    asked,
    authorize(a) {
      asked.push(a);
      return { decision: allow(a) ? 'Allow' : 'NoOpinion', reason: '' };
    },
  };
}

const alice: UserInfo = { name: 'alice', groups: ['devs', 'system:authenticated'] };

test('impersonation: no headers is the requester; user + groups + extra + uid each checked as verb impersonate', async () => {
  const authz = fakeAuthorizer(() => true);
  assert.equal(await impersonate(authz, alice, req([])), alice);
  assert.equal(authz.asked.length, 0);
  const u = await impersonate(
    authz,
    alice,
    req([
      ['Impersonate-User', 'bob'],
      ['Impersonate-Group', 'g1'],
      ['Impersonate-Group', 'g2'],
      ['Impersonate-Extra-Scopes', 'view'],
      ['Impersonate-Extra-Scopes', 'edit'],
      ['Impersonate-Uid', '1234'],
    ]),
  );
  assert.deepEqual(u, { name: 'bob', uid: '1234', groups: ['g1', 'g2', 'system:authenticated'], extra: { scopes: ['view', 'edit'] } });
  assert.deepEqual(
    authz.asked.map((a) => [a.verb, a.apiGroup, a.resource, a.subresource, a.name, a.user.name]),
    [
      ['impersonate', '', 'users', '', 'bob', 'alice'],
      ['impersonate', '', 'groups', '', 'g1', 'alice'],
      ['impersonate', '', 'groups', '', 'g2', 'alice'],
      ['impersonate', 'authentication.k8s.io', 'userextras', 'scopes', 'view', 'alice'],
      ['impersonate', 'authentication.k8s.io', 'userextras', 'scopes', 'edit', 'alice'],
      ['impersonate', 'authentication.k8s.io', 'uids', '', '1234', 'alice'],
    ],
  );
});

test('impersonation: a ServiceAccount is checked on serviceaccounts in its namespace and gets its groups', async () => {
  const authz = fakeAuthorizer(() => true);
  const u = await impersonate(authz, alice, req([['Impersonate-User', 'system:serviceaccount:ns1:robot']]));
  assert.deepEqual(u, { name: 'system:serviceaccount:ns1:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] });
  assert.deepEqual(
    authz.asked.map((a) => [a.apiGroup, a.resource, a.namespace, a.name]),
    [['', 'serviceaccounts', 'ns1', 'robot']],
  );
  const anon = await impersonate(authz, alice, req([['Impersonate-User', 'system:anonymous']]));
  assert.deepEqual(anon.groups, ['system:unauthenticated']);
});

test("impersonation: refused with kube's 403; groups without a user is an error", async () => {
  const authz = fakeAuthorizer((a) => a.resource !== 'users');
  await assert.rejects(impersonate(authz, alice, req([['Impersonate-User', 'admin']])), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.status.code, 403);
    assert.equal(e.status.reason, 'Forbidden');
    assert.equal(e.status.message, 'users "admin" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    assert.deepEqual(e.status.details, { name: 'admin', kind: 'users' });
    return true;
  });
  const noGroups = fakeAuthorizer((a) => a.resource !== 'groups');
  await assert.rejects(impersonate(noGroups, alice, req([['Impersonate-User', 'bob'], ['Impersonate-Group', 'system:masters']])), {
    message: 'groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope',
  });
  const noSA = fakeAuthorizer((a) => a.resource !== 'serviceaccounts');
  await assert.rejects(impersonate(noSA, alice, req([['Impersonate-User', 'system:serviceaccount:ns1:robot']])), {
    message: 'serviceaccounts "robot" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ns1"',
  });
  await assert.rejects(impersonate(authz, alice, req([['Impersonate-Group', 'g']])), (e: unknown) => e instanceof StatusError && e.status.code === 500 && /without impersonating a user/.test(e.status.message ?? ''));
});
