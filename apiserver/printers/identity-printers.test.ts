import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../shared/api/meta.ts';
import type { CertificateSigningRequest } from '../../shared/api/certificates-v1.ts';
import { tableFor } from './table-for.ts';
import { csrCondition } from './identity-printers.ts';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: '2026-01-01T00:00:00Z' });

test('secrets, configmaps and serviceaccounts print kube columns with integer counts', () => {
  const secret = tableFor('secrets', [{ metadata: meta('s', 'n'), type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } } as KubeObject], { includeObject: 'None', now: NOW });
  assert.deepEqual(secret.columnDefinitions?.map((c) => c.name), ['Name', 'Type', 'Data', 'Age']);
  assert.deepEqual(secret.rows[0]!.cells, ['s', 'kubernetes.io/tls', 2, '60m']);
  const cm = tableFor('configmaps', [{ metadata: meta('c', 'n'), data: { a: 'x' }, binaryData: { b: '' } } as KubeObject], { includeObject: 'None', now: NOW });
  assert.deepEqual(cm.columnDefinitions?.map((c) => c.name), ['Name', 'Data', 'Age']);
  assert.deepEqual(cm.rows[0]!.cells, ['c', 2, '60m']);
  const sa = tableFor('serviceaccounts', [{ metadata: meta('default', 'n') } as KubeObject], { includeObject: 'None', now: NOW });
  assert.deepEqual(sa.columnDefinitions?.map((c) => c.name), ['Name', 'Secrets', 'Age']);
  assert.deepEqual(sa.rows[0]!.cells, ['default', 0, '60m']);
});

test('certificatesigningrequests: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION', () => {
  const csr = {
    metadata: meta('node-csr-1'),
    spec: { request: '', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:bootstrap:abcdef', expirationSeconds: 3600 },
    status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' },
  } as unknown as KubeObject;
  const t = tableFor('certificatesigningrequests', [csr], { includeObject: 'None', now: NOW });
  assert.deepEqual(t.columnDefinitions?.map((c) => c.name), ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
  assert.deepEqual(t.rows[0]!.cells, ['node-csr-1', '60m', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '60m', 'Approved,Issued']);
  const c = (conditions: string[], certificate?: string) =>
    csrCondition({ spec: { request: '', signerName: 'a/b' }, status: { conditions: conditions.map((type) => ({ type, status: 'True' })), ...(certificate ? { certificate } : {}) } } as unknown as CertificateSigningRequest);
  assert.equal(c([]), 'Pending');
  assert.equal(c(['Approved', 'Failed']), 'Approved,Failed');
  assert.equal(c(['Denied', 'Approved']), 'Denied');
  const bare = tableFor('certificatesigningrequests', [{ metadata: meta('x'), spec: { request: '', signerName: '' } } as unknown as KubeObject], { includeObject: 'None', now: NOW });
  assert.deepEqual(bare.rows[0]!.cells.slice(2), ['<none>', '', '<none>', 'Pending']);
});
