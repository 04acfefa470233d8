import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../authentication/user-info.ts';
import { parseRequestInfo } from '../server/request-info.ts';
import type { AuthorizationAttributes, Authorizer } from './authorizer.ts';
import { attributesFor, fieldSelectorExactMatch, forbiddenError, requestAuthorizer } from './forbidden.ts';
import { UnionAuthorizer, alwaysDenyAuthorizer, parseAuthorizationModes, privilegedGroupAuthorizer } from './union.ts';

const x: UserInfo = { name: 'x', groups: ['system:authenticated'] };
const info = (method: string, url: string) => {
  const u = new URL(url, 'http://h');
  return { info: parseRequestInfo(method, u.pathname, u.searchParams), query: u.searchParams };
};
const msg = (method: string, url: string, reason = '') => {
  const { info: i, query } = info(method, url);
  const e = forbiddenError(attributesFor(x, i, query), reason);
  return { message: e.status.message, details: e.status.details, code: e.status.code, reason: e.status.reason };
};

test('the 403 message and details, as kube-apiserver words them', () => {
  assert.deepEqual(msg('GET', '/api/v1/namespaces/default/pods'), {
    message: 'pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "default"',
    details: { kind: 'pods' },
    code: 403,
    reason: 'Forbidden',
  });
  assert.equal(msg('GET', '/api/v1/namespaces/default/pods?watch=true').message, 'pods is forbidden: User "x" cannot watch resource "pods" in API group "" in the namespace "default"');
  assert.equal(msg('GET', '/api/v1/watch/namespaces/default/pods').message, 'pods is forbidden: User "x" cannot watch resource "pods" in API group "" in the namespace "default"');
  assert.equal(msg('GET', '/api/v1/nodes').message, 'nodes is forbidden: User "x" cannot list resource "nodes" in API group "" at the cluster scope');
  assert.equal(msg('GET', '/api/v1/pods').message, 'pods is forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope');
  assert.deepEqual(msg('GET', '/api/v1/namespaces/ns/pods/p/log'), {
    message: 'pods "p" is forbidden: User "x" cannot get resource "pods/log" in API group "" in the namespace "ns"',
    details: { name: 'p', kind: 'pods' },
    code: 403,
    reason: 'Forbidden',
  });
  assert.equal(msg('POST', '/api/v1/namespaces/ns/pods/p/exec').message, 'pods "p" is forbidden: User "x" cannot create resource "pods/exec" in API group "" in the namespace "ns"');
  assert.equal(msg('DELETE', '/api/v1/namespaces/ns/pods').message, 'pods is forbidden: User "x" cannot deletecollection resource "pods" in API group "" in the namespace "ns"');
  assert.deepEqual(msg('PUT', '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin'), {
    message: 'clusterroles.rbac.authorization.k8s.io "admin" is forbidden: User "x" cannot update resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    details: { name: 'admin', group: 'rbac.authorization.k8s.io', kind: 'clusterroles' },
    code: 403,
    reason: 'Forbidden',
  });
  assert.equal(msg('PUT', '/api/v1/namespaces/ns/finalize').message, 'namespaces "ns" is forbidden: User "x" cannot update resource "namespaces/finalize" in API group "" in the namespace "ns"');
  assert.deepEqual(msg('GET', '/metrics'), { message: 'forbidden: User "x" cannot get path "/metrics"', details: {}, code: 403, reason: 'Forbidden' });
  assert.equal(msg('POST', '/foo/bar').message, 'forbidden: User "x" cannot post path "/foo/bar"');
  assert.equal(
    msg('GET', '/api/v1/namespaces/ns/secrets/s', "no relationship found between node 'n' and this object").message,
    'secrets "s" is forbidden: User "x" cannot get resource "secrets" in API group "" in the namespace "ns": no relationship found between node \'n\' and this object',
  );
});

test('request info as RequestInfoFactory: verbs of every request kind', () => {
  const v = (method: string, url: string) => {
    const i = info(method, url).info;
    return `${i.verb} ${i.isResourceRequest ? `${i.apiGroup}/${i.resource}${i.subresource ? `/${i.subresource}` : ''} ns=${i.namespace} name=${i.name}` : i.path}`;
  };
  assert.equal(v('GET', '/api/v1/namespaces/ns/pods'), 'list /pods ns=ns name=');
  assert.equal(v('GET', '/api/v1/namespaces/ns/pods?watch=true'), 'watch /pods ns=ns name=');
  assert.equal(v('GET', '/api/v1/watch/namespaces/ns/pods/p'), 'watch /pods ns=ns name=p');
  assert.equal(v('GET', '/api/v1/namespaces/ns/pods/p'), 'get /pods ns=ns name=p');
  assert.equal(v('HEAD', '/api/v1/namespaces/ns/pods/p'), 'get /pods ns=ns name=p');
  assert.equal(v('POST', '/api/v1/namespaces/ns/pods'), 'create /pods ns=ns name=');
  assert.equal(v('PUT', '/api/v1/namespaces/ns/pods/p/status'), 'update /pods/status ns=ns name=p');
  assert.equal(v('PATCH', '/apis/apps/v1/namespaces/ns/deployments/d/scale'), 'patch apps/deployments/scale ns=ns name=d');
  assert.equal(v('DELETE', '/api/v1/namespaces/ns/pods/p'), 'delete /pods ns=ns name=p');
  assert.equal(v('DELETE', '/api/v1/namespaces/ns/pods'), 'deletecollection /pods ns=ns name=');
  assert.equal(v('GET', '/api/v1/namespaces/ns'), 'get /namespaces ns=ns name=ns');
  assert.equal(v('PUT', '/api/v1/namespaces/ns/finalize'), 'update /namespaces/finalize ns=ns name=ns');
  assert.equal(v('GET', '/api/v1/nodes/n1/proxy/metrics'), 'get /nodes/proxy ns= name=n1');
  assert.equal(v('GET', '/api/v1/proxy/namespaces/ns/pods/p'), 'proxy /pods ns=ns name=p');
  assert.equal(v('POST', '/api/v1/namespaces/ns/pods/p/exec'), 'create /pods/exec ns=ns name=p');
  assert.equal(v('OPTIONS', '/api/v1/namespaces/ns/pods'), ' /pods ns=ns name=');
  assert.equal(v('GET', '/apis/apps/v1'), 'get /apis/apps/v1');
  assert.equal(v('GET', '/api'), 'get /api');
  assert.equal(v('GET', '/healthz/etcd'), 'get /healthz/etcd');
  assert.equal(v('POST', '/api/v1'), 'post /api/v1');
});

