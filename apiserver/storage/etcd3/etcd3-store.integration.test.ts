import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { startEtcd, startEtcdCluster, type EtcdHandle } from '../../../test/integration/framework/etcd.ts';
import { isStorageError } from '../errors.ts';
import type { Storage } from '../interfaces.ts';
import { runStorageConformance, testObject } from '../testing/store-tests.ts';
import { Etcd3Store } from './etcd3-store.ts';

let etcd: EtcdHandle | undefined;
let raw: Etcd3 | undefined;
const endpoint = (): string => {
  if (!etcd) throw new Error('etcd not started');
  return etcd.endpoint;
};
before(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: [etcd.endpoint] });
});
after(async () => {
  raw?.close();
  await etcd?.stop();
});

/** A store on its own random prefix, so tests (and other users of a shared ETCD_URL) never see each other. */
const newStore = (prefix = `/${randomUUID()}/registry`): Etcd3Store => new Etcd3Store({ endpoints: [endpoint()], prefix });

runStorageConformance({
  name: 'etcd3',
  newStorage: async () => newStore(),
  reopen: async (s) => {
    assert.ok(s instanceof Etcd3Store);
    await s.close();
    return newStore(s.prefix);
  },
  invariant: async (s: Storage, key: string) => {
    assert.ok(s instanceof Etcd3Store && raw);
    const bytes = await raw.get(`${s.prefix}${key}`).string();
    assert.ok(bytes !== null, `${key} should be in etcd`);
    const parsed = JSON.parse(bytes) as { metadata: Record<string, unknown> };
    assert.equal('resourceVersion' in parsed.metadata, false, `etcd value of ${key} must not carry resourceVersion: ${bytes}`);
  },
});

