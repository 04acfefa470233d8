import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeClock } from '../../shared/util/clock.ts';
import { AtomicWriter, validatePath, type Payload } from './atomic-writer.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-atomic-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function newDir(): string {
  const d = path.join(tmp, `v${n++}`);
  fs.mkdirSync(d);
  return d;
}

const file = (text: string, mode = 0o644) => ({ data: Buffer.from(text), mode });
const payload = (o: Record<string, { data: Uint8Array; mode: number }>): Payload => new Map(Object.entries(o));
const mode = (p: string) => fs.statSync(p).mode & 0o7777;

test('layout: a timestamped data dir, ..data pointing at it, one key -> ..data/key link per top-level path', async () => {
  const dir = newDir();
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 17, 2, 29));
  const w = new AtomicWriter(dir, { clock });
  assert.equal(await w.write(payload({ username: file('admin'), password: file('s3cr3t', 0o400), 'conf/app.yaml': file('a: 1\n') })), true);
  const entries = fs.readdirSync(dir).sort();
  const ts = entries.find((e) => e.startsWith('..2026'));
  assert.match(ts ?? '', /^\.\.2026_12_07_17_02_29\.\d+$/, 'the data dir is named after the UTC time of the write');
  assert.deepEqual(entries, [ts, '..data', 'conf', 'password', 'username'].sort());
  assert.equal(fs.readlinkSync(path.join(dir, '..data')), ts);
  assert.equal(fs.readlinkSync(path.join(dir, 'username')), '..data/username');
  assert.equal(fs.readlinkSync(path.join(dir, 'conf')), '..data/conf', 'nested paths are reached through their top-level link');
  assert.equal(fs.readFileSync(path.join(dir, 'username'), 'utf8'), 'admin');
  assert.equal(fs.readFileSync(path.join(dir, 'conf', 'app.yaml'), 'utf8'), 'a: 1\n');
  assert.equal(mode(path.join(dir, ts ?? '')), 0o755);
  assert.equal(mode(path.join(dir, 'username')), 0o644);
  assert.equal(mode(path.join(dir, 'password')), 0o400, 'the mode is set whatever the umask');
  assert.ok(fs.lstatSync(path.join(dir, '..data')).isSymbolicLink());
});

test('an update writes a new data dir, swaps ..data, drops removed keys and the old dir; no change writes nothing', async () => {
  const dir = newDir();
  const w = new AtomicWriter(dir);
  await w.write(payload({ a: file('1'), b: file('2') }));
  const first = fs.readlinkSync(path.join(dir, '..data'));
  const inode = fs.statSync(path.join(dir, 'a')).ino;
  assert.equal(await w.write(payload({ a: file('1'), b: file('2') })), false, 'same content: no write');
  assert.equal(fs.readlinkSync(path.join(dir, '..data')), first);
  assert.equal(fs.statSync(path.join(dir, 'a')).ino, inode);

  assert.equal(await w.write(payload({ a: file('one'), c: file('3') })), true);
  const second = fs.readlinkSync(path.join(dir, '..data'));
  assert.notEqual(second, first);
  assert.equal(fs.existsSync(path.join(dir, first)), false, 'the old data dir is removed');
  assert.equal(fs.existsSync(path.join(dir, '..data_tmp')), false);
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'one');
  assert.equal(fs.readFileSync(path.join(dir, 'c'), 'utf8'), '3');
  assert.equal(fs.existsSync(path.join(dir, 'b')), false, 'a key no longer in the payload disappears');
  assert.throws(() => fs.lstatSync(path.join(dir, 'b')), /ENOENT/, 'its link too');
  assert.deepEqual(fs.readdirSync(dir).filter((e) => e.startsWith('..')).sort(), [second, '..data'].sort());

  assert.equal(await w.write(payload({ a: file('one', 0o600), c: file('3') })), true, 'a mode change is a change');
  assert.equal(mode(path.join(dir, 'a')), 0o600);

  assert.equal(await w.write(payload({})), true);
  assert.deepEqual(fs.readdirSync(dir).filter((e) => !e.startsWith('..')), [], 'an empty payload leaves no visible files');
});

test('a reader holding the old ..data keeps reading whole files while the writer swaps', async () => {
  const dir = newDir();
  const w = new AtomicWriter(dir);
  await w.write(payload({ k: file('v1') }));
  for (let i = 2; i <= 20; i++) {
    await w.write(payload({ k: file(`v${i}`) }));
    assert.equal(fs.readFileSync(path.join(dir, 'k'), 'utf8'), `v${i}`);
  }
  assert.equal(fs.readdirSync(dir).filter((e) => /^\.\.\d/.test(e)).length, 1, 'exactly one data dir remains');
});

test('paths are validated before anything is written, with kubelet wording', async () => {
  assert.throws(() => validatePath(''), /invalid path: must not be empty/);
  assert.throws(() => validatePath('/etc/passwd'), /invalid path: must be relative path: \/etc\/passwd/);
  assert.throws(() => validatePath('a/../../b'), /invalid path: must not contain '\.\.': a\/\.\.\/\.\.\/b/);
  assert.throws(() => validatePath('..'), /must not contain '\.\.'/);
  assert.throws(() => validatePath('..data'), /invalid path: must not start with '\.\.': \.\.data/);
  assert.throws(() => validatePath('x'.repeat(256)), /filenames must be less than or equal to 255 characters/);
  assert.throws(() => validatePath('a/'.repeat(2100)), /must be less than or equal to 4096 characters/);
  validatePath('a/..b/c');
  validatePath('.hidden');
  const dir = newDir();
  const w = new AtomicWriter(dir);
  await assert.rejects(w.write(payload({ ok: file('x'), '../escape': file('y') })), /must not contain '\.\.'/);
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing was written');
  assert.equal(fs.existsSync(path.join(tmp, 'escape')), false);
});
