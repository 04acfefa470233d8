/**
 * The browser harness in a real Chromium, against a small loopback server that plays the console's sign-in
 * protocol (401 login page reading `#token=`, POST /login, cookie, reload into the app).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { until } from '../integration/framework/until.ts';
import { launchChromium, openPage, pngSize, saveScreenshot, signInToConsole, waitForGone, waitForSelector, waitInPage, type TestBrowser } from './chromium.ts';

declare const document: { querySelectorAll(s: string): { length: number }; title: string };
declare const matchMedia: (q: string) => { matches: boolean };

const TOKEN = 'tok-' + 'x'.repeat(40);
const loginPage = `<!doctype html><title>login</title><script>
const m = location.hash.match(/token=([^&]+)/);
if (m) fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: decodeURIComponent(m[1]) }) })
  .then((r) => { if (r.ok) { history.replaceState(null, '', location.pathname); location.reload(); } });
</script>`;
const appPage = `<!doctype html><title>app</title><div data-testid="app"></div><ul id="list"></ul><script>
let n = 0;
const t = setInterval(() => { const li = document.createElement('li'); li.className = 'row'; document.getElementById('list').append(li); if (++n === 3) { clearInterval(t); setTimeout(() => document.querySelectorAll('.row')[0].remove(), 100); } }, 50);
</script>`;

let server: Server;
let base: string;
let browser: TestBrowser;
const logins: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/login') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const token = (JSON.parse(body) as { token: string }).token;
        logins.push(token);
        if (token !== TOKEN) return void res.writeHead(401).end();
        res.writeHead(204, { 'set-cookie': 'session=s1; HttpOnly; SameSite=Strict; Path=/' }).end();
      });
      return;
    }
    if (req.url?.includes('token')) logins.push(`leaked in URL: ${req.url}`);
    const signedIn = (req.headers.cookie ?? '').includes('session=s1');
    res.writeHead(signedIn ? 200 : 401, { 'content-type': 'text/html' }).end(signedIn ? appPage : loginPage);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium({ width: 900, height: 600 });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

test('chromium: openPage reports the status; a 401 fails unless allowed', async () => {
  const page = await browser.newPage();
  await assert.rejects(openPage(page, base), /answered 401/);
  assert.equal(await openPage(page, base, { allowStatus: [401] }), 401);
  assert.equal(await page.title(), 'login');
  await page.close();
});

test('chromium: sign-in through #token= lands in the app, token out of the address bar and never in a URL', async () => {
  const page = await browser.newPage();
  await signInToConsole(page, base, TOKEN);
  assert.deepEqual(logins, [TOKEN]);
  assert.equal(page.url(), base);
  // The app's rows come and one goes: the bounded waits see both.
  await waitInPage(page, 'three rows', (s: string) => document.querySelectorAll(s).length >= 3, ['.row']);
  await waitInPage(page, 'a row removed', (s: string) => document.querySelectorAll(s).length === 2, ['.row']);
  await page.close();
});

test('chromium: waits are bounded and name what they waited for', async () => {
  const page = await browser.newPage();
  await openPage(page, base, { allowStatus: [401] });
  const t0 = Date.now();
  await assert.rejects(waitForSelector(page, '#never', { what: 'the never element', timeoutMs: 300 }), /timed out after 300 ms waiting for the never element/);
  assert.ok(Date.now() - t0 < 5_000);
  await assert.rejects(waitForGone(page, 'script', { what: 'the script', timeoutMs: 200 }), /waiting for the script to go/);
  await page.close();
});

test('chromium: screenshots are PNGs of the viewport; the light scheme is emulated', async () => {
  const page = await browser.newPage();
  await openPage(page, base, { allowStatus: [401] });
  assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: light)').matches), true);
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-shot-'));
  try {
    const file = join(dir, 'sub', 'shot.png');
    assert.deepEqual(await saveScreenshot(page, file), { width: 900, height: 600 });
    assert.deepEqual(pngSize(readFileSync(file)), { width: 900, height: 600 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await page.close();
});

test('chromium: close ends the browser process and removes its profile', async () => {
  const b = await launchChromium();
  const proc = b.browser.process();
  assert.ok(proc?.pid);
  assert.ok(existsSync(b.userDataDir));
  await b.close();
  assert.equal(existsSync(b.userDataDir), false);
  assert.ok(proc.exitCode !== null || proc.signalCode !== null, 'the chromium process has exited');
});

test('chromium: a killed test process leaves no browser behind (CDP over a pipe)', async () => {
  const harness = new URL(`./chromium${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  const script = `const { launchChromium } = await import(${JSON.stringify(harness)}); const b = await launchChromium(); process.stdout.write(JSON.stringify({ pid: b.browser.process().pid, dir: b.userDataDir }) + '\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const launched = await new Promise<{ pid: number; dir: string }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(JSON.parse(out) as { pid: number; dir: string });
    });
    child.once('exit', (code) => reject(new Error(`the launcher exited (${code}) before chromium started`)));
    setTimeout(() => reject(new Error('chromium did not start within 30 s')), 30_000).unref();
  });
  try {
    assert.ok(alive(launched.pid), 'chromium runs');
    child.kill('SIGKILL');
    await until('chromium gone after its parent was killed', () => !alive(launched.pid), 10_000);
  } finally {
    if (alive(launched.pid)) process.kill(launched.pid, 'SIGKILL');
    rmSync(launched.dir, { recursive: true, force: true });
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}
