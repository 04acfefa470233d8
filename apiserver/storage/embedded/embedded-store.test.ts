import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isStorageError } from '../errors.ts';
import type { Storage, StorageEvent } from '../interfaces.ts';
import { runStorageConformance, testObject } from '../testing/store-tests.ts';
import { EmbeddedStore, prepareDataDir } from './embedded-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubelab-embedded-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tempPath = (): string => join(dir, `store-${process.pid}-${n++}.db`);

const noStoredResourceVersion = async (s: Storage, key: string): Promise<void> => {
  assert.ok(s instanceof EmbeddedStore);
  const raw = s.rawValue(key);
  assert.ok(raw !== null, `${key} should be stored`);
  const parsed = JSON.parse(raw) as { metadata: Record<string, unknown> };
  assert.equal('resourceVersion' in parsed.metadata, false, `stored bytes of ${key} must not carry resourceVersion: ${raw}`);
};

runStorageConformance({
  name: 'embedded (file)',
  newStorage: async () => new EmbeddedStore({ path: tempPath() }),
  reopen: async (s) => {
    assert.ok(s instanceof EmbeddedStore);
    await s.close();
    return new EmbeddedStore({ path: s.path });
  },
  invariant: noStoredResourceVersion,
});

runStorageConformance({
  name: 'embedded (:memory:)',
  newStorage: async () => new EmbeddedStore({ path: ':memory:' }),
  invariant: noStoredResourceVersion,
});

