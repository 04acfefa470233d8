import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from '../../shared/api/core-v1.ts';
import { newFixture, T0 } from '../framework/testing.ts';
import { TokenCleaner, tokenExpiration } from './token-cleaner.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const token = (name: string, expiration?: string, namespace = 'kube-system', type = 'bootstrap.kubernetes.io/token'): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  type,
  data: { 'token-id': b64(name.slice(-6)), 'token-secret': b64('0123456789abcdef'), ...(expiration !== undefined ? { expiration: b64(expiration) } : {}) },
});

test('tokenExpiration follows bootstrapsecretutil.GetExpiration', () => {
  assert.deepEqual(tokenExpiration(token('x'), T0), { ttlMs: 0, expired: false });
  assert.deepEqual(tokenExpiration(token('x', '2026-01-01T01:00:00Z'), T0), { ttlMs: 3_600_000, expired: false });
  assert.deepEqual(tokenExpiration(token('x', '2026-01-01T01:00:00+01:00'), T0), { ttlMs: 0, expired: true });
  assert.deepEqual(tokenExpiration(token('x', 'tomorrow'), T0), { ttlMs: 0, expired: true });
});

test('deletes expired bootstrap tokens in kube-system (uid precondition), requeues the others for their expiry', async () => {
  const f = await newFixture(
    {
      objects: [
        token('bootstrap-token-aaaaaa', '2025-12-31T23:00:00Z'),
        token('bootstrap-token-bbbbbb', '2026-01-01T00:10:00Z'),
        token('bootstrap-token-cccccc'),
        token('bootstrap-token-dddddd', '2025-12-31T23:00:00Z', 'default'),
        token('opaque', '2025-12-31T23:00:00Z', 'kube-system', 'Opaque'),
      ],
    },
    (ctx) => new TokenCleaner(ctx),
  );
  try {
    // Only kube-system bootstrap tokens are watched.
    assert.equal(f.controller.controller.queue.len(), 3);
    assert.equal(await f.controller.reconcile('kube-system/bootstrap-token-aaaaaa', f.signal), undefined);
    assert.deepEqual(await f.controller.reconcile('kube-system/bootstrap-token-bbbbbb', f.signal), { requeueAfterMs: 600_000 });
    assert.equal(await f.controller.reconcile('kube-system/bootstrap-token-cccccc', f.signal), undefined);
    assert.deepEqual(f.writes(), ['delete secrets bootstrap-token-aaaaaa']);
    assert.ok(f.writeActions()[0]!.options && JSON.stringify(f.writeActions()[0]!.options).includes('"uid"'));
    f.clientset.clearActions();
    f.clock.step(600_000);
    await f.controller.reconcile('kube-system/bootstrap-token-bbbbbb', f.signal);
    assert.deepEqual(f.writes(), ['delete secrets bootstrap-token-bbbbbb']);
  } finally {
    await f.stop();
  }
});
