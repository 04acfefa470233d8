import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import type { RequestContext } from '../endpoints/request-context.ts';
import { ServiceAccountTokenIssuer } from '../authentication/service-account-token.ts';
import { tokenRequestHandler } from '../authentication/token-request.ts';
import type { UserInfo } from '../authentication/user-info.ts';
import { buildAdmissionChain } from './admission-plugins.ts';
import { FakeLookups, nodeUser, pod } from './testing/fake-lookups.ts';

/** serviceaccounts/token runs the admission chain: NodeRestriction refuses a node a token for another node's pod. */
test('TokenRequest goes through admission (NodeRestriction) before the ServiceAccount is looked up', async () => {
  const lookups = new FakeLookups();
  lookups.addPod(pod('web', 'ns1', { nodeName: 'n1' }, { uid: 'pod-1' }));
  const chain = buildAdmissionChain(['NodeRestriction'], lookups);
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const issuer = new ServiceAccountTokenIssuer({ issuer: 'https://kubernetes.default.svc.cluster.local', privateKey, clock });
  let saLookups = 0;
  const handler = tokenRequestHandler({
    issuer,
    apiAudiences: ['https://kubernetes.default.svc.cluster.local'],
    admission: chain,
    getObject: async (resource, namespace, name) => {
      if (resource === 'serviceaccounts') saLookups++;
      if (resource === 'serviceaccounts' && name === 'default') return { metadata: { name, namespace, uid: 'sa-1' } };
      if (resource === 'pods' && name === 'web') return { metadata: { name, namespace, uid: 'pod-1' }, spec: { serviceAccountName: 'default', nodeName: 'n1' } };
      return null;
    },
  });
  const call = async (user: UserInfo) => {
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'pod-1' } } };
    const req = Readable.from([Buffer.from(JSON.stringify(body))]) as unknown as IncomingMessage;
    req.headers = { 'content-type': 'application/json' };
    const headers: Record<string, unknown> = {};
    let out = '';
    const res = {
      headersSent: false,
      statusCode: 0,
      setHeader: (k: string, v: unknown) => void (headers[k.toLowerCase()] = v),
      getHeader: (k: string) => headers[k.toLowerCase()],
      writeHead: () => undefined,
      end: (d?: string | Buffer) => void (out += d?.toString() ?? ''),
      write: (d: string | Buffer) => void (out += d.toString()),
    } as unknown as ServerResponse;
    const ctx = {
      req,
      res,
      info: { verb: 'create', namespace: 'ns1', name: 'default', resource: 'serviceaccounts', subresource: 'token' },
      query: new URLSearchParams(),
      output: { as: 'object', format: 'json' },
      now: () => clock.now(),
      user,
    } as unknown as RequestContext;
    await handler(ctx);
    return JSON.parse(out) as Record<string, unknown>;
  };
  await assert.rejects(
    () => call(nodeUser('n2')),
    (e: unknown) =>
      e instanceof StatusError && e.status.code === 403 && e.message === 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node',
  );
  assert.equal(saLookups, 0);
  const ok = await call(nodeUser('n1'));
  assert.equal(ok['kind'], 'TokenRequest');
  assert.equal(typeof (ok['status'] as { token?: unknown }).token, 'string');
});
