/**
 * The ReplicaSet controller against a real apiserver (in-process, embedded store) whose pod watch reaches the
 * controller late: every pod event is held back 400 ms. The expectations must keep it from creating pods it
 * has already created but not yet seen, so exactly spec.replicas pods are ever created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../../shared/api/apps-v1.ts';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { KubeObject, WatchEvent } from '../../shared/api/meta.ts';
import { Clientset } from '../../shared/client/clientset.ts';
import type { Client, ResourceClient, ResourceDescriptor, WatchOptions } from '../../shared/client/interfaces.ts';
import { RestClient } from '../../shared/client/rest-client.ts';
import { Logger } from '../../shared/util/log.ts';
import { pollUntil } from '../../shared/util/wait.ts';
import { startTestServer } from '../../test/integration/framework/test-server.ts';
import { parseControllers, runControllerManager } from '../main.ts';

const logger = new Logger({ level: (process.env['KUBELAB_TEST_LOG'] as 'debug' | undefined) ?? 'warn' });
const DELAY_MS = 400;

/** A Client whose pod watches deliver every event DELAY_MS late (in order). */
function slowPodWatches(inner: Client): Client {
  return {
    resource<T extends KubeObject = KubeObject>(d: ResourceDescriptor): ResourceClient<T> {
      const rc = inner.resource<T>(d);
      if (d.resource !== 'pods' || d.group !== '') return rc;
      const watch = (namespace: string, options?: WatchOptions): AsyncIterable<WatchEvent> => ({
        async *[Symbol.asyncIterator]() {
          for await (const ev of rc.watch(namespace, options)) {
            await new Promise((r) => setTimeout(r, DELAY_MS));
            yield ev as WatchEvent;
          }
        },
      });
      // Methods bound to the real client: its #private fields are not reachable through a Proxy receiver.
      return new Proxy(rc, {
        get: (target, prop) => {
          if (prop === 'watch') return watch;
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as ResourceClient<T>;
    },
  };
}

test('a slow pod watch never makes the ReplicaSet controller create duplicate pods', async () => {
  const server = await startTestServer();
  const rest = new RestClient({ server: server.url });
  const cs = new Clientset(rest);
  const cm = await runControllerManager({ clientset: new Clientset(slowPodWatches(rest)), controllers: parseControllers('replicaset'), log: logger });
  const seen = new Set<string>();
  const ac = new AbortController();
  const watching = (async () => {
    try {
      for await (const ev of cs.pods.watch('default', { signal: ac.signal })) seen.add((ev.object as Pod).metadata.name ?? '');
    } catch {
      // aborted
    }
  })();
  try {
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'slow', namespace: 'default' },
      spec: { replicas: 25, selector: { matchLabels: { app: 'slow' } }, template: { metadata: { labels: { app: 'slow' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    await cs.replicaSets.create(rs);
    await pollUntil(async () => (await cs.pods.list('default')).items.length >= 25, { intervalMs: 50, timeoutMs: 30_000 });
    // Long enough for several more syncs, each seeing fewer pods than exist until the watch catches up.
    await new Promise((r) => setTimeout(r, 25 * DELAY_MS + 2000));
    const pods = (await cs.pods.list('default')).items;
    assert.equal(pods.length, 25, 'exactly spec.replicas pods');
    await pollUntil(async () => (await cs.replicaSets.get('default', 'slow')).status?.replicas === 25, { intervalMs: 100, timeoutMs: 30_000 });
    // Scale down under the same slow watch: exactly 15 deletions, no replacement created meanwhile.
    await cs.replicaSets.patch('default', 'slow', 'application/merge-patch+json', { spec: { replicas: 10 } });
    await pollUntil(async () => (await cs.pods.list('default')).items.length === 10, { intervalMs: 50, timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 15 * DELAY_MS + 2000));
    assert.equal((await cs.pods.list('default')).items.length, 10);
    ac.abort();
    await watching;
    assert.equal(seen.size, 25, `pods ever created: ${[...seen].sort().join(' ')}`);
  } finally {
    ac.abort();
    await cm.stop();
    rest.close();
    await server.close();
  }
});
