import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKubeconfig } from '../../shared/client/kubeconfig.ts';
import { consoleKubeconfig } from './console-daemon.ts';

test("the console's kubeconfig names the API server and its CA and carries no credential", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-console-kc-'));
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, 'CA PEM');
  const o = parseKubeconfig(consoleKubeconfig('https://10.213.0.1:6443', ca), { baseDir: '/' }).options;
  rmSync(dir, { recursive: true, force: true });
  assert.equal(String(o.ca), 'CA PEM');
  assert.equal(o.server, 'https://10.213.0.1:6443');
  assert.equal(o.token, undefined);
  assert.equal(o.tokenFile, undefined);
  assert.equal(o.clientCert, undefined);
  assert.equal(o.clientKey, undefined);
  assert.equal(o.username, undefined);
});
