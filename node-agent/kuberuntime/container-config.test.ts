import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Container, Pod, Secret } from '../../shared/api/core-v1.ts';
import { newNotFound } from '../../shared/errors/status-error.ts';
import type { PodObjectGetter } from '../configmap-secret/object-manager.ts';
import { ContainerConfigError, makeEnvironment, type EnvContext } from './container-config.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ctx: EnvContext = { nodeName: 'n1', hostIP: '10.0.0.1', podIPs: ['10.1.0.5'], allocatable: { cpu: 2, memory: 1 << 30 } };
const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [] } };

function objects(secrets: Record<string, Record<string, string>>, cms: Record<string, Record<string, string>>): PodObjectGetter & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    getSecret: async (_ns, name): Promise<Secret> => {
      reads.push(`secret/${name}`);
      const d = secrets[name];
      if (!d) throw newNotFound('secret', name);
      return { metadata: { name }, data: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, b64(v)])) };
    },
    getConfigMap: async (_ns, name): Promise<ConfigMap> => {
      reads.push(`configmap/${name}`);
      const d = cms[name];
      if (!d) throw newNotFound('configmap', name);
      return { metadata: { name }, data: d };
    },
  };
}

const env = (c: Partial<Container>, o: PodObjectGetter, onInvalidKeys?: (m: string) => void) =>
  makeEnvironment(pod, { name: 'c', image: 'i', ...c }, ctx, { objects: o, ...(onInvalidKeys ? { onInvalidKeys } : {}) });

test('secretKeyRef and configMapKeyRef: values (secrets decoded), $(VAR) expansion, one read per object', async () => {
  const o = objects({ db: { password: 'pw', user: 'admin' } }, { cfg: { mode: 'fast' } });
  const out = await env(
    {
      env: [
        { name: 'USER', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'DSN', value: '$(USER):$(PASS)@db?$(MODE)' },
      ],
    },
    o,
  );
  assert.deepEqual(out, [
    { key: 'USER', value: 'admin' },
    { key: 'PASS', value: 'pw' },
    { key: 'MODE', value: 'fast' },
    { key: 'DSN', value: 'admin:pw@db?fast' },
  ]);
  assert.deepEqual(o.reads, ['secret/db', 'configmap/cfg']);
});

test('missing objects and keys: kubelet messages unless optional', async () => {
  const o = objects({ db: { user: 'admin' } }, { cfg: {} });
  await assert.rejects(env({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'nope' } } }] }, o), (e: Error) => e instanceof ContainerConfigError && e.message === "couldn't find key nope in Secret ns/db");
  await assert.rejects(env({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }, o), (e: Error) => e.message === "couldn't find key k in ConfigMap ns/cfg");
  await assert.rejects(env({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }, o), (e: Error) => e.message === 'secret "gone" not found');
  await assert.rejects(env({ envFrom: [{ configMapRef: { name: 'gone' } }] }, o), (e: Error) => e.message === 'configmap "gone" not found');
  const out = await env(
    {
      envFrom: [{ secretRef: { name: 'gone', optional: true } }],
      env: [
        { name: 'A', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'db', key: 'nope', optional: true } } },
        { name: 'C', value: 'c' },
      ],
    },
    o,
  );
  assert.deepEqual(out, [{ key: 'C', value: 'c' }]);
});

test('envFrom: all keys with the prefix, env overrides, invalid names skipped with an event', async () => {
  const o = objects({ s: { TOKEN: 't', '1bad': 'x' } }, { cfg: { LEVEL: 'debug', 'bad key': 'x', 'my.dotted-name': 'ok' } });
  const events: string[] = [];
  const out = await env(
    {
      envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 's' }, prefix: 'S_' }],
      env: [{ name: 'LEVEL', value: 'info' }],
    },
    o,
    (m) => events.push(m),
  );
  assert.deepEqual(out, [
    { key: 'LEVEL', value: 'info' },
    { key: 'my.dotted-name', value: 'ok' },
    { key: 'S_TOKEN', value: 't' },
    { key: 'S_1bad', value: 'x' },
  ]);
  assert.deepEqual(events, ['Keys [bad key] from the EnvFrom configMap ns/cfg were skipped since they are considered invalid environment variable names.']);
});

test('Service variables: $(VAR) may use them, the container\'s own win, the rest come last', async () => {
  const { kernelHostname, generatePodSandboxConfig } = await import('./container-config.ts');
  const serviceEnv = new Map([['KUBERNETES_SERVICE_HOST', '10.96.0.1'], ['DB_SERVICE_HOST', '10.96.0.7']]);
  const c: Container = { name: 'c', image: 'i', env: [{ name: 'URL', value: 'http://$(DB_SERVICE_HOST)/' }, { name: 'DB_SERVICE_HOST', value: 'mine' }] };
  const env = await makeEnvironment(pod, c, ctx, { serviceEnv });
  assert.deepEqual(env, [{ key: 'URL', value: 'http://10.96.0.7/' }, { key: 'DB_SERVICE_HOST', value: 'mine' }, { key: 'KUBERNETES_SERVICE_HOST', value: '10.96.0.1' }]);

  // Sandbox hostname: spec.hostname, the FQDN with setHostnameAsFQDN and a subdomain, kubelet's error past 64 chars.
  const p: Pod = { metadata: { name: 'web-0', namespace: 'team', uid: 'u' }, spec: { containers: [], hostname: 'web-0', subdomain: 'web', setHostnameAsFQDN: true } };
  assert.equal(kernelHostname(p, 'node', 'cluster.local'), 'web-0.web.team.svc.cluster.local');
  assert.equal(kernelHostname({ ...p, spec: { ...p.spec, setHostnameAsFQDN: false } }, 'node', 'cluster.local'), 'web-0');
  assert.throws(() => kernelHostname({ ...p, spec: { ...p.spec, subdomain: 's'.repeat(40) } }, 'node', 'cluster.local'), /failed to construct FQDN from pod hostname and cluster domain, FQDN web-0\.s+\.team\.svc\.cluster\.local is too long \(64 characters is the max, 69 characters requested\)/);
  const sb = generatePodSandboxConfig(p, { attempt: 0, logDirectory: '/l', cgroupParent: '/c', nodeHostname: 'node', clusterDomain: 'cluster.local', dnsConfig: { servers: ['10.213.1.11'], searches: ['team.svc.cluster.local'], options: ['ndots:5'] } });
  assert.equal(sb.hostname, 'web-0.web.team.svc.cluster.local');
  assert.deepEqual(sb.dnsConfig, { servers: ['10.213.1.11'], searches: ['team.svc.cluster.local'], options: ['ndots:5'] });
});