describe('EmbeddedStore specifics', () => {
  test('the data directory is 0700 and the database and WAL files 0600 (created so, and tightened when looser)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kubelab-perm-'));
    const mode = (p: string) => statSync(p).mode & 0o777;
    const old = process.umask(0o022);
    try {
      const dir = join(root, 'data');
      prepareDataDir(dir);
      assert.equal(mode(dir), 0o700);
      const path = join(dir, 'kubelab.db');
      let store = new EmbeddedStore({ path });
      await store.create('/pods/ns/a', testObject('a'));
      assert.ok(existsSync(`${path}-wal`), 'WAL file exists while open');
      for (const f of readdirSync(dir)) assert.equal(mode(join(dir, f)), 0o600, `${f} is 0600`);
      await store.close();
      // A directory and files left looser (an older version, a copy) are tightened on the next start.
      chmodSync(dir, 0o755);
      chmodSync(path, 0o644);
      writeFileSync(`${path}-wal`, '');
      chmodSync(`${path}-wal`, 0o666);
      prepareDataDir(dir);
      store = new EmbeddedStore({ path });
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(path), 0o600);
      assert.equal(mode(`${path}-wal`), 0o600);
      assert.equal((await store.get('/pods/ns/a')).metadata.name, 'a');
      await store.close();
    } finally {
      process.umask(old);
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a second open of the same file fails while the first holds it', async () => {
    const path = tempPath();
    const first = new EmbeddedStore({ path });
    try {
      await first.create('/pods/ns/a', testObject('a'));
      assert.throws(
        () => new EmbeddedStore({ path }),
        (e: unknown) => isStorageError(e, 'Unavailable') && /another process/.test(e.message),
      );
      assert.equal((await first.get('/pods/ns/a')).metadata.name, 'a', 'the first handle keeps working');
    } finally {
      await first.close();
    }
    const again = new EmbeddedStore({ path });
    assert.equal((await again.get('/pods/ns/a')).metadata.name, 'a');
    await again.close();
  });

  test('a watcher that does not consume is dropped at the buffer limit, others keep going', async () => {
    const s = new EmbeddedStore({ path: ':memory:', watchBufferLimit: 10 });
    const ac = new AbortController();
    try {
      const slow = s.watch('/pods/', { revision: 0, signal: ac.signal })[Symbol.asyncIterator]();
      const fast = s.watch('/pods/', { revision: 0, signal: ac.signal })[Symbol.asyncIterator]();
      const fastSeen: StorageEvent[] = [];
      for (let i = 0; i < 25; i++) {
        await s.create(`/pods/ns/p${i}`, testObject(`p${i}`));
        const r = await fast.next();
        assert.equal(r.done, false);
        fastSeen.push(r.value as StorageEvent);
      }
      assert.equal(fastSeen.length, 25);
      await assert.rejects(slow.next(), (e: unknown) => isStorageError(e, 'Unavailable') && /fell more than 10 events behind/.test(e.message));
      assert.equal((await slow.next()).done, true, 'the dropped watcher stays ended');
      // The consumer can resume from the last revision it processed (none here): history replays fine.
      const resumed = s.watch('/pods/', { revision: 1, signal: ac.signal })[Symbol.asyncIterator]();
      const first = await resumed.next();
      assert.equal((first.value as StorageEvent).key, '/pods/ns/p1');
    } finally {
      ac.abort();
      await s.close();
    }
  });

  test('close ends open watches with Unavailable and later calls fail', async () => {
    const s = new EmbeddedStore({ path: ':memory:' });
    const ac = new AbortController();
    const it = s.watch('/pods/', { revision: 0, signal: ac.signal })[Symbol.asyncIterator]();
    const pending = it.next();
    await s.close();
    await assert.rejects(pending, (e: unknown) => isStorageError(e, 'Unavailable'));
    await assert.rejects(s.get('/pods/ns/a'), (e: unknown) => isStorageError(e, 'Unavailable'));
    ac.abort();
  });

  test('compaction of a long history keeps the newer history and the current state', async () => {
    const s = new EmbeddedStore({ path: ':memory:' });
    try {
      for (let i = 0; i < 12_000; i++) {
        await s.guaranteedUpdate(`/cm/ns/k${i % 100}`, (cur) => ({ ...(cur ?? testObject(`k${i % 100}`)), data: { i } }), {
          ignoreNotFound: true,
        });
      }
      const mid = 11_000;
      const before = await s.list('/cm/ns/', { revision: mid });
      await s.compact(mid);
      assert.deepEqual((await s.list('/cm/ns/', { revision: mid })).items, before.items);
      await assert.rejects(s.list('/cm/ns/', { revision: mid - 1 }), (e: unknown) => isStorageError(e, 'Expired'));
      const latest = await s.list('/cm/ns/');
      assert.equal(latest.items.length, 100);
      assert.equal(latest.revision, 12_000);
      assert.deepEqual(s.stats(), { revision: 12_000, compacted: mid, keys: 100, historyRows: 12_000 - mid }, 'history up to mid is gone');
    } finally {
      await s.close();
    }
  });

  test('a write acknowledged before kill -9 is on disk after reopen, whole', async () => {
    const path = tempPath();
    const ext = extname(fileURLToPath(import.meta.url));
    const child = spawn(process.execPath, [fileURLToPath(new URL(`./_crash-writer${ext}`, import.meta.url)), path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    const acked = new Map<string, { rv: number; marker: string }>();
    let lines = 0;
    let buf = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const [op, key, rv, marker] = line.split(' ');
          if (op === 'put' && key && rv && marker) {
            acked.set(key, { rv: Number(rv), marker });
            lines++;
          }
          // Kill mid-stream, after a good number of writes (overwrites included: 50 keys).
          if (lines === 400) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
    });
    await exited;
    assert.equal(child.signalCode, 'SIGKILL');

    const s = new EmbeddedStore({ path });
    try {
      const maxAcked = Math.max(...[...acked.values()].map((a) => a.rv));
      const rev = await s.currentRevision();
      assert.ok(rev >= maxAcked, `revision ${rev} must cover every acknowledged write (${maxAcked})`);
      const list = await s.list('/crash/ns/');
      const byKey = new Map(list.items.map((o) => [`/crash/ns/${o.metadata.name}`, o]));
      for (const [key, a] of acked) {
        const obj = byKey.get(key);
        assert.ok(obj, `acknowledged ${key} missing after kill -9`);
        const got = Number(obj.metadata.resourceVersion);
        // Writes after the last line we read may have landed too (acknowledged but not yet printed).
        assert.ok(got >= a.rv, `${key}: rv ${got} older than acknowledged ${a.rv}`);
        const data = obj.data as { marker: string; payload: string };
        if (got === a.rv) assert.equal(data.marker, a.marker);
        assert.equal(data.payload.length, 20_000, `${key}: value is whole`);
        assert.equal(data.payload, data.marker.repeat(Math.ceil(20_000 / data.marker.length)).slice(0, 20_000), `${key}: value is not mixed`);
      }
      // Revisions continue after the crash.
      const next = await s.create('/crash/ns/after', testObject('after'));
      assert.ok(Number(next.metadata.resourceVersion) > rev);
    } finally {
      await s.close();
    }
  });
});
