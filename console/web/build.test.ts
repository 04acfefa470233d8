import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsoleWeb } from './build.ts';

test('the bundle: index.html points at hashed JS and CSS under /assets/ that exist, nothing from the network', async () => {
  const out = mkdtempSync(join(tmpdir(), 'console-web-'));
  try {
    const r = await buildConsoleWeb({ outDir: out, typecheck: false });
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const js = /<script type="module" src="\/assets\/(main-[A-Z0-9]+\.js)"><\/script>/.exec(html)?.[1];
    const css = /<link rel="stylesheet" href="\/assets\/(main-[A-Z0-9]+\.css)">/.exec(html)?.[1];
    assert.ok(js, `no hashed script in ${html}`);
    assert.ok(css, `no hashed stylesheet in ${html}`);
    assert.ok(existsSync(join(out, 'assets', js)));
    assert.ok(existsSync(join(out, 'assets', css)));
    assert.ok(r.files.includes('index.html'));
    const bundle = readFileSync(join(out, 'assets', js), 'utf8');
    const styles = readFileSync(join(out, 'assets', css), 'utf8');
    assert.doesNotMatch(html + styles, /https?:\/\//, 'no CDN, no web fonts');
    assert.doesNotMatch(styles, /@import|@font-face/);
    assert.match(bundle, /__kubelabConsole/, 'the test hook is in the bundle');
    assert.match(bundle, /X-Kubelab-Console/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
