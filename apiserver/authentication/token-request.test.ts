import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError } from '../../shared/errors/status-error.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import type { RequestContext } from '../endpoints/request-context.ts';
import type { KubeObjectLike, ObjectGetter } from './authenticator.ts';
import { ServiceAccountTokenIssuer, serviceAccountTokenAuthenticator } from './service-account-token.ts';
import { tokenRequestHandler } from './token-request.ts';

const AUD = 'https://kubernetes.default.svc.cluster.local';

function objects(): { get: ObjectGetter; map: Map<string, KubeObjectLike> } {
  const map = new Map<string, KubeObjectLike>();
  map.set('serviceaccounts/ns1/robot', { metadata: { name: 'robot', namespace: 'ns1', uid: 'sa-1' } });
  map.set('pods/ns1/web', { metadata: { name: 'web', namespace: 'ns1', uid: 'pod-1' }, spec: { serviceAccountName: 'robot', nodeName: 'n1' } });
  map.set('pods/ns1/other', { metadata: { name: 'other', namespace: 'ns1', uid: 'pod-2' }, spec: {} });
  map.set('nodes//n1', { metadata: { name: 'n1', uid: 'node-1' } });
  map.set('secrets/ns1/s', { metadata: { name: 's', namespace: 'ns1', uid: 'sec-1' } });
  return { map, get: async (r, ns, n) => map.get(`${r}/${ns}/${n}`) ?? null };
}

/** Runs the handler on a body; returns the status code, the JSON answer and the Warning headers. */
async function post(handler: ReturnType<typeof tokenRequestHandler>, clock: FakeClock, name: string, body: unknown): Promise<{ code: number; obj: Record<string, unknown>; warnings: string[] }> {
  const req = Readable.from([Buffer.from(JSON.stringify(body))]) as unknown as IncomingMessage;
  req.headers = { 'content-type': 'application/json' };
  let code = 0;
  let out = '';
  const headers: Record<string, unknown> = {};
  const res = {
    headersSent: false,
    setHeader: (k: string, v: unknown) => void (headers[k.toLowerCase()] = v),
    getHeader: (k: string) => headers[k.toLowerCase()],
    writeHead: (c: number, h?: Record<string, unknown>) => {
      code = c;
      Object.assign(headers, h ?? {});
    },
    end: (d?: string | Buffer) => void (out += d?.toString() ?? ''),
    write: (d: string | Buffer) => void (out += d.toString()),
  } as unknown as ServerResponse;
  const ctx = {
    req,
    res,
    info: { verb: 'create', namespace: 'ns1', name, resource: 'serviceaccounts', subresource: 'token' },
    query: new URLSearchParams(),
    output: { as: 'object', format: 'json' },
    now: () => clock.now(),
  } as unknown as RequestContext;
  await handler(ctx);
  const w = headers['warning'];
  return { code: code || (res as unknown as { statusCode: number }).statusCode, obj: JSON.parse(out), warnings: w === undefined ? [] : ([] as string[]).concat(w as string) };
}

function setup(maxExpirationSeconds?: number) {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const o = objects();
  const issuer = new ServiceAccountTokenIssuer({ issuer: AUD, privateKey, clock });
  const handler = tokenRequestHandler({ issuer, getObject: o.get, apiAudiences: [AUD], maxExpirationSeconds });
  const authn = serviceAccountTokenAuthenticator({ issuers: [AUD], keys: [publicKey], implicitAudiences: [AUD], getObject: o.get, clock });
  return { clock, handler, authn, o };
}

test('TokenRequest: defaults (API audiences, an hour) and a token that authenticates as the ServiceAccount', async () => {
  const { clock, handler, authn } = setup();
  const r = await post(handler, clock, 'robot', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  const spec = r.obj['spec'] as { audiences: string[]; expirationSeconds: number };
  const status = r.obj['status'] as { token: string; expirationTimestamp: string };
  assert.equal(r.obj['kind'], 'TokenRequest');
  assert.deepEqual(spec, { audiences: [AUD], expirationSeconds: 3600 });
  assert.equal(status.expirationTimestamp, '2026-06-01T01:00:00Z');
  assert.deepEqual((r.obj['metadata'] as Record<string, unknown>)['name'], 'robot');
  const u = await authn(status.token, []);
  assert.equal(u?.user.name, 'system:serviceaccount:ns1:robot');
  assert.equal(u?.user.uid, 'sa-1');
});

test('TokenRequest: validation, unknown service account, max expiration, bound objects with kube messages', async () => {
  const { clock, handler, authn } = setup(7200);
  const invalid = (e: unknown, message: string) => e instanceof StatusError && e.status.code === 422 && e.status.message === message;
  await assert.rejects(post(handler, clock, 'robot', { spec: { expirationSeconds: 60 } }), (e: unknown) =>
    invalid(e, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes'),
  );
  await assert.rejects(post(handler, clock, 'ghost', { spec: {} }), (e: unknown) => e instanceof StatusError && e.status.code === 404 && e.status.message === 'serviceaccounts "ghost" not found');
  await assert.rejects(post(handler, clock, 'robot', { metadata: { name: 'x' }, spec: {} }), (e: unknown) => e instanceof StatusError && e.status.code === 422);

  const long = await post(handler, clock, 'robot', { spec: { expirationSeconds: 86400 } });
  assert.equal((long.obj['spec'] as { expirationSeconds: number }).expirationSeconds, 7200);
  assert.deepEqual(long.warnings.map((w) => w.replace(/^299 - /, '')), ['"requested expiration of 86400 seconds shortened to 7200 seconds"']);

  const bound = await post(handler, clock, 'robot', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
  const u = await authn((bound.obj['status'] as { token: string }).token, []);
  assert.deepEqual(u?.user.extra?.['authentication.kubernetes.io/pod-uid'], ['pod-1']);
  assert.deepEqual(u?.user.extra?.['authentication.kubernetes.io/node-uid'], ['node-1']);

  await assert.rejects(post(handler, clock, 'robot', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other' } } }), {
    message: 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.',
  });
  await assert.rejects(post(handler, clock, 'robot', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'stale' } } }), (e: unknown) =>
    e instanceof StatusError && e.status.code === 409 && /the UID in the bound object reference \(stale\) does not match the UID in record/.test(e.status.message ?? ''),
  );
  await assert.rejects(post(handler, clock, 'robot', { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'c' } } }), {
    message: 'cannot bind token to object of type /v1, Kind=ConfigMap',
  });
  await assert.rejects(post(handler, clock, 'robot', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'missing' } } }), { message: 'pods "missing" not found' });
  const secret = await post(handler, clock, 'robot', { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's' } } });
  assert.ok(await authn((secret.obj['status'] as { token: string }).token, []));
  const node = await post(handler, clock, 'robot', { spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n1' } } });
  assert.deepEqual((await authn((node.obj['status'] as { token: string }).token, []))?.user.extra?.['authentication.kubernetes.io/node-name'], ['n1']);
});

test('TokenRequest: a pod-bound token asked for 3607 s lasts a year and warns after 3607 s (upstream extension)', async () => {
  const { clock, handler, authn } = setup();
  const r = await post(handler, clock, 'robot', { spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
  const token = (r.obj['status'] as { token: string; expirationTimestamp: string }).token;
  assert.equal((r.obj['status'] as { expirationTimestamp: string }).expirationTimestamp, '2026-06-01T01:00:07Z');
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
  assert.equal(claims.exp - claims.iat, 365 * 24 * 3600);
  assert.equal(claims['kubernetes.io'].warnafter - claims.iat, 3607);
  clock.step(2 * 3600_000);
  assert.ok(await authn(token, []));
});
