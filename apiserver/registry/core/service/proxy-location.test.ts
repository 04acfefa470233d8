import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from '../../../../shared/api/core-v1.ts';
import { newNotFound } from '../../../../shared/errors/status-error.ts';
import { statusOf as statusErrorOf } from '../../testing.ts';
import { serviceProxyLocation, type ObjectGetter, type ServiceProxyDeps } from './proxy-location.ts';

function getter(resource: string, objs: { metadata: { namespace?: string; name?: string } }[]): ObjectGetter {
  return {
    async get(ns, name) {
      const o = objs.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
      if (!o) throw newNotFound(resource, name);
      return o;
    },
  };
}

const svc: Service = { metadata: { namespace: 'ns', name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] } };
const single: Service = { metadata: { namespace: 'ns', name: 'one' }, spec: { ports: [{ port: 8080 }] } };
const pod = (name: string, ip: string): Pod => ({ metadata: { namespace: 'ns', name }, spec: { containers: [] }, status: { podIP: ip, podIPs: [{ ip }] } });
const ref = (name: string) => ({ kind: 'Pod', namespace: 'ns', name });
const eps: Endpoints = {
  metadata: { namespace: 'ns', name: 'web' },
  subsets: [
    {
      addresses: [{ ip: '10.1.0.5', targetRef: ref('web-0') }, { ip: '10.1.0.6', targetRef: ref('web-1') }],
      notReadyAddresses: [{ ip: '10.1.0.7', targetRef: ref('web-2') }],
      ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }],
    },
  ],
};
const oneEps: Endpoints = { metadata: { namespace: 'ns', name: 'one' }, subsets: [{ addresses: [{ ip: '10.1.0.5', targetRef: ref('web-0') }], ports: [{ port: 8081 }] }] };

function deps(over: Partial<ServiceProxyDeps> = {}, endpoints: Endpoints[] = [eps, oneEps]): ServiceProxyDeps {
  return {
    services: getter('services', [svc, single]),
    pods: getter('pods', [pod('web-0', '10.1.0.5'), pod('web-1', '10.1.0.6'), pod('web-2', '10.1.0.7')]),
    endpoints: () => getter('endpoints', endpoints),
    randomInt: () => 0,
    ...over,
  };
}

/** The code and message of the StatusError `p` rejects with. */
async function statusOf(p: Promise<unknown>): Promise<[number, string]> {
  const e = await statusErrorOf(p);
  return [e.code, e.status.message ?? ''];
}

test('a port name picks the endpoint port of that name; a number maps to the service port name', async () => {
  assert.deepEqual(await serviceProxyLocation(deps(), 'ns', 'web:http'), { scheme: 'http', host: '10.1.0.5', port: 8080 });
  assert.deepEqual(await serviceProxyLocation(deps(), 'ns', 'web:9090'), { scheme: 'http', host: '10.1.0.5', port: 9100 });
  assert.deepEqual(await serviceProxyLocation(deps(), 'ns', 'https:web:metrics'), { scheme: 'https', host: '10.1.0.5', port: 9100, tls: { rejectUnauthorized: false } });
  // The random seed decides the address; only ready addresses (never notReadyAddresses) are candidates.
  assert.equal((await serviceProxyLocation(deps({ randomInt: (n) => n - 1 }), 'ns', 'web:http')).host, '10.1.0.6');
  // An unnamed single port: the id without a port, or with the service port number.
  assert.deepEqual(await serviceProxyLocation(deps(), 'ns', 'one'), { scheme: 'http', host: '10.1.0.5', port: 8081 });
  assert.deepEqual(await serviceProxyLocation(deps(), 'ns', 'one:8080'), { scheme: 'http', host: '10.1.0.5', port: 8081 });
});

test('errors in kube words', async () => {
  assert.deepEqual(await statusOf(serviceProxyLocation(deps(), 'ns', 'a:b:c:d')), [400, 'invalid service request "a:b:c:d"']);
  assert.deepEqual(await statusOf(serviceProxyLocation(deps(), 'ns', 'ftp:web:21')), [400, 'invalid service request "ftp:web:21"']);
  assert.deepEqual(await statusOf(serviceProxyLocation(deps(), 'ns', 'web:8080')), [503, 'no service port 8080 found for service "web"']);
  assert.deepEqual(await statusOf(serviceProxyLocation(deps(), 'ns', 'nope:80')), [404, 'services "nope" not found']);
  // A port name no subset has, and a service whose id has no port while its ports are named.
  assert.deepEqual(await statusOf(serviceProxyLocation(deps(), 'ns', 'web:grpc')), [503, 'no endpoints available for service "web:grpc"']);
  assert.deepEqual(await statusOf(serviceProxyLocation(deps(), 'ns', 'web')), [503, 'no endpoints available for service "web"']);
  // No Endpoints object (ExternalName services have none), and one without subsets.
  assert.deepEqual(await statusOf(serviceProxyLocation(deps({}, []), 'ns', 'web:http')), [404, 'endpoints "web" not found']);
  assert.deepEqual(await statusOf(serviceProxyLocation(deps({ endpoints: () => undefined }), 'ns', 'web:http')), [404, 'endpoints "web" not found']);
  const empty: Endpoints = { metadata: { namespace: 'ns', name: 'web' } };
  assert.deepEqual(await statusOf(serviceProxyLocation(deps({}, [empty]), 'ns', 'web:http')), [503, 'no endpoints available for service "web"']);
});

test('addresses whose pod is gone, moved or elsewhere are skipped (isValidAddress)', async () => {
  const stale: Endpoints = {
    metadata: { namespace: 'ns', name: 'web' },
    subsets: [
      {
        addresses: [
          { ip: '10.1.0.9', targetRef: ref('gone') },
          { ip: '10.1.0.99', targetRef: ref('web-0') },
          { ip: '10.1.0.6', targetRef: { kind: 'Pod', namespace: 'other', name: 'web-1' } },
          { ip: '10.1.0.6' },
          { ip: '10.1.0.6', targetRef: ref('web-1') },
        ],
        ports: [{ name: 'http', port: 8080 }],
      },
    ],
  };
  assert.equal((await serviceProxyLocation(deps({}, [stale]), 'ns', 'web:http')).host, '10.1.0.6');
  const allStale: Endpoints = { ...stale, subsets: [{ addresses: [{ ip: '10.1.0.9', targetRef: ref('gone') }], ports: [{ name: 'http', port: 8080 }] }] };
  assert.deepEqual(await statusOf(serviceProxyLocation(deps({}, [allStale]), 'ns', 'web:http')), [503, 'no endpoints available for service "web:http"']);
});
