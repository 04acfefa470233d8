import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  findTailLineStart,
  parseCriLogLine,
  readContainerLogs,
  renderCriLog,
  type ReadLogsOptions,
} from './cri-log.ts';
import { formatFixedNano, parseRfc3339Nano } from '../../shared/util/time-format.ts';

const LOG = [
  '2026-01-02T03:04:05.1Z stdout F one',
  '2026-01-02T03:04:06.000000002Z stderr F two',
  '2026-01-02T03:04:07.123456789Z stdout P thr',
  '2026-01-02T03:04:07.200000000Z stdout P e',
  '2026-01-02T03:04:07.300000000Z stdout F e',
  '2026-01-02T03:04:08Z stdout F four',
  '',
].join('\n');

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kubelab-crilog-'));
}

describe('parseCriLogLine', () => {
  test('time, stream, tag and text; a partial record loses its newline, a full one keeps it', () => {
    const p = parseCriLogLine(Buffer.from('2026-01-02T03:04:07.123456789Z stdout P thr\n'));
    assert.equal(p.stream, 'stdout');
    assert.equal(p.partial, true);
    assert.equal(p.log.toString(), 'thr');
    assert.equal(p.time, '2026-01-02T03:04:07.123456789Z');
    const f = parseCriLogLine(Buffer.from('2026-01-02T03:04:05Z stderr F a b  c\n'));
    assert.equal(f.stream, 'stderr');
    assert.equal(f.partial, false);
    assert.equal(f.log.toString(), 'a b  c\n');
    // Extra tags after ':' are ignored; an empty full line is just the newline.
    assert.equal(parseCriLogLine(Buffer.from('2026-01-02T03:04:05Z stdout F:x \n')).log.toString(), '\n');
  });

  test('rejects what is not CRI format', () => {
    assert.throws(() => parseCriLogLine(Buffer.from('hello world\n')), /timestamp/);
    assert.throws(() => parseCriLogLine(Buffer.from('2026-01-02T03:04:05Z stdin F x\n')), /stream type/);
    assert.throws(() => parseCriLogLine(Buffer.from('2026-01-02T03:04:05Z stdout F\n')), /tag/);
  });

  test('times: fixed 9-digit fraction as kubelet prints them; ns precision for comparisons', () => {
    assert.equal(parseRfc3339Nano('2026-01-02T03:04:05.1Z')?.fixed, '2026-01-02T03:04:05.100000000Z');
    assert.equal(parseRfc3339Nano('2026-01-02T03:04:05Z')?.fixed, '2026-01-02T03:04:05.000000000Z');
    assert.equal(parseRfc3339Nano('2026-01-02T03:04:05.5+00:00')?.fixed, '2026-01-02T03:04:05.500000000Z');
    assert.equal(parseRfc3339Nano('2026-01-02T03:04:05+02:00')?.fixed, '2026-01-02T03:04:05.000000000+02:00');
    const a = parseRfc3339Nano('2026-01-02T03:04:05.000000001Z')!.ns;
    const b = parseRfc3339Nano('2026-01-02T03:04:05.000000002Z')!.ns;
    assert.equal(b - a, 1n);
    assert.equal(parseRfc3339Nano('2026-01-02T01:04:05Z')!.ns, parseRfc3339Nano('2026-01-02T03:04:05+02:00')!.ns);
    assert.equal(formatFixedNano(b), '2026-01-02T03:04:05.000000002Z');
    assert.equal(parseRfc3339Nano('yesterday'), undefined);
  });
});

