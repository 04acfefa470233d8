/**
 * The identity controllers against a real apiserver (in-process, embedded store): every namespace gets the
 * `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap (from --root-ca-file), both come back when
 * deleted, and expired bootstrap token Secrets in kube-system are deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Secret, ServiceAccount } from '../shared/api/core-v1.ts';
import { Clientset, configMapsResource, secretsResource, serviceAccountsResource } from '../shared/client/clientset.ts';
import { RestClient } from '../shared/client/rest-client.ts';
import { isNotFound } from '../shared/errors/status-error.ts';
import { Logger } from '../shared/util/log.ts';
import { pollUntil } from '../shared/util/wait.ts';
import { startTestServer } from '../test/integration/framework/test-server.ts';
import { parseControllers, runControllerManager } from './main.ts';

const logger = new Logger({ level: (process.env['KUBELAB_TEST_LOG'] as 'debug' | undefined) ?? 'warn' });
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  return pollUntil(condition, { intervalMs: 50, timeoutMs }).catch((err: unknown) => {
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: err });
  });
}

async function exists(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

test('a new namespace gets default and kube-root-ca.crt, both are recreated; expired bootstrap tokens go', async () => {
  const server = await startTestServer();
  const rest = new RestClient({ server: server.url });
  const cs = new Clientset(rest);
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-rootca-'));
  const caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, CA);
  const sas = cs.resource<ServiceAccount>(serviceAccountsResource);
  const cms = cs.resource<ConfigMap>(configMapsResource);
  const secrets = cs.resource<Secret>(secretsResource);
  const expired = Buffer.from(new Date(Date.now() - 60_000).toISOString()).toString('base64');
  await secrets.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: { 'token-id': Buffer.from('abcdef').toString('base64'), 'token-secret': Buffer.from('0123456789abcdef').toString('base64'), expiration: expired },
  });
  const cm = await runControllerManager({
    clientset: cs,
    controllers: parseControllers('serviceaccount,root-ca-cert-publisher,tokencleaner'),
    rootCAFile: caFile,
    log: logger,
  });
  try {
    // The system namespaces the server made at start get theirs too.
    for (const ns of ['default', 'kube-system']) {
      await eventually(`default ServiceAccount in ${ns}`, () => exists(() => sas.get(ns, 'default')));
      await eventually(`kube-root-ca.crt in ${ns}`, () => exists(() => cms.get(ns, 'kube-root-ca.crt')));
    }
    await cs.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await eventually('default ServiceAccount in team-a', () => exists(() => sas.get('team-a', 'default')));
    await eventually('kube-root-ca.crt in team-a', () => exists(() => cms.get('team-a', 'kube-root-ca.crt')));
    const root = await cms.get('team-a', 'kube-root-ca.crt');
    assert.deepEqual(root.data, { 'ca.crt': CA });
    assert.match(root.metadata.annotations?.['kubernetes.io/description'] ?? '', /^Contains a CA bundle that can be used to verify the kube-apiserver/);

    // Deleted: recreated. Edited: put back.
    const oldUid = (await sas.get('team-a', 'default')).metadata.uid;
    await sas.delete('team-a', 'default');
    await eventually('default ServiceAccount recreated', async () => {
      try {
        return (await sas.get('team-a', 'default')).metadata.uid !== oldUid;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    });
    await cms.delete('team-a', 'kube-root-ca.crt');
    await eventually('kube-root-ca.crt recreated', () => exists(() => cms.get('team-a', 'kube-root-ca.crt')));
    const edited = await cms.get('team-a', 'kube-root-ca.crt');
    await cms.update({ ...edited, data: { 'ca.crt': 'tampered' } });
    await eventually('kube-root-ca.crt restored', async () => (await cms.get('team-a', 'kube-root-ca.crt')).data?.['ca.crt'] === CA);

    await eventually('expired bootstrap token deleted', async () => !(await exists(() => secrets.get('kube-system', 'bootstrap-token-abcdef'))));
  } finally {
    await cm.stop();
    rest.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
