import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../../shared/api/core-v1.ts';
import { newNotFound } from '../../../../shared/errors/status-error.ts';
import { statusOf as statusErrorOf } from '../../testing.ts';
import { podProxyLocation, type PodGetter } from './proxy-location.ts';

function pods(...list: Pod[]): PodGetter {
  return {
    async get(ns, name) {
      const p = list.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
      if (!p) throw newNotFound('pods', name);
      return p;
    },
  };
}

const web: Pod = {
  metadata: { namespace: 'ns', name: 'web' },
  spec: { containers: [{ name: 'side', image: 'x' }, { name: 'app', image: 'x', ports: [{ name: 'web', containerPort: 8080 }, { name: 'admin', containerPort: 9000 }] }] },
  status: { podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
};
const v6: Pod = { metadata: { namespace: 'ns', name: 'v6' }, spec: { containers: [{ name: 'a', image: 'x' }] }, status: { podIPs: [{ ip: 'fd00::5' }, { ip: '10.0.0.5' }] } };
const noIP: Pod = { metadata: { namespace: 'ns', name: 'pending' }, spec: { containers: [{ name: 'a', image: 'x' }] } };
const loop: Pod = { metadata: { namespace: 'ns', name: 'loop' }, spec: { containers: [{ name: 'a', image: 'x' }] }, status: { podIP: '127.0.0.1' } };
const getter = pods(web, v6, noIP, loop);

/** The code and message of the StatusError `p` rejects with. */
async function statusOf(p: Promise<unknown>): Promise<[number, string]> {
  const e = await statusErrorOf(p);
  return [e.code, e.status.message ?? ''];
}

test('port: explicit number, first declared container port, container port name, http/https', async () => {
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'web:1234'), { scheme: 'http', host: '10.244.1.5', port: 1234 });
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'web'), { scheme: 'http', host: '10.244.1.5', port: 8080 });
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'web:'), { scheme: 'http', host: '10.244.1.5', port: 8080 });
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'web:admin'), { scheme: 'http', host: '10.244.1.5', port: 9000 });
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'https:web:443'), { scheme: 'https', host: '10.244.1.5', port: 443, tls: { rejectUnauthorized: false } });
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'web:http'), { scheme: 'http', host: '10.244.1.5', port: 80 });
  // No declared port and none given: the scheme's default; the primary IP is podIPs[0].
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'v6'), { scheme: 'http', host: 'fd00::5' });
});

test('errors in kube words', async () => {
  assert.deepEqual(await statusOf(podProxyLocation(getter, 'ns', 'a:b:c:d')), [400, 'invalid pod request "a:b:c:d"']);
  assert.deepEqual(await statusOf(podProxyLocation(getter, 'ns', 'nope')), [404, 'pods "nope" not found']);
  assert.deepEqual(await statusOf(podProxyLocation(getter, 'ns', 'pending:80')), [400, 'address not allowed']);
  assert.deepEqual(await statusOf(podProxyLocation(getter, 'ns', 'loop:80')), [400, 'address not allowed']);
  assert.deepEqual(await statusOf(podProxyLocation(getter, 'ns', 'web:grpc')), [503, 'error trying to reach service: dial tcp: lookup tcp/grpc: unknown port']);
  // Loopback only when the server was told to accept it (tests).
  assert.deepEqual(await podProxyLocation(getter, 'ns', 'loop:80', { allowLoopback: true }), { scheme: 'http', host: '127.0.0.1', port: 80 });
});