describe('renderCriLog (kubelet ReadLogs semantics)', () => {
  test('joins partial records; stdout and stderr interleave in file order', () => {
    assert.equal(renderCriLog(LOG).toString(), 'one\ntwo\nthree\nfour\n');
  });

  test('timestamps: one prefix per logical line, from its first record', () => {
    assert.equal(
      renderCriLog(LOG, { timestamps: true }).toString(),
      [
        '2026-01-02T03:04:05.100000000Z one',
        '2026-01-02T03:04:06.000000002Z two',
        '2026-01-02T03:04:07.123456789Z three',
        '2026-01-02T03:04:08.000000000Z four',
        '',
      ].join('\n'),
    );
  });

  test('tailLines counts file records (kubelet), not joined lines', () => {
    assert.equal(renderCriLog(LOG, { tailLines: 1 }).toString(), 'four\n');
    assert.equal(renderCriLog(LOG, { tailLines: 2 }).toString(), 'e\nfour\n');
    assert.equal(renderCriLog(LOG, { tailLines: 0 }).toString(), '');
    assert.equal(renderCriLog(LOG, { tailLines: 100 }).toString(), 'one\ntwo\nthree\nfour\n');
  });

  test('since skips older records (ns precision)', () => {
    const since = parseRfc3339Nano('2026-01-02T03:04:06.000000002Z')!.ns;
    assert.equal(renderCriLog(LOG, { sinceNs: since }).toString(), 'two\nthree\nfour\n');
    assert.equal(renderCriLog(LOG, { sinceNs: since + 1n }).toString(), 'three\nfour\n');
  });

  test('limitBytes cuts the output, prefixes included', () => {
    assert.equal(renderCriLog(LOG, { limitBytes: 6 }).toString(), 'one\ntw');
    assert.equal(renderCriLog(LOG, { limitBytes: 1 }).toString(), 'o');
    assert.equal(renderCriLog(LOG, { limitBytes: 35, timestamps: true }).toString(), '2026-01-02T03:04:05.100000000Z one\n');
  });

  test('stream selects stdout or stderr without charging the other against limitBytes', () => {
    assert.equal(renderCriLog(LOG, { stream: 'Stderr' }).toString(), 'two\n');
    assert.equal(renderCriLog(LOG, { stream: 'Stdout' }).toString(), 'one\nthree\nfour\n');
    assert.equal(renderCriLog(LOG, { stream: 'Stdout', limitBytes: 8 }).toString(), 'one\nthre');
  });

  test('lines that are not CRI format are skipped', () => {
    assert.equal(renderCriLog(`garbage\n${LOG}`).toString(), 'one\ntwo\nthree\nfour\n');
  });
});

