import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status, WatchEvent } from '../api/meta.ts';
import { decodeWatchStream, WatchDecoder } from './watch-decoder.ts';

const ev = (type: string, name: string, rv: string) => JSON.stringify({ type, object: { kind: 'Pod', apiVersion: 'v1', metadata: { name, resourceVersion: rv } } });

function names(events: WatchEvent[]): string[] {
  return events.map((e) => (e.type === 'ERROR' ? `ERROR:${(e.object as Status).code}` : `${e.type}:${(e.object as { metadata: { name: string } }).metadata.name}`));
}

test('several events in one chunk', () => {
  const d = new WatchDecoder();
  const out = d.push(`${ev('ADDED', 'a', '1')}\n${ev('MODIFIED', 'a', '2')}\n${ev('DELETED', 'a', '3')}\n`);
  assert.deepEqual(names(out), ['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
  assert.deepEqual(d.end(), []);
});

test('an event split across chunks at every possible byte', () => {
  const line = `${ev('ADDED', 'héllo-ünïcode', '7')}\n`;
  const bytes = Buffer.from(line, 'utf8');
  for (let cut = 1; cut < bytes.length; cut++) {
    const d = new WatchDecoder();
    const first = d.push(bytes.subarray(0, cut));
    const second = d.push(bytes.subarray(cut));
    assert.deepEqual(first, [], `cut at ${cut}`);
    assert.deepEqual(names(second), ['ADDED:héllo-ünïcode'], `cut at ${cut}`);
  }
});

test('an event split over many one-byte chunks, followed by another in the last chunk', () => {
  const d = new WatchDecoder();
  const line = `${ev('ADDED', 'a', '1')}\n`;
  const out: WatchEvent[] = [];
  for (const ch of line.slice(0, -1)) out.push(...d.push(ch));
  assert.equal(out.length, 0);
  out.push(...d.push(`\n${ev('BOOKMARK', 'b', '9')}\n`));
  assert.deepEqual(names(out), ['ADDED:a', 'BOOKMARK:b']);
});

test('a bad line becomes an ERROR event and decoding continues', () => {
  const d = new WatchDecoder();
  const out = d.push(`${ev('ADDED', 'a', '1')}\n{not json\n${ev('ADDED', 'b', '2')}\n`);
  assert.deepEqual(names(out), ['ADDED:a', 'ERROR:500', 'ADDED:b']);
  const status = out[1]?.object as Status;
  assert.equal(status.kind, 'Status');
  assert.equal(status.reason, 'InternalError');
  assert.match(status.message ?? '', /not valid JSON/);
  assert.match(status.message ?? '', /\{not json/);
});

test('valid JSON that is not an event becomes an ERROR event', () => {
  const d = new WatchDecoder();
  const out = d.push('[1,2]\n{"type":"EXPLODED","object":{}}\n{"type":"ADDED"}\n"str"\n');
  assert.deepEqual(names(out), ['ERROR:500', 'ERROR:500', 'ERROR:500', 'ERROR:500']);
  assert.match((out[1]?.object as Status).message ?? '', /type is invalid: "EXPLODED"/);
  assert.match((out[2]?.object as Status).message ?? '', /object is not a JSON object/);
});

test('blank lines and CRLF line ends are tolerated', () => {
  const d = new WatchDecoder();
  const out = d.push(`\n\n${ev('ADDED', 'a', '1')}\r\n\r\n${ev('ADDED', 'b', '2')}\n`);
  assert.deepEqual(names(out), ['ADDED:a', 'ADDED:b']);
});

test('a final event without a newline is decoded at end()', () => {
  const d = new WatchDecoder();
  assert.deepEqual(d.push(ev('ADDED', 'a', '1')), []);
  assert.deepEqual(names(d.end()), ['ADDED:a']);
});

test('a truncated final line is reported, not dropped', () => {
  const d = new WatchDecoder();
  d.push('{"type":"ADDED","object":{"metadata"');
  assert.deepEqual(names(d.end()), ['ERROR:500']);
});

test('an ERROR event from the server passes through with its Status', () => {
  const d = new WatchDecoder();
  const line = JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 } });
  const out = d.push(`${line}\n`);
  assert.equal(out.length, 1);
  assert.equal((out[0]?.object as Status).code, 410);
  assert.equal((out[0]?.object as Status).reason, 'Expired');
});

test('an oversized line becomes one ERROR event and the next line still decodes', () => {
  const d = new WatchDecoder({ maxLineBytes: 120 });
  const big = `{"type":"ADDED","object":{"pad":"${'x'.repeat(200)}"}}`;
  const out = [...d.push(big.slice(0, 100)), ...d.push(big.slice(100, 150)), ...d.push(big.slice(150)), ...d.push(`\n${ev('ADDED', 'ok', '1')}\n`)];
  assert.deepEqual(names(out), ['ERROR:500', 'ADDED:ok']);
  assert.match((out[0]?.object as Status).message ?? '', /exceeds 120 bytes/);
});

test('decodeWatchStream decodes an async stream of chunks', async () => {
  const body = `${ev('ADDED', 'a', '1')}\n${ev('MODIFIED', 'a', '2')}\n`;
  const cut = body.indexOf('MODIFIED') + 3;
  async function* chunks() {
    yield Buffer.from(body.slice(0, cut));
    yield Buffer.from(body.slice(cut));
  }
  const got: WatchEvent[] = [];
  for await (const e of decodeWatchStream(chunks())) got.push(e);
  assert.deepEqual(names(got), ['ADDED:a', 'MODIFIED:a']);
});
