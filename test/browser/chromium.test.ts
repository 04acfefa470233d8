import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumArgs, findChromium, pngSize, PNG_SIGNATURE, withTimeout } from './chromium.ts';

test('findChromium: a missing browser fails naming the install command', () => {
  assert.throws(
    () => findChromium({ env: {}, candidates: ['/nonexistent/chromium'] }),
    (err: Error) => err.message.includes('apt-get install -y chromium') && err.message.includes('/nonexistent/chromium'),
  );
});

test('findChromium: KUBELAB_CHROMIUM overrides the candidates and must exist', () => {
  assert.equal(findChromium({ env: { KUBELAB_CHROMIUM: '/bin/sh' }, candidates: ['/nonexistent'] }), '/bin/sh');
  assert.throws(() => findChromium({ env: { KUBELAB_CHROMIUM: '/nonexistent/chromium' }, candidates: ['/bin/sh'] }), /apt-get install -y chromium/);
});

test('chromiumArgs: headless, no sandbox, no GPU, the window size', () => {
  const args = chromiumArgs({ width: 800, height: 600 });
  for (const a of ['--headless', '--no-sandbox', '--disable-gpu', '--window-size=800,600']) assert.ok(args.includes(a), a);
});

test('pngSize reads IHDR and refuses what is not a PNG', () => {
  const ihdr = Buffer.alloc(25);
  PNG_SIGNATURE.copy(ihdr, 0);
  ihdr.writeUInt32BE(13, 8);
  ihdr.write('IHDR', 12, 'latin1');
  ihdr.writeUInt32BE(1280, 16);
  ihdr.writeUInt32BE(800, 20);
  assert.deepEqual(pngSize(ihdr), { width: 1280, height: 800 });
  assert.throws(() => pngSize(Buffer.from('<html>')), /not a PNG/);
});

test('withTimeout rejects naming what timed out', async () => {
  await assert.rejects(withTimeout(new Promise(() => undefined), 20, 'waiting for nothing'), /timed out waiting for nothing after 20 ms/);
  assert.equal(await withTimeout(Promise.resolve(7), 20, 'x'), 7);
});
