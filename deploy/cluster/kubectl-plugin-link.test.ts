import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkKubectlPlugin } from './kubectl-plugin-link.ts';

function scratch(): { dir: string; root: string; link: string; lines: string[]; out: (l: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-link-'));
  const root = join(dir, 'checkout');
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'bin', 'kubectl-anatomy'), '#!/bin/sh\n');
  const lines: string[] = [];
  return { dir, root, link: join(dir, 'kubectl-anatomy'), lines, out: (l) => lines.push(l) };
}

test('an absent link is made; a second run finds it present and says nothing', (t) => {
  const s = scratch();
  t.after(() => rmSync(s.dir, { recursive: true, force: true }));
  assert.equal(linkKubectlPlugin(s.root, s.out, s.link), 'linked');
  assert.equal(readlinkSync(s.link), join(s.root, 'bin', 'kubectl-anatomy'));
  assert.deepEqual(s.lines, [`kubectl anatomy: linked ${s.link} -> ${join(s.root, 'bin', 'kubectl-anatomy')}`]);
  assert.equal(linkKubectlPlugin(s.root, s.out, s.link), 'present');
  assert.equal(s.lines.length, 1);
});

test('a stale link to a removed checkout is replaced; another live checkout\'s launcher is kept', (t) => {
  const s = scratch();
  t.after(() => rmSync(s.dir, { recursive: true, force: true }));
  symlinkSync(join(s.dir, 'gone', 'bin', 'kubectl-anatomy'), s.link);
  assert.equal(linkKubectlPlugin(s.root, s.out, s.link), 'linked');
  assert.equal(readlinkSync(s.link), join(s.root, 'bin', 'kubectl-anatomy'));
  rmSync(s.link);
  const other = join(s.dir, 'other');
  mkdirSync(join(other, 'bin'), { recursive: true });
  writeFileSync(join(other, 'bin', 'kubectl-anatomy'), '#!/bin/sh\n');
  symlinkSync(join(other, 'bin', 'kubectl-anatomy'), s.link);
  assert.equal(linkKubectlPlugin(s.root, s.out, s.link), 'present');
  assert.equal(readlinkSync(s.link), join(other, 'bin', 'kubectl-anatomy'));
});

test('what is not ours is left alone with a hint; a link that cannot be made prints one too', (t) => {
  const s = scratch();
  t.after(() => rmSync(s.dir, { recursive: true, force: true }));
  writeFileSync(s.link, 'someone else\'s');
  assert.equal(linkKubectlPlugin(s.root, s.out, s.link), 'left-alone');
  assert.equal(readFileSync(s.link, 'utf8'), 'someone else\'s');
  assert.match(s.lines[0] ?? '', /exists and is not kubelab's plugin; left alone \(put .*\/checkout\/bin on your PATH, or run: ln -sfn /);
  rmSync(s.link);
  symlinkSync('/usr/bin/true', s.link);
  assert.equal(linkKubectlPlugin(s.root, s.out, s.link), 'left-alone');
  assert.equal(readlinkSync(s.link), '/usr/bin/true');
  const missingDir = join(s.dir, 'no-such-dir', 'kubectl-anatomy');
  assert.equal(linkKubectlPlugin(s.root, s.out, missingDir), 'failed');
  assert.match(s.lines.at(-1) ?? '', /^kubectl anatomy: cannot link .*no-such-dir\/kubectl-anatomy \(ENOENT\): put /);
});