test('request attributes: a list pinned to one name by metadata.name carries the name', () => {
  const { info: i, query } = info('GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dweb&watch=1');
  const a = attributesFor(x, i, query);
  assert.equal(a.verb, 'watch');
  assert.equal(a.name, 'web');
  assert.equal(i.name, '', 'the request info used for dispatch stays a collection request');
  const other = info('GET', '/api/v1/namespaces/ns/pods?fieldSelector=spec.nodeName%3Dn1');
  assert.equal(attributesFor(x, other.info, other.query).name, '');
  assert.equal(attributesFor(x, other.info, other.query).fieldSelector, 'spec.nodeName=n1');
  assert.equal(fieldSelectorExactMatch('status.phase!=Running,spec.nodeName==n2', 'spec.nodeName'), 'n2');
  assert.equal(fieldSelectorExactMatch('spec.nodeName!=n2', 'spec.nodeName'), undefined);
});

test('union: the first Allow or Deny decides; NoOpinion reasons are joined; system:masters first', async () => {
  const says = (decision: 'Allow' | 'Deny' | 'NoOpinion', reason: string): Authorizer => ({ authorize: () => ({ decision, reason }) });
  const a: AuthorizationAttributes = { user: x, verb: 'get', isResourceRequest: false, path: '/x', namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
  assert.deepEqual(await new UnionAuthorizer([says('NoOpinion', 'one'), says('NoOpinion', ''), says('NoOpinion', 'two')]).authorize(a), { decision: 'NoOpinion', reason: 'one\ntwo' });
  assert.deepEqual(await new UnionAuthorizer([says('NoOpinion', 'one'), says('Deny', 'no'), says('Allow', '')]).authorize(a), { decision: 'Deny', reason: 'no' });
  const chain = new UnionAuthorizer([privilegedGroupAuthorizer, alwaysDenyAuthorizer]);
  assert.equal((await chain.authorize({ ...a, user: { name: 'root', groups: ['system:masters'] } })).decision, 'Allow');
  assert.deepEqual(await chain.authorize(a), { decision: 'Deny', reason: 'Everything is forbidden.' });
  // The server hook turns a refusal into the 403.
  const hook = requestAuthorizer(chain);
  const req = { url: '/api/v1/pods', headers: {} } as IncomingMessage;
  await assert.rejects(hook(x, parseRequestInfo('GET', '/api/v1/pods', new URLSearchParams()), req), (e: Error & { status?: { message?: string } }) => {
    assert.equal(e.status?.message, 'pods is forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope: Everything is forbidden.');
    return true;
  });
  // A WebSocket exec (GET) also needs create, as a SPDY POST does.
  const get = new UnionAuthorizer([{ authorize: (at) => ({ decision: at.verb === 'get' ? 'Allow' : 'NoOpinion', reason: '' }) }]);
  const ws = { url: '/api/v1/namespaces/ns/pods/p/exec?command=sh', headers: { upgrade: 'websocket' } } as unknown as IncomingMessage;
  await assert.rejects(requestAuthorizer(get)(x, parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/p/exec', new URLSearchParams()), ws), /cannot create resource "pods\/exec"/);
  const spdy = { url: '/api/v1/namespaces/ns/pods/p/exec?command=sh', method: 'POST', headers: { upgrade: 'SPDY/3.1' } } as unknown as IncomingMessage;
  await assert.rejects(requestAuthorizer(get)(x, parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/p/exec', new URLSearchParams()), spdy), /cannot create resource "pods\/exec"/);
  // A plain GET of pods/log needs get only.
  await requestAuthorizer(get)(x, parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/p/log', new URLSearchParams()), { url: '/x', headers: {} } as IncomingMessage);
});

test('--authorization-mode parsing', () => {
  assert.deepEqual(parseAuthorizationModes('Node,RBAC'), ['Node', 'RBAC']);
  assert.deepEqual(parseAuthorizationModes('AlwaysAllow'), ['AlwaysAllow']);
  assert.throws(() => parseAuthorizationModes('RBAC,Webhook'), /authorization-mode "Webhook" is not a valid mode/);
  assert.throws(() => parseAuthorizationModes('RBAC,RBAC'), /has mode specified more than once/);
  assert.throws(() => parseAuthorizationModes(''), /at least one authorization-mode/);
});