describe('findTailLineStart', () => {
  test('offset of the n-th last line, as kubelet pkg/util/tail', async () => {
    const dir = tmpdir();
    const f = path.join(dir, 'x.log');
    fs.writeFileSync(f, 'a\nbb\nccc\n');
    const fh = await fsp.open(f, 'r');
    try {
      assert.equal(await findTailLineStart(fh, -1), 0);
      assert.equal(await findTailLineStart(fh, 0), 9);
      assert.equal(await findTailLineStart(fh, 1), 5);
      assert.equal(await findTailLineStart(fh, 2), 2);
      assert.equal(await findTailLineStart(fh, 3), 0);
      assert.equal(await findTailLineStart(fh, 10), 0);
    } finally {
      await fh.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('works across read blocks', async () => {
    const dir = tmpdir();
    const f = path.join(dir, 'big.log');
    const line = `${'x'.repeat(999)}\n`;
    fs.writeFileSync(f, line.repeat(200));
    const fh = await fsp.open(f, 'r');
    try {
      assert.equal(await findTailLineStart(fh, 150), 50 * 1000);
    } finally {
      await fh.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function collect(file: string, opts: ReadLogsOptions, ctl: Parameters<typeof readContainerLogs>[3] = {}): Promise<string> {
  const chunks: Buffer[] = [];
  await readContainerLogs(file, opts, (c) => void chunks.push(c), ctl);
  return Buffer.concat(chunks).toString();
}

describe('readContainerLogs', () => {
  test('reads a file like renderCriLog does, including the tail limit', async () => {
    const dir = tmpdir();
    const f = path.join(dir, '0.log');
    fs.writeFileSync(f, LOG);
    try {
      assert.equal(await collect(f, {}), 'one\ntwo\nthree\nfour\n');
      assert.equal(await collect(f, { tailLines: 2, timestamps: true }), '2026-01-02T03:04:07.300000000Z e\n2026-01-02T03:04:08.000000000Z four\n');
      assert.equal(await collect(f, { limitBytes: 6 }), 'one\ntw');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a last line without its newline is still output when not following', async () => {
    const dir = tmpdir();
    const f = path.join(dir, '0.log');
    fs.writeFileSync(f, '2026-01-02T03:04:05Z stdout F one\n2026-01-02T03:04:06Z stdout F two');
    try {
      assert.equal(await collect(f, {}), 'one\ntwo');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing file is an error', async () => {
    await assert.rejects(collect('/nonexistent/kubelab/0.log', {}), /failed to try resolving symlinks/);
  });

  test('follow: new records arrive; it ends after the container stopped and the file is drained', async () => {
    const dir = tmpdir();
    const f = path.join(dir, '0.log');
    fs.writeFileSync(f, '2026-01-02T03:04:05Z stdout F one\n');
    let runningNow = true;
    const got: string[] = [];
    let seen: () => void = () => undefined;
    const done = readContainerLogs(
      f,
      { follow: true },
      (c) => {
        got.push(c.toString());
        seen();
      },
      { isRunning: async () => runningNow, forceCheckMs: 50 },
    );
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`never saw ${JSON.stringify(text)} in ${JSON.stringify(got.join(''))}`)), 5000);
        const check = () => {
          if (got.join('').includes(text)) {
            clearTimeout(t);
            resolve();
          }
        };
        seen = check;
        check();
      });
    try {
      await waitFor('one\n');
      // A record written in two pieces is only output once complete.
      fs.appendFileSync(f, '2026-01-02T03:04:06Z stdout F tw');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(got.join(''), 'one\n');
      fs.appendFileSync(f, 'o\n');
      await waitFor('two\n');
      // The container stops; what it wrote last is still delivered, then the read ends.
      fs.appendFileSync(f, '2026-01-02T03:04:07Z stdout F three\n');
      runningNow = false;
      await done;
      assert.equal(got.join(''), 'one\ntwo\nthree\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('follow with tailLines starts at the tail and keeps going', async () => {
    const dir = tmpdir();
    const f = path.join(dir, '0.log');
    fs.writeFileSync(f, LOG);
    let runningNow = true;
    const chunks: Buffer[] = [];
    const done = readContainerLogs(f, { follow: true, tailLines: 1 }, (c) => void chunks.push(c), { isRunning: async () => runningNow, forceCheckMs: 30 });
    await new Promise((r) => setTimeout(r, 100));
    fs.appendFileSync(f, '2026-01-02T03:04:09Z stdout F five\n');
    await new Promise((r) => setTimeout(r, 150));
    runningNow = false;
    await done;
    assert.equal(Buffer.concat(chunks).toString(), 'four\nfive\n');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('follow: a re-created (rotated) file is read from its start', async () => {
    const dir = tmpdir();
    const f = path.join(dir, '0.log');
    fs.writeFileSync(f, '2026-01-02T03:04:05Z stdout F old\n');
    let runningNow = true;
    const chunks: Buffer[] = [];
    const done = readContainerLogs(f, { follow: true }, (c) => void chunks.push(c), { isRunning: async () => runningNow, forceCheckMs: 30 });
    await new Promise((r) => setTimeout(r, 100));
    fs.renameSync(f, `${f}.1`);
    fs.writeFileSync(f, '2026-01-02T03:04:06Z stdout F new\n');
    await new Promise((r) => setTimeout(r, 300));
    runningNow = false;
    await done;
    assert.equal(Buffer.concat(chunks).toString(), 'old\nnew\n');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('follow ends when the client goes away (signal)', async () => {
    const dir = tmpdir();
    const f = path.join(dir, '0.log');
    fs.writeFileSync(f, LOG);
    const ac = new AbortController();
    const done = readContainerLogs(f, { follow: true }, () => undefined, { isRunning: async () => true, forceCheckMs: 10_000, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await done;
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
