import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { streamEncodedList, streamList } from './response.ts';

type Writer = 'streamList' | 'streamEncodedList';

/** Serves one list response and returns the parsed body and the number of body chunks received. */
async function roundTrip(writer: Writer, head: Record<string, unknown>, items: KubeObject[]): Promise<{ body: unknown; chunks: number }> {
  const encoded = items.map((o) => {
    const text = JSON.stringify(o);
    return { text, byteLength: Buffer.byteLength(text) };
  });
  const server = createServer((_req, res) =>
    void (writer === 'streamList' ? streamList(res, head, items, (o) => JSON.stringify(o)) : streamEncodedList(res, head, encoded)),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    let chunks = 0;
    const parts: Uint8Array[] = [];
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      chunks++;
      parts.push(c);
    }
    return { body: JSON.parse(Buffer.concat(parts).toString('utf8')), chunks };
  } finally {
    server.close();
  }
}

const obj = (name: string, note = ''): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations: { note } } });

for (const writer of ['streamList', 'streamEncodedList'] as const)
describe(writer, () => {
  it('writes head and items as one JSON document across many chunks', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => obj(`p-${i}`, 'x'.repeat(i % 300)));
    const { body, chunks } = await roundTrip(writer, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' } }, items);
    assert.deepEqual(body, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items });
    assert.ok(chunks > 3, `streamed in pieces (${chunks})`);
  });

  it('keeps multi-byte characters intact at chunk edges, and writes items larger than a chunk', async () => {
    const items = [
      ...Array.from({ length: 500 }, (_, i) => obj(`u-${i}`, 'żółw 🐢 日本語 '.repeat(1 + (i % 40)))),
      obj('huge', '€'.repeat(100_000)),
      obj('after-huge', 'ok'),
    ];
    const { body } = await roundTrip(writer, { kind: 'PodList', apiVersion: 'v1', metadata: {} }, items);
    assert.deepEqual(body, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
  });

  it('an empty list and a list that ends exactly at a chunk edge are well formed', async () => {
    assert.deepEqual((await roundTrip(writer, { kind: 'PodList', metadata: {} }, [])).body, { kind: 'PodList', metadata: {}, items: [] });
    // Items sized so the buffer fills to its last bytes before the closing brackets.
    for (let pad = 0; pad < 40; pad++) {
      const items = Array.from({ length: 60 }, (_, i) => obj(`e-${i}`, 'y'.repeat(1000 + pad)));
      assert.deepEqual((await roundTrip(writer, { kind: 'PodList' }, items)).body, { kind: 'PodList', items });
    }
  });

  it('a list whose bytes end on every offset around the chunk size is well formed', async () => {
    const edge = writer === 'streamList' ? 64 * 1024 : 128 * 1024;
    const fill = Array.from({ length: Math.floor(edge / 1100) }, (_, i) => obj(`f-${i}`, 'z'.repeat(1000)));
    const base = JSON.stringify({ kind: 'PodList', items: [...fill, obj('last')] }).length;
    // The last item's size moves the end of the document across the chunk edge one byte at a time.
    for (let end = edge - 6; end <= edge + 6; end++) {
      const items = [...fill, obj('last', 'q'.repeat(end - base))];
      const expected = { kind: 'PodList', items };
      assert.deepEqual((await roundTrip(writer, { kind: 'PodList' }, items)).body, expected, `document of ${JSON.stringify(expected).length} bytes`);
    }
  });
});

describe('addWarnings', () => {
  /** Serves one response with the given warnings added, and returns the raw Warning header bytes per value. */
  async function warningsOf(...batches: string[][]): Promise<{ status: number; values: Buffer[] }> {
    const { addWarnings: add, writeJSON } = await import('./response.ts');
    const server = createServer((_req, res) => {
      for (const b of batches) add(res, b);
      writeJSON(res, 200, '{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { request } = await import('node:http');
      return await new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/' }, (res) => {
          const values: Buffer[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if (res.rawHeaders[i]!.toLowerCase() === 'warning') values.push(Buffer.from(res.rawHeaders[i + 1]!, 'latin1'));
          }
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, values }));
        });
        req.on('error', reject);
        req.end();
      });
    } finally {
      server.close();
    }
  }

  it('writes non-Latin-1 text as its UTF-8 bytes (what Go sends), quotes escaped', async () => {
    const { status, values } = await warningsOf(['unknown field "spec.ключ☃"', 'back\\slash']);
    assert.equal(status, 200);
    assert.deepEqual(values.map((v) => v.toString('utf8')), ['299 - "unknown field \\"spec.ключ☃\\""', '299 - "back\\\\slash"']);
  });

  it('drops duplicates and text kube refuses (control characters, invalid UTF-8)', async () => {
    const { values } = await warningsOf(['a', 'a', 'line\nbreak', 'lone \ud800 surrogate', 'b'], ['a']);
    assert.deepEqual(values.map((v) => v.toString('utf8')), ['299 - "a"', '299 - "b"']);
  });

  it('past 4096 runes in all, every warning is cut to 256 runes', async () => {
    const long = (c: string) => c.repeat(3000);
    const { values } = await warningsOf([long('x'), 'short', long('ü')]);
    assert.deepEqual(values.map((v) => v.toString('utf8')), [`299 - "${'x'.repeat(256)}"`, '299 - "short"', `299 - "${'ü'.repeat(256)}"`]);
  });
});
