/**
 * The console in a real headless Chromium (test/browser/chromium.ts), fast and without containerd: a secured API
 * server (static admin token), two simulated nodes running pods, `kubelab console` (the compiled CLI, as a user
 * runs it) serving the built front-end (dist/console/web). The page loads after sign-in and shows the nodes; a pod
 * created through the API appears within 2 s and turns Running; deleting it removes it; the pod page opens by its
 * URL and shows its containers; events appear; without credentials the console answers 401.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { Page } from 'puppeteer-core';
import type { Pod } from '../shared/api/core-v1.ts';
import type { Clientset } from '../shared/client/clientset.ts';
import { SimNodeHost } from '../node-agent/sim-nodes.ts';
import { startSecuredTestServer, type SecuredTestServer } from '../test/integration/framework/secured-test-server.ts';
import { FAST_SIM_NODES, testLogger } from '../test/integration/framework/sim-cluster.ts';
import { until } from '../test/integration/framework/until.ts';
import { launchChromium, openPage, signInToConsole, waitForGone, waitForSelector, type TestBrowser } from '../test/browser/chromium.ts';
import { startConsoleProcess, type ConsoleProcess } from '../test/browser/console-process.ts';
import { CONSOLE_SELECTORS as S } from '../test/browser/console-selectors.ts';

const ADMIN_TOKEN = `console-browser-admin-${'a'.repeat(32)}`;
const OTHER_TOKEN = `console-browser-other-${'b'.repeat(32)}`;
const NS = 'console-browser';
const NODES = ['cb-node-0', 'cb-node-1'];

let server: SecuredTestServer;
let cs: Clientset;
let host: SimNodeHost;
let consoleProc: ConsoleProcess;
let browser: TestBrowser;
const pageErrors: string[] = [];

function pod(name: string, containers: string[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: { nodeName: NODES[0], containers: containers.map((c) => ({ name: c, image: 'localhost/busybox:1.35', command: ['sleep', '3600'] })) },
  } as Pod;
}

before(async () => {
  server = await startSecuredTestServer({ tokens: { [ADMIN_TOKEN]: { user: 'console-admin', groups: ['system:masters'] }, [OTHER_TOKEN]: { user: 'console-other', groups: ['system:masters'] } } });
  cs = server.clientset({ cert: server.admin });
  await cs.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  // No controllers: the ServiceAccount admission wants the namespace's default account.
  await cs.resource({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }).create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } });
  // Node addresses on loopback: the API server's nodes/proxy (the pod page's anatomy) and pods/log dial them.
  host = new SimNodeHost({ clientset: cs, namePrefix: 'cb-node-', count: NODES.length, log: testLogger(), ...FAST_SIM_NODES, events: 'all', nodeIPRange: '127.0.0.0/24' });
  await host.start();
  consoleProc = await startConsoleProcess({ kubeconfig: server.kubeconfig({}, 'console.kubeconfig') });
  browser = await launchChromium({ onPageError: (m) => pageErrors.push(m) });
});

after(async () => {
  await browser?.close();
  await consoleProc?.stop();
  await host?.stop();
  await server?.close();
});

test('console: without credentials the page, the assets and the API answer 401', async () => {
  const html = await fetch(consoleProc.url, { headers: { accept: 'text/html' } });
  assert.equal(html.status, 401);
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await html.text(), /token/i, 'the 401 page offers the token sign-in');
  const api = await fetch(new URL('api/v1/pods', consoleProc.url), { headers: { accept: 'application/json' } });
  assert.equal(api.status, 401);
  assert.equal(((await api.json()) as { kind?: string; code?: number }).code, 401);
  assert.equal((await fetch(new URL('assets/app.js', consoleProc.url))).status, 401);
  assert.equal((await fetch(new URL('api/v1/pods', consoleProc.url), { headers: { authorization: 'Bearer not-a-token' } })).status, 401);

  // A WebSocket watch without a session is refused at the upgrade, with the console's own Origin too.
  const wsUrl = new URL('api/v1/pods?watch=1', consoleProc.url.replace(/^http/, 'ws')).href;
  const upgrade = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { origin: new URL(consoleProc.url).origin });
    ws.on('unexpected-response', (_req, res) => (resolve(res.statusCode ?? 0), ws.terminate()));
    ws.on('open', () => (ws.close(), reject(new Error('a WebSocket watch opened without credentials'))));
    ws.on('error', () => undefined);
    setTimeout(() => reject(new Error('no answer to the WebSocket upgrade within 5 s')), 5_000).unref();
  });
  assert.equal(upgrade, 401);

  const page = await browser.newPage();
  assert.equal(await openPage(page, consoleProc.url, { allowStatus: [401] }), 401);
  assert.equal(await page.$(S.nodeCard), null, 'no cluster data without a session');
  await page.close();
});

test('console: after sign-in the cluster page shows every node', async (t) => {
  const ctx = await browser.newContext(); // its own cookies: a fresh sign-in
  t.after(() => ctx.close());
  const page = await browser.newPage(ctx);
  await signInToConsole(page, consoleProc.url, ADMIN_TOKEN, { readySelector: S.app });
  for (const n of NODES) await waitForSelector(page, S.nodeCardOf(n), { what: `node ${n}'s card` });
  assert.equal((await page.$$(S.nodeCard)).length, NODES.length);
  await page.close();
});

test('console: a pod created through the API appears within 2 s, turns Running, and goes when deleted', async (t) => {
  const ctx = await browser.newContext(); // its own cookies: a fresh sign-in
  t.after(() => ctx.close());
  const page = await browser.newPage(ctx);
  await signInToConsole(page, consoleProc.url, ADMIN_TOKEN, { readySelector: S.app });
  await waitForSelector(page, S.nodeCardOf(NODES[0] as string), { what: 'the first node card' });
  const name = 'live-pod';
  const t0 = Date.now();
  const seen = waitForSelector(page, S.podRow(NS, name), { what: 'the new pod row', timeoutMs: 2_000 });
  await cs.pods.create(pod(name, ['app']));
  await seen;
  const appearedMs = Date.now() - t0;
  assert.ok(appearedMs <= 2_000, `the pod appeared after ${appearedMs} ms`);
  await waitForSelector(page, S.podRowInPhase(NS, name, 'Running'), { what: 'the pod row turning Running', timeoutMs: 15_000 });
  const t1 = Date.now();
  await cs.pods.delete(NS, name, { gracePeriodSeconds: 0 });
  await until('the pod gone from the API', async () => (await cs.pods.list(NS)).items.every((p) => p.metadata?.name !== name), 15_000);
  await waitForGone(page, S.podRow(NS, name), { what: 'the deleted pod row', timeoutMs: 2_000 });
  assert.ok(Date.now() - t1 < 17_000);
  await page.close();
});

test('console: the pod page opens by its URL and shows the containers; events appear', async (t) => {
  const name = 'two-containers';
  await cs.pods.create(pod(name, ['app', 'helper']));
  await until('the pod Running', async () => ((await cs.pods.get(NS, name)) as Pod).status?.phase === 'Running', 15_000);
  const ctx = await browser.newContext(); // its own cookies: a fresh sign-in
  t.after(() => ctx.close());
  const page = await browser.newPage(ctx);
  await signInToConsole(page, consoleProc.url, ADMIN_TOKEN, { readySelector: S.app });
  // A fresh page on the pod's own URL (the session cookie is the browser's): linkable.
  const direct = await browser.newPage(ctx);
  await openPage(direct, `${consoleProc.url}#/pods/${NS}/${name}`);
  for (const c of ['app', 'helper']) await waitForSelector(direct, S.container(c), { what: `container ${c} on the pod page` });
  // The anatomy comes from the pod's (simulated) node through nodes/proxy: its sandbox box is drawn.
  await waitForSelector(direct, S.sandbox, { what: 'the anatomy\'s sandbox box' });
  // An event written now streams in.
  const marker = `console-browser event ${Date.now()}`;
  await cs.events.create({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.marker`, namespace: NS },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: NS, name },
    reason: 'Marked',
    message: marker,
    type: 'Normal',
    source: { component: 'console-browser-test' },
    count: 1,
    firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  } as never);
  for (const p of [direct, page]) {
    await until(`the event on ${p.url()}`, async () => (await p.$$eval(S.eventRow, (els) => els.map((e) => (e as unknown as { textContent: string }).textContent))).some((t) => t.includes(marker)), 5_000);
  }
  await direct.close();
  await page.close();
  // Simulated nodes keep no container logs: their 501 for pods/log is expected here (the end-to-end test on
  // `kubelab up` follows real logs); anything else failing is not.
  assert.deepEqual(pageErrors.filter((e) => !/^HTTP 501: GET \S+\/pods\/[^/]+\/log\?/.test(e)), [], 'no uncaught errors or server errors in the page');
});

declare const document: {
  activeElement: { getAttribute(n: string): string | null } | null;
  documentElement: { getAttribute(n: string): string | null };
  body: unknown;
  querySelectorAll(s: string): { length: number };
};
declare const location: { hash: string };
declare const history: { length: number };
declare const getComputedStyle: (e: unknown) => { backgroundColor: string };

test('console: 60 pods on one node are a virtualized list: fewer rows in the DOM, the filter finds any, the keyboard opens one', async (t) => {
  const names = Array.from({ length: 60 }, (_, i) => `v-${String(i).padStart(3, '0')}`);
  for (const n of names) await cs.pods.create(pod(n, ['app']));
  const ctx = await browser.newContext();
  t.after(() => ctx.close());
  const page = await browser.newPage(ctx);
  await signInToConsole(page, consoleProc.url, ADMIN_TOKEN, { readySelector: S.app });
  await until('the store holding the 60 pods', () => page.evaluate((ns: string, want: string[]) => want.every((n) => (globalThis as unknown as { __kubelabConsole: { hasPod(k: string): boolean } }).__kubelabConsole.hasPod(`${ns}/${n}`)), NS, names), 15_000);
  await waitForSelector(page, S.podRow(NS, 'v-000'), { what: 'the first row' });
  const inDom = await page.evaluate((ns: string) => document.querySelectorAll(`[data-testid="pod-row"][data-pod^="${ns}/v-"]`).length, NS);
  assert.ok(inDom > 0 && inDom < names.length, `${inDom} of ${names.length} rows in the DOM`);
  assert.equal(await page.$(S.podRow(NS, 'v-059')), null, 'the last row is not drawn before it is scrolled to');

  // `/` focuses the filter; the filter finds a row the window did not draw; Escape clears it.
  await page.keyboard.press('/');
  await until('the filter focused', () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'filter-text'), 5_000);
  await page.keyboard.type('v-059');
  await waitForSelector(page, S.podRow(NS, 'v-059'), { what: 'the filtered row' });
  await waitForGone(page, S.podRow(NS, 'v-000'), { what: 'rows not matching the filter' });
  await page.keyboard.press('Escape');
  await waitForSelector(page, S.podRow(NS, 'v-000'), { what: 'every row back after Escape' });

  // In the node's list: j selects the first row, Enter opens its page; Escape goes back to the cluster.
  const list = await waitForSelector(page, `${S.nodeCardOf(NODES[0] as string)} [role="listbox"]`, { what: 'the node\'s pod list' });
  await list.focus();
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await until('the pod page of the first pod', () => page.evaluate(() => location.hash), 5_000).then((h) => assert.match(h, /^#\/pods\/console-browser\/[^/]+$/));
  await waitForSelector(page, '[data-testid="pod-page"]', { what: 'the pod page' });
  await page.keyboard.press('Escape');
  await until('back on the cluster page', () => page.evaluate(() => location.hash === '#/'), 5_000);
  for (const n of names) await cs.pods.delete(NS, n, { gracePeriodSeconds: 0 });
});

test('console: the theme toggle switches light to dark and is remembered', async (t) => {
  const ctx = await browser.newContext();
  t.after(() => ctx.close());
  const page = await browser.newPage(ctx); // prefers-color-scheme: light
  await signInToConsole(page, consoleProc.url, ADMIN_TOKEN, { readySelector: S.app });
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  await (await waitForSelector(page, '[data-testid="theme-toggle"]', { what: 'the theme toggle' })).click();
  await until('data-theme=dark', () => page.evaluate(() => document.documentElement.getAttribute('data-theme') === 'dark'), 5_000);
  const dark = await until('the dark background', async () => { const v = await bg(); return v !== light ? v : undefined; }, 5_000);
  await page.reload({ waitUntil: 'load' });
  await waitForSelector(page, S.app, { what: 'the app after reload' });
  assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-theme')), 'dark', 'remembered across a reload');
  assert.equal(await bg(), dark);
});

/** Every URL in the tab's session history (the Back/Forward list), from the browser itself. */
async function historyUrls(page: Page): Promise<string[]> {
  const cdp = await page.createCDPSession();
  try {
    const { entries } = await cdp.send('Page.getNavigationHistory');
    return entries.map((e) => e.url);
  } finally {
    await cdp.detach();
  }
}