describe('Etcd3Store specifics', () => {
  test('lists 6,000 objects of ~1.5 KB (over the 4 MiB gRPC limit) in pages', async () => {
    const s = newStore();
    try {
      const filler = 'x'.repeat(1200);
      const n = 6000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < n) {
            const i = next++;
            await s.create(`/pods/big/p${String(i).padStart(5, '0')}`, testObject(`p${i}`, { spec: { filler } }));
          }
        }),
      );
      const res = await s.list('/pods/big/');
      assert.equal(res.items.length, n);
      const bytes = res.items.reduce((sum, o) => sum + JSON.stringify(o).length, 0);
      assert.ok(bytes > 4 * 1024 * 1024, `the list should exceed 4 MiB (was ${bytes} bytes)`);
      for (let i = 1; i < n; i++) assert.ok((res.items[i - 1]?.metadata.name ?? '') !== res.items[i]?.metadata.name);
      assert.equal(res.items[0]?.metadata.name, 'p0');
      assert.equal(await s.count('/pods/big/'), n);
      // A large limited page also crosses internal page boundaries.
      const page = await s.list('/pods/big/', { limit: 1234 });
      assert.equal(page.items.length, 1234);
      assert.equal(page.remainingItemCount, n - 1234);
      assert.equal(page.continueKey, `/pods/big/p01233`);
    } finally {
      await s.close();
    }
  });

  test('a watch starting thousands of ~4.5 KB events behind receives them all (over the 4 MiB gRPC limit)', async () => {
    // Regression (found by test/bench rss-etcd): etcd catches a lagging watch up with responses of up to 1,000
    // revisions; with the client's default 4 MiB receive limit such a response failed with RESOURCE_EXHAUSTED,
    // and so did every re-watch from the same revision, so the watch cache stopped for good.
    const s = newStore();
    const ac = new AbortController();
    try {
      const from = await s.currentRevision();
      const filler = 'x'.repeat(4500);
      const n = 3000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < n) {
            const i = next++;
            await s.create(`/pods/lag/p${i}`, testObject(`p${i}`, { spec: { filler } }));
          }
        }),
      );
      let got = 0;
      for await (const ev of s.watch('/pods/lag/', { revision: from, signal: ac.signal })) {
        assert.equal(ev.type, 'ADDED');
        if (++got === n) break;
      }
      assert.equal(got, n);
    } finally {
      ac.abort();
      await s.close();
    }
  });

  test('two stores with different prefixes on one etcd do not see each other', async () => {
    const a = newStore();
    const b = newStore();
    const ac = new AbortController();
    try {
      const from = await a.currentRevision();
      const wa = a.watch('/pods/', { revision: from, signal: ac.signal })[Symbol.asyncIterator]();
      await b.create('/pods/ns/x', testObject('x'));
      await a.create('/pods/ns/y', testObject('y'));
      assert.deepEqual((await a.list('/pods/')).items.map((o) => o.metadata.name), ['y']);
      assert.deepEqual((await b.list('/pods/')).items.map((o) => o.metadata.name), ['x']);
      await assert.rejects(a.get('/pods/ns/x'), (e: unknown) => isStorageError(e, 'KeyNotFound'));
      assert.equal(await a.count('/pods/'), 1);
      const first = await wa.next();
      assert.equal(first.value?.key, '/pods/ns/y', 'the watch sees only its own prefix');
    } finally {
      ac.abort();
      await a.close();
      await b.close();
    }
  });

  test('ending watches does not disturb other calls and watches on the same client', async () => {
    // Regression: a cancelled stream that is still writable counts as a host failure in the etcd3 client (all its
    // gRPC clients reset, a circuit-breaker strike; three in a row blocked every call for 5 s).
    const s = newStore();
    const keep = new AbortController();
    try {
      const a = await s.create('/pods/ns/a', testObject('a'));
      const from = Number(a.metadata.resourceVersion) - 1;
      const longLived = s.watch('/pods/', { revision: Number(a.metadata.resourceVersion), signal: keep.signal })[Symbol.asyncIterator]();
      // Several watches ending together (a Cacher restarting, a burst of clients going away).
      const ac = new AbortController();
      const watches = Array.from({ length: 5 }, () => s.watch('/pods/', { revision: from, signal: ac.signal })[Symbol.asyncIterator]());
      for (const w of watches) assert.equal((await w.next()).value?.key, '/pods/ns/a');
      ac.abort();
      for (const w of watches) assert.equal((await w.next()).done, true);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await s.get('/pods/ns/a')).metadata.name, 'a');
      const b = await s.create('/pods/ns/b', testObject('b'));
      const ev = await longLived.next();
      assert.equal(ev.value?.revision, Number(b.metadata.resourceVersion), 'the long-lived watch keeps delivering');
    } finally {
      keep.abort();
      await s.close();
    }
  });

  test('an unreachable etcd gives StorageError Unavailable', async () => {
    const s = new Etcd3Store({ endpoints: ['http://127.0.0.1:1'], requestTimeoutMs: 2000 });
    try {
      await assert.rejects(s.get('/pods/ns/a'), (e: unknown) => isStorageError(e, 'Unavailable'));
      await assert.rejects(s.create('/pods/ns/a', testObject('a')), (e: unknown) => isStorageError(e, 'Unavailable'));
      const ac = new AbortController();
      const it = s.watch('/pods/', { revision: 0, signal: ac.signal })[Symbol.asyncIterator]();
      await assert.rejects(it.next(), (e: unknown) => isStorageError(e, 'Unavailable'));
      ac.abort();
    } finally {
      await s.close();
    }
  });
});

/**
 * A TCP relay to etcd that can lose one request's answer: once armed with a marker, the connection carrying a
 * client chunk that contains it stops relaying etcd's answers and is dropped after `dropAfterMs` (the client
 * sees UNAVAILABLE "Connection dropped" for a request etcd did receive). `forward: false` swallows the request
 * instead and runs `meanwhile` before dropping (a request that never reached etcd, while someone else writes).
 */
