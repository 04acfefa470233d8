import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { FakeClock } from '../../shared/util/clock.ts';
import type { KubeObjectLike, ObjectGetter } from './authenticator.ts';
import {
  CREDENTIAL_ID_KEY,
  NODE_NAME_KEY,
  POD_NAME_KEY,
  POD_UID_KEY,
  ServiceAccountTokenIssuer,
  keyIdOf,
  parsePublicKeys,
  serviceAccountTokenAuthenticator,
} from './service-account-token.ts';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** An in-memory object store for the bound-object lookups. */
function memoryObjects(): { get: ObjectGetter; put(resource: string, ns: string, name: string, uid: string, extra?: Record<string, unknown>): void; del(resource: string, ns: string, name: string): void } {
  const objs = new Map<string, KubeObjectLike>();
  return {
    get: async (resource, ns, name) => objs.get(`${resource}/${ns}/${name}`) ?? null,
    put(resource, ns, name, uid, extra = {}) {
      objs.set(`${resource}/${ns}/${name}`, { metadata: { name, namespace: ns || undefined, uid }, ...extra });
    },
    del(resource, ns, name) {
      objs.delete(`${resource}/${ns}/${name}`);
    },
  };
}

function setup(keyType: 'ec' | 'rsa' = 'ec') {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const { privateKey } = keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const issuer = new ServiceAccountTokenIssuer({ issuer: ISSUER, privateKey, clock });
  const objects = memoryObjects();
  objects.put('serviceaccounts', 'ns1', 'builder', 'sa-uid-1');
  objects.put('pods', 'ns1', 'web', 'pod-uid-1', { spec: { serviceAccountName: 'builder', nodeName: 'n1' } });
  objects.put('nodes', '', 'n1', 'node-uid-1');
  const authn = serviceAccountTokenAuthenticator({ issuers: [ISSUER], keys: [createPublicKey(privateKey)], implicitAudiences: [ISSUER], getObject: objects.get, clock });
  return { clock, issuer, objects, authn, privateKey };
}

const sa = { namespace: 'ns1', name: 'builder', uid: 'sa-uid-1' };

test('ServiceAccount token: claims and header as upstream, and the user it authenticates as', async () => {
  const { issuer, authn, privateKey } = setup();
  const { token, claims } = await issuer.issue({ serviceAccount: sa, audiences: [ISSUER], expirationSeconds: 3600 });
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.kid, keyIdOf(createPublicKey(privateKey)));
  assert.match(header.kid ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.equal(claims.sub, 'system:serviceaccount:ns1:builder');
  assert.equal(claims.exp - claims.iat, 3600);
  assert.equal(claims.nbf, claims.iat);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'ns1', serviceaccount: { name: 'builder', uid: 'sa-uid-1' } });
  const r = await authn(token, []);
  assert.deepEqual(r?.user, {
    name: 'system:serviceaccount:ns1:builder',
    uid: 'sa-uid-1',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'],
    extra: { [CREDENTIAL_ID_KEY]: [`JTI=${claims.jti}`] },
  });
  assert.deepEqual(r?.audiences, [ISSUER]);
});

test('ServiceAccount token: RSA keys sign RS256 and verify through a key file holding the public key', async () => {
  const { clock, issuer, objects, privateKey } = setup('rsa');
  const pem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const authn = serviceAccountTokenAuthenticator({ issuers: [ISSUER], keys: parsePublicKeys(pem), implicitAudiences: [ISSUER], getObject: objects.get, clock });
  const { token } = await issuer.issue({ serviceAccount: sa, audiences: [ISSUER], expirationSeconds: 3600 });
  assert.equal(decodeProtectedHeader(token).alg, 'RS256');
  assert.equal((await authn(token, []))?.user.name, 'system:serviceaccount:ns1:builder');
  // A token signed by another key is refused.
  const other = setup('rsa');
  const { token: forged } = await other.issuer.issue({ serviceAccount: sa, audiences: [ISSUER], expirationSeconds: 3600 });
  await assert.rejects(async () => authn(forged, []), /signature verification failed/);
});