/** Who the tab's console session is (GET /session with the tab's cookie) and who the header shows. */
async function sessionUser(page: Page): Promise<{ api: string; shown: string | undefined }> {
  const api = await page.evaluate(async () => ((await (await fetch('/session')).json()) as { user: string }).user);
  const el = await page.$('[data-testid="session-user"]');
  const shown = el ? await el.evaluate((e) => (e as unknown as { textContent: string }).textContent.trim()) : undefined;
  return { api, shown };
}

function assertNoToken(urls: string[], what: string): void {
  const leaked = urls.filter((u) => u.includes('token=') || u.includes(ADMIN_TOKEN) || u.includes(OTHER_TOKEN));
  assert.deepEqual(leaked.map((u) => u.replace(/token=[^&]*/, 'token=…')), [], `${what}: a history entry still carries the token`);
}

test('console: a login link opened with a session signs in as its user; the token leaves the address bar and the history', async (t) => {
  const base = consoleProc.url.endsWith('/') ? consoleProc.url : `${consoleProc.url}/`;
  const ctx = await browser.newContext();
  t.after(() => ctx.close());
  const page = await browser.newPage(ctx);
  // The login page's path (no session yet): the fragment is gone from the address bar and from every entry.
  await signInToConsole(page, base, ADMIN_TOKEN, { readySelector: S.app });
  assert.equal(page.url(), base);
  assertNoToken(await historyUrls(page), 'after the login page');
  await until('the header showing console-admin', async () => (await sessionUser(page)).shown === 'console-admin', 5_000);

  // 1. The link opened in a new tab of the same browser: the server has a session and serves the app itself (200,
  //    not the login page), which signs in with the link's token, so the session switches to the link's user.
  const control = await browser.newPage(ctx);
  assert.equal(await openPage(control, base), 200);
  const controlLength = await control.evaluate(() => history.length);
  await control.close();
  const tab = await browser.newPage(ctx);
  assert.equal(await openPage(tab, `${base}#token=${encodeURIComponent(OTHER_TOKEN)}`), 200, 'the server served the app: the browser has a session');
  await waitForSelector(tab, S.app, { what: 'the app after the link' });
  await until('the session switched to the link\'s user', async () => {
    const who = await sessionUser(tab);
    return who.api === 'console-other' && who.shown === 'console-other';
  }, 10_000);
  assert.equal(tab.url(), base, 'the address bar has no fragment');
  assert.equal(await tab.evaluate(() => location.hash), '');
  assertNoToken(await historyUrls(tab), 'a link opened in a new tab');
  assert.equal(await tab.evaluate(() => history.length), controlLength, 'the sign-in added no history entry');

  // 2. The link opened on a console tab that is already open: only the fragment changes (no page load), the app
  //    takes the token before routing, signs in and reloads as the link's user; Back never shows the token.
  const beforeLength = await page.evaluate(() => history.length);
  await page.evaluate(() => void ((globalThis as unknown as { __beforeLink: boolean }).__beforeLink = true));
  await page.evaluate((tok: string) => void (location.hash = `#token=${encodeURIComponent(tok)}`), ADMIN_TOKEN);
  await until('the open tab reloaded as console-admin', async () => {
    const fresh = await page.evaluate(() => (globalThis as unknown as { __beforeLink?: boolean }).__beforeLink !== true).catch(() => false);
    if (!fresh || !(await page.$(S.app))) return false;
    const who = await sessionUser(page);
    return who.api === 'console-admin' && who.shown === 'console-admin';
  }, 10_000);
  assert.equal(page.url(), base);
  const urls = await historyUrls(page);
  assertNoToken(urls, 'a link opened on an open tab');
  // The hash navigation itself is one entry (the browser made it before any script ran): rewritten, not added to.
  assert.equal(await page.evaluate(() => history.length), beforeLength + 1);
  await page.goBack({ waitUntil: 'load', timeout: 10_000 });
  assert.ok(!page.url().includes('token='), `Back shows ${page.url()}`);
  await page.goForward({ waitUntil: 'load', timeout: 10_000 });
  assert.ok(!page.url().includes('token='), `Forward shows ${page.url()}`);

  // 3. A link whose token the API server refuses: the token goes all the same, the page says why, and the
  //    browser's session is unchanged.
  const bad = await browser.newPage(ctx);
  assert.equal(await openPage(bad, `${base}#token=not-a-valid-token-${'c'.repeat(24)}`), 200);
  const failed = await waitForSelector(bad, '[data-testid="link-sign-in-failed"]', { what: 'the failed sign-in' });
  assert.match(await failed.evaluate((e) => (e as unknown as { textContent: string }).textContent), /refused/);
  assert.equal(bad.url(), base);
  assertNoToken(await historyUrls(bad), 'a refused link');
  assert.equal((await sessionUser(bad)).api, 'console-admin', 'a refused link leaves the session as it was');
});