async function startLossyRelay(target: string): Promise<{ url: string; arm(marker: string, opts?: { forward?: boolean; meanwhile?: () => Promise<void> }): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  let armed: { marker: Buffer; forward: boolean; meanwhile?: () => Promise<void> } | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let lost = false;
    client.on('data', (chunk: Buffer) => {
      if (lost) return;
      const a = armed;
      if (a && chunk.includes(a.marker)) {
        armed = undefined;
        lost = true;
        if (a.forward) upstream.write(chunk);
        void (async () => {
          await new Promise((r) => setTimeout(r, 300));
          await a.meanwhile?.();
          client.destroy();
          upstream.destroy();
        })();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!lost) client.write(chunk);
    });
    for (const sock of [client, upstream]) {
      sock.on('error', () => undefined);
      sock.on('close', () => {
        sockets.delete(sock);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    arm(marker, opts = {}) {
      armed = { marker: Buffer.from(marker), forward: opts.forward ?? true, ...(opts.meanwhile ? { meanwhile: opts.meanwhile } : {}) };
    },
    async close() {
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('Etcd3Store creates whose outcome is unknown', () => {
  test('a create whose answer was lost after etcd committed it succeeds, at the key\'s create revision', async () => {
    const relay = await startLossyRelay(endpoint());
    const s = new Etcd3Store({ endpoints: [relay.url], prefix: `/${randomUUID()}/registry` });
    try {
      await s.create('/pods/ns/warm', testObject('warm'));
      relay.arm('lost-answer');
      const created = await s.create('/pods/ns/lost-answer', testObject('lost-answer'));
      assert.ok(raw);
      const stored = await raw.get(`${s.prefix}/pods/ns/lost-answer`).exec();
      const kv = stored.kvs[0];
      assert.ok(kv, 'the first attempt committed');
      assert.equal(created.metadata.resourceVersion, String(kv.create_revision));
      assert.equal(created.metadata.uid, JSON.parse(kv.value.toString()).metadata.uid);
      assert.equal(kv.version, '1', 'written once: the retry did not write again');
      // Not a blanket pass: another object at that key is still KeyExists.
      await assert.rejects(s.create('/pods/ns/lost-answer', testObject('lost-answer')), (e: unknown) => isStorageError(e, 'KeyExists'));
    } finally {
      await s.close();
      await relay.close();
    }
  });

  test('a create whose request was lost while another writer created the key is KeyExists', async () => {
    const relay = await startLossyRelay(endpoint());
    const s = new Etcd3Store({ endpoints: [relay.url], prefix: `/${randomUUID()}/registry` });
    try {
      await s.create('/pods/ns/warm', testObject('warm'));
      assert.ok(raw);
      const other = testObject('raced');
      relay.arm('raced', { forward: false, meanwhile: async () => void (await raw!.put(`${s.prefix}/pods/ns/raced`).value(JSON.stringify(other))) });
      await assert.rejects(s.create('/pods/ns/raced', testObject('raced')), (e: unknown) => isStorageError(e, 'KeyExists'));
      assert.equal((await s.get('/pods/ns/raced')).metadata.uid, other.metadata.uid);
    } finally {
      await s.close();
      await relay.close();
    }
  });
});

describe('Etcd3Store on a 3-member cluster', () => {
  test('survives a follower going down without failed requests, and a leader failover', async () => {
    const cluster = await startEtcdCluster(3);
    const s = new Etcd3Store({ endpoints: cluster.endpoints, prefix: `/${randomUUID()}/registry` });
    try {
      for (let i = 0; i < 20; i++) await s.create(`/pods/ns/a${i}`, testObject(`a${i}`));
      const from = await s.currentRevision();
      const leader = await cluster.leader();
      const follower = cluster.members.find((m) => m !== leader);
      assert.ok(follower);
      await follower.kill();
      // A create routed to the dead member either never left the client or failed with its outcome unknown
      // (Connection dropped): both are retried on another member, and an attempt that did commit is recognised.
      for (let i = 0; i < 50; i++) await s.create(`/pods/ns/b${i}`, testObject(`b${i}`));
      for (let i = 0; i < 20; i++) assert.equal((await s.get(`/pods/ns/a${i}`)).metadata.name, `a${i}`);
      assert.equal((await s.list('/pods/ns/', { revision: from })).items.length, 20);
      assert.equal(await s.count('/pods/ns/'), 70);
      await follower.restart();

      // Leader loss: requests in flight may fail (Unavailable, outcome unknown) until a new leader is elected.
      await leader.kill();
      const deadline = Date.now() + 15_000;
      let failures = 0;
      for (;;) {
        try {
          await s.guaranteedUpdate('/pods/ns/after-failover', (cur) => cur ?? testObject('after-failover'), { ignoreNotFound: true });
          break;
        } catch (e) {
          assert.ok(isStorageError(e, 'Unavailable'), `expected Unavailable during the election, got ${String(e)}`);
          assert.ok(Date.now() < deadline, 'writes did not resume within 15 s of the leader failing');
          failures++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.notEqual(await cluster.leader(), leader);
      assert.equal(await s.count('/pods/ns/'), 71, `writes resumed (after ${failures} failed attempts)`);
    } finally {
      await s.close();
      await cluster.stop();
    }
  });
});
