/**
 * The browser console end to end on a real `kubelab up --nodes 3` cluster (issue 14), in a real headless Chromium
 * (test/browser/chromium.ts) with the real kubectl:
 *
 * 1. Without credentials the console answers 401 (the page, its assets and the forwarded API).
 * 2. Signed in with the printed login flow (`kubelab console login`), the cluster page shows the 3 nodes;
 *    `kubectl run` a pod: it appears within 2 s and turns Running; `kubectl delete` removes it. Screenshot of the
 *    cluster page (light theme) -> docs/images/console-cluster.png.
 * 3. The pod page of a pod with an init container, a native sidecar and two apps sharing an emptyDir shows its
 *    containers and the namespaces they share with the sandbox (from the node agent's anatomy, through nodes/proxy);
 *    its logs stream: a line the pod writes after the page opened appears. Screenshot -> docs/images/console-pod.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Cluster, kubelab, prerequisites, withDiagnostics } from './_cluster.ts';
import { launchChromium, openPage, saveScreenshot, signInToConsole, waitForGone, waitForSelector, waitInPage, type TestBrowser } from '../../browser/chromium.ts';
import { CONSOLE_SELECTORS as S } from '../../browser/console-selectors.ts';

declare const document: { querySelector(s: string): { textContent: string | null } | null };

const IMAGE = 'localhost/busybox:1.35';

/** The repository (where docs/images lives), found upwards from this file (it runs from dist/ too). */
function repoRoot(): string {
  let d = import.meta.dirname;
  while (!existsSync(join(d, 'package-lock.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error(`no package-lock.json above ${import.meta.dirname}`);
    d = up;
  }
  return d;
}

/** The pod: init, a native sidecar, two apps sharing an emptyDir; `talker` logs what `writer` drops into it. */
const ANATOMY_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'anatomy-demo', annotations: { 'kubectl.kubernetes.io/default-container': 'talker' } },
  spec: {
    volumes: [{ name: 'shared', emptyDir: {} }],
    initContainers: [
      { name: 'prepare', image: IMAGE, command: ['sh', '-c', 'echo prepared > /shared/prepared'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
      { name: 'sidecar', image: IMAGE, restartPolicy: 'Always', command: ['sh', '-c', 'while true; do sleep 1; done'], volumeMounts: [{ name: 'shared', mountPath: '/shared', readOnly: true }] },
    ],
    containers: [
      { name: 'talker', image: IMAGE, command: ['sh', '-c', 'echo talker up; while true; do if [ -f /shared/say ]; then cat /shared/say; rm -f /shared/say; fi; sleep 0.2; done'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
      { name: 'writer', image: IMAGE, command: ['sh', '-c', 'while true; do sleep 1; done'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
    ],
  },
};

describe('console on kubelab up --nodes 3', { timeout: 900_000 }, () => {
  let c: Cluster;
  let browser: TestBrowser;
  let consoleUrl: string;
  let token: string;
  const pageErrors: string[] = [];

  before(async () => {
    prerequisites();
    c = await Cluster.up('console', ['--nodes', '3']);
    const printed = /console:\s+(https?:\/\/\S+)/.exec(c.upResult.stdout + c.upResult.stderr);
    assert.ok(printed, `kubelab up printed no console address:\n${c.upResult.stdout}`);
    consoleUrl = (printed[1] as string).endsWith('/') ? (printed[1] as string) : `${printed[1]}/`;
    const login = await kubelab(['console', 'login', '--state-dir', c.stateDir]);
    assert.equal(login.code, 0, `kubelab console login: ${login.stderr}`);
    const link = /(https?:\/\/\S+)#token=(\S+)/.exec(login.stdout);
    assert.ok(link, `kubelab console login printed no #token= link: ${login.stdout}`);
    assert.equal(link[1], consoleUrl, 'the login link opens the console up printed');
    token = decodeURIComponent(link[2] as string);
    browser = await launchChromium({ width: 1400, height: 900, colorScheme: 'light', onPageError: (m) => pageErrors.push(m) });
  });
  after(async () => {
    await browser?.close();
    if (!c) return;
    const r = await c.down();
    if (r.code !== 0) process.stderr.write(`[e2e] kubelab down exited ${r.code}: ${r.stderr}\n`);
    c.cleanup();
  });

  it('answers 401 without credentials', () => withDiagnostics(c, async () => {
    const page = await fetch(consoleUrl, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 401);
    const api = await fetch(new URL('api/v1/nodes', consoleUrl), { headers: { accept: 'application/json' } });
    assert.equal(api.status, 401);
    assert.equal(((await api.json()) as { code?: number }).code, 401);
    assert.equal((await fetch(new URL('api/v1/nodes', consoleUrl), { headers: { authorization: `Bearer ${token}x` } })).status, 401);
  }));

  it('shows the 3 nodes; a pod from kubectl run appears within 2 s, turns Running, and goes with kubectl delete', (t) => withDiagnostics(c, async () => {
    const ctx = await browser.newContext(); // its own cookies: a fresh sign-in
    t.after(() => ctx.close());
    const page = await browser.newPage(ctx);
    await signInToConsole(page, consoleUrl, token, { readySelector: S.app, timeoutMs: 30_000 });
    for (const n of c.state.nodes) await waitForSelector(page, S.nodeCardOf(n.name), { what: `node ${n.name}'s card`, timeoutMs: 15_000 });
    assert.equal((await page.$$(S.nodeCard)).length, 3);

    const seen = waitForSelector(page, S.podRow('default', 'live'), { what: 'the pod from kubectl run', timeoutMs: 20_000 }).then(() => Date.now());
    await c.kubectl.ok(['run', 'live', `--image=${IMAGE}`, '--restart=Never', '--', 'sleep', '3600']);
    const created = Date.now(); // kubectl has exited: the pod exists (it was created at the latest now)
    const at = await seen;
    assert.ok(at - created <= 2_000, `the pod appeared ${at - created} ms after kubectl run returned`);
    await waitForSelector(page, S.podRowInPhase('default', 'live', 'Running'), { what: 'the pod turning Running', timeoutMs: 90_000 });
    await saveScreenshot(page, join(repoRoot(), 'docs/images/console-cluster.png'));

    await c.kubectl.ok(['delete', 'pod', 'live', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
    await waitForGone(page, S.podRow('default', 'live'), { what: 'the deleted pod', timeoutMs: 2_000 });
    await page.close();
  }));

  it('the pod page shows the containers, the shared namespaces and follows the logs', (t) => withDiagnostics(c, async () => {
    await c.apply([ANATOMY_POD]);
    await c.kubectl.ok(['wait', '--for=condition=Ready', 'pod/anatomy-demo', '--timeout=150s'], { timeoutMs: 160_000 });
    const ctx = await browser.newContext(); // its own cookies: a fresh sign-in
    t.after(() => ctx.close());
    const page = await browser.newPage(ctx);
    await signInToConsole(page, consoleUrl, token, { readySelector: S.app, timeoutMs: 30_000 });
    await openPage(page, `${consoleUrl}#/pods/default/anatomy-demo`);
    for (const name of ['prepare', 'sidecar', 'talker', 'writer']) await waitForSelector(page, S.container(name), { what: `container ${name}`, timeoutMs: 15_000 });
    await waitForSelector(page, S.sandbox, { what: 'the sandbox box of the anatomy', timeoutMs: 15_000 });
    // From the agent's anatomy: every running container joined the sandbox's net, ipc and uts; each keeps its own mnt.
    for (const name of ['sidecar', 'talker', 'writer']) {
      for (const ns of ['net', 'ipc', 'uts']) await waitForSelector(page, S.sharedNamespace(name, ns), { what: `${name}'s ${ns} namespace shared with the sandbox` });
      await waitForSelector(page, S.ownNamespace(name, 'mnt'), { what: `${name}'s own mnt namespace` });
    }
    await waitForSelector(page, S.logView, { what: 'the log view' });
    await waitInPage(page, 'the log view showing the pod\'s first line', (sel: string) => (document.querySelector(sel)?.textContent ?? '').includes('talker up'), [S.logView], 15_000);

    const marker = `written after the page opened ${Date.now()}`;
    await c.kubectl.ok(['exec', 'anatomy-demo', '-c', 'writer', '--', 'sh', '-c', `echo '${marker}' > /shared/say`], { timeoutMs: 30_000 });
    await waitInPage(page, 'the new log line', (sel: string, m: string) => (document.querySelector(sel)?.textContent ?? '').includes(m), [S.logView, marker], 10_000);
    await saveScreenshot(page, join(repoRoot(), 'docs/images/console-pod.png'));
    await page.close();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  }));
});
