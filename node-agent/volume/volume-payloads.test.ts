import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret, Volume } from '../../shared/api/core-v1.ts';
import { newNotFound } from '../../shared/errors/status-error.ts';
import type { PodObjectGetter } from '../configmap-secret/object-manager.ts';
import type { ServiceAccountTokenGetter, TokenRequest } from '../token/token-manager.ts';
import type { Payload } from './atomic-writer.ts';
import { formatMap } from '../../shared/api/field-path.ts';
import { configMapPayload, downwardAPIPayload, secretPayload, volumePayload, type PayloadContext } from './volume-payloads.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (p: Payload) => Object.fromEntries([...p].map(([k, v]) => [k, `${Buffer.from(v.data).toString('utf8')}@${v.mode.toString(8)}`]));

const pod: Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'say "hi"' } },
  spec: {
    serviceAccountName: 'builder',
    containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } } }],
  },
};

function objects(secrets: Record<string, Secret>, cms: Record<string, ConfigMap>): PodObjectGetter {
  return {
    getSecret: async (_ns, name) => {
      const s = secrets[name];
      if (!s) throw newNotFound('secret', name);
      return s;
    },
    getConfigMap: async (_ns, name) => {
      const c = cms[name];
      if (!c) throw newNotFound('configmap', name);
      return c;
    },
  };
}

test('secret payload: all keys decoded with defaultMode; items select, rename and set modes; missing keys', () => {
  const secret = { data: { user: b64('admin'), pass: b64('s3cr3t') } };
  assert.deepEqual(text(secretPayload(undefined, secret, 0o644, false)), { user: 'admin@644', pass: 's3cr3t@644' });
  assert.deepEqual(text(secretPayload([{ key: 'pass', path: 'db/password', mode: 0o400 }], secret, 0o640, false)), { 'db/password': 's3cr3t@400' });
  assert.throws(() => secretPayload([{ key: 'nope', path: 'x' }], secret, 0o644, false), /^Error: references non-existent secret key: nope$/);
  assert.deepEqual(text(secretPayload([{ key: 'nope', path: 'x' }, { key: 'user', path: 'u' }], secret, 0o644, true)), { u: 'admin@644' });
});

test('configMap payload: data and binaryData; items; missing keys', () => {
  const cm = { data: { 'app.properties': 'a=1\n' }, binaryData: { 'logo.bin': Buffer.from([0, 1, 2, 255]).toString('base64') } };
  const all = configMapPayload(undefined, cm, 0o644, false);
  assert.deepEqual([...(all.get('logo.bin')?.data ?? [])], [0, 1, 2, 255]);
  assert.equal(Buffer.from(all.get('app.properties')?.data ?? []).toString(), 'a=1\n');
  assert.deepEqual(text(configMapPayload([{ key: 'app.properties', path: 'conf/app', mode: 0o600 }], cm, 0o644, false)), { 'conf/app': 'a=1\n@600' });
  assert.throws(() => configMapPayload([{ key: 'x', path: 'x' }], cm, 0o644, false), /^Error: configmap references non-existent config key: x$/);
});

test('downwardAPI payload: pod fields, labels and annotations formatted as kubelet does, resources with divisor', () => {
  assert.equal(formatMap({ b: '2', a: 'say "hi"' }), 'a="say \\"hi\\""\nb="2"');
  const p = downwardAPIPayload(
    [
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
      { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' }, mode: 0o400 },
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      { path: 'cpu_limit', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' } },
      { path: 'mem_limit', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
      { path: 'cpu_request', resourceFieldRef: { containerName: 'c', resource: 'requests.cpu' } },
    ],
    0o644,
    pod,
    { cpu: 4, memory: 8 * 2 ** 30 },
  );
  assert.deepEqual(text(p), {
    name: 'web@644',
    ns: 'shop@644',
    uid: 'u-1@400',
    labels: 'app="web"\ntier="front"@644',
    tier: 'front@644',
    annotations: 'note="say \\"hi\\""@644',
    cpu_limit: '500@644',
    mem_limit: '64@644',
    cpu_request: '1@644',
  });
  assert.throws(() => downwardAPIPayload([{ path: 'x', fieldRef: { fieldPath: 'spec.bogus' } }, { path: 'y', resourceFieldRef: { containerName: 'nope', resource: 'limits.cpu' } }], 0o644, pod, { cpu: 1, memory: 1 }), /^Error: \[unsupported fieldPath: spec\.bogus, container nope not found\]$/);
});

test('secret and configMap volumes: missing object errors worded as kubelet, optional gives an empty volume', async () => {
  const tokens: ServiceAccountTokenGetter = { getServiceAccountToken: () => Promise.reject(new Error('no')) };
  const ctx: PayloadContext = { objects: objects({ s: { metadata: {}, data: { k: b64('v') } } }, {}), tokens, allocatable: { cpu: 1, memory: 1 } };
  assert.deepEqual(text(await volumePayload({ name: 'v', secret: { secretName: 's', defaultMode: 0o400 } }, pod, ctx)), { k: 'v@400' });
  await assert.rejects(volumePayload({ name: 'v', secret: { secretName: 'gone' } }, pod, ctx), (e: Error) => e.message === 'secret "gone" not found');
  await assert.rejects(volumePayload({ name: 'v', configMap: { name: 'gone' } }, pod, ctx), (e: Error) => e.message === 'configmap "gone" not found');
  assert.equal((await volumePayload({ name: 'v', secret: { secretName: 'gone', optional: true } }, pod, ctx)).size, 0);
  assert.equal((await volumePayload({ name: 'v', configMap: { name: 'gone', optional: true, items: [{ key: 'a', path: 'a' }] } }, pod, ctx)).size, 0);
});

test('projected kube-api-access volume: token bound to the pod, ca.crt, namespace; errors of all sources together', async () => {
  const requests: { ns: string; name: string; tr: TokenRequest }[] = [];
  const tokens: ServiceAccountTokenGetter = {
    getServiceAccountToken: async (ns, name, tr) => {
      requests.push({ ns, name, tr });
      return { ...tr, status: { token: 'eyJ.token', expirationTimestamp: '2030-01-01T00:00:00Z' } };
    },
  };
  const ctx: PayloadContext = {
    objects: objects({}, { 'kube-root-ca.crt': { metadata: {}, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n' } } }),
    tokens,
    allocatable: { cpu: 1, memory: 1 },
  };
  const vol: Volume = {
    name: 'kube-api-access-x7k2p',
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  assert.deepEqual(text(await volumePayload(vol, pod, ctx)), { token: 'eyJ.token@644', 'ca.crt': '-----BEGIN CERTIFICATE-----\n@644', namespace: 'shop@644' });
  assert.equal(requests.length, 1);
  assert.equal(requests[0]?.ns, 'shop');
  assert.equal(requests[0]?.name, 'builder', "the pod's service account");
  assert.deepEqual(requests[0]?.tr.spec, { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u-1' } }, 'no audiences: the API server audiences');
  await volumePayload({ name: 'v', projected: { sources: [{ serviceAccountToken: { audience: 'vault', path: 't' } }] } }, pod, ctx);
  assert.deepEqual(requests[1]?.tr.spec.audiences, ['vault']);
  assert.equal(requests[1]?.tr.spec.expirationSeconds, 3600);
  await assert.rejects(
    volumePayload({ name: 'v', projected: { sources: [{ secret: { name: 'a' } }, { configMap: { name: 'b' } }, { secret: { name: 'c', optional: true } }] } }, pod, ctx),
    (e: Error) => e.message === '[secret "a" not found, configmap "b" not found]',
  );
});