test('ServiceAccount token: another issuer is not handled; a wrong audience and an expired token are refused', async () => {
  const { clock, issuer, authn, privateKey } = setup();
  const foreign = new ServiceAccountTokenIssuer({ issuer: 'https://elsewhere.example', privateKey, clock });
  assert.equal(await authn((await foreign.issue({ serviceAccount: sa, audiences: [ISSUER], expirationSeconds: 3600 })).token, []), null);
  assert.equal(await authn('not-a-jwt', []), null);

  const { token: vault } = await issuer.issue({ serviceAccount: sa, audiences: ['vault'], expirationSeconds: 3600 });
  await assert.rejects(async () => authn(vault, []), { message: `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]` });
  // ...but a TokenReview asking for that audience accepts it.
  assert.deepEqual((await authn(vault, ['vault']))?.audiences, ['vault']);

  const { token } = await issuer.issue({ serviceAccount: sa, audiences: [ISSUER], expirationSeconds: 600 });
  clock.step(600_000 + 30_000); // within the minute of leeway
  assert.ok(await authn(token, []));
  clock.step(31_000);
  await assert.rejects(async () => authn(token, []), { message: 'service account token has expired' });
});

test('ServiceAccount token: bound to a pod it stops working when the pod is deleted or recreated; SA recreated too', async () => {
  const { issuer, objects, authn } = setup();
  const { token, claims } = await issuer.issue({ serviceAccount: sa, pod: { name: 'web', uid: 'pod-uid-1' }, node: { name: 'n1', uid: 'node-uid-1' }, audiences: [ISSUER], expirationSeconds: 3600 });
  assert.deepEqual(claims['kubernetes.io'].pod, { name: 'web', uid: 'pod-uid-1' });
  const r = await authn(token, []);
  assert.deepEqual(r?.user.extra, {
    [POD_NAME_KEY]: ['web'],
    [POD_UID_KEY]: ['pod-uid-1'],
    [CREDENTIAL_ID_KEY]: [`JTI=${claims.jti}`],
    [NODE_NAME_KEY]: ['n1'],
    'authentication.kubernetes.io/node-uid': ['node-uid-1'],
  });
  objects.del('pods', 'ns1', 'web');
  await assert.rejects(async () => authn(token, []), { message: 'service account token has been invalidated' });
  objects.put('pods', 'ns1', 'web', 'pod-uid-2');
  await assert.rejects(async () => authn(token, []), { message: 'pod UID (pod-uid-2) does not match service account pod ref claim (pod-uid-1)' });
  // A pod being deleted (past the leeway) invalidates it too.
  objects.put('pods', 'ns1', 'web', 'pod-uid-1');
  assert.ok(await authn(token, []));
  // The ServiceAccount itself recreated (new uid): refused.
  objects.put('serviceaccounts', 'ns1', 'builder', 'sa-uid-9');
  await assert.rejects(async () => authn(token, []), { message: 'service account UID (sa-uid-9) does not match claim (sa-uid-1)' });
  objects.del('serviceaccounts', 'ns1', 'builder');
  await assert.rejects(async () => authn(token, []), { message: 'serviceaccount "builder" not found' });
});

test('ServiceAccount token: bound to a secret or a node only', async () => {
  const { issuer, objects, authn } = setup();
  objects.put('secrets', 'ns1', 's1', 'secret-uid-1');
  const { token: bySecret } = await issuer.issue({ serviceAccount: sa, secret: { name: 's1', uid: 'secret-uid-1' }, audiences: [ISSUER], expirationSeconds: 3600 });
  assert.ok(await authn(bySecret, []));
  objects.del('secrets', 'ns1', 's1');
  await assert.rejects(async () => authn(bySecret, []), /invalidated/);

  const { token: byNode } = await issuer.issue({ serviceAccount: sa, node: { name: 'n1', uid: 'node-uid-1' }, audiences: [ISSUER], expirationSeconds: 3600 });
  assert.deepEqual((await authn(byNode, []))?.user.extra?.[NODE_NAME_KEY], ['n1']);
  objects.put('nodes', '', 'n1', 'node-uid-2');
  await assert.rejects(async () => authn(byNode, []), { message: 'node UID (node-uid-2) does not match service account node ref claim (node-uid-1)' });
});

test('ServiceAccount token: a bound pod being deleted invalidates the token', async () => {
  const { clock, issuer, objects, authn } = setup();
  const { token } = await issuer.issue({ serviceAccount: sa, pod: { name: 'web', uid: 'pod-uid-1' }, audiences: [ISSUER], expirationSeconds: 3600 });
  objects.put('pods', 'ns1', 'web', 'pod-uid-1');
  const o = await objects.get('pods', 'ns1', 'web');
  assert.ok(o);
  o.metadata.deletionTimestamp = new Date(clock.now()).toISOString();
  assert.ok(await authn(token, []), 'within the leeway a deleting pod still counts');
  clock.step(61_000);
  await assert.rejects(async () => authn(token, []), { message: 'service account token has been invalidated' });
});
