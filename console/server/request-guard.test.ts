import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assetFile, bearerToken, classifyPath, crossSiteRefusal, hostAllowed, isLoopbackHost, parseCookies, sessionCookie,
  clearedSessionCookie, sessionCookieName, webSocketBearerToken, type CrossSiteInput,
} from './request-guard.ts';

test('paths: the API roots are forwarded, /assets/ is the bundle, the console owns login/logout/session, the rest is the app', () => {
  for (const p of ['/api', '/api/v1/pods', '/apis', '/apis/apps/v1/deployments', '/version', '/openapi/v2', '/openapi/v3/apis/apps/v1', '/api/v1/nodes/n1/proxy/anatomy/default/web']) {
    assert.equal(classifyPath(p), 'api', p);
  }
  assert.equal(classifyPath('/assets/main-ABC123.js'), 'asset');
  assert.equal(classifyPath('/login'), 'login');
  assert.equal(classifyPath('/logout'), 'logout');
  assert.equal(classifyPath('/session'), 'session');
  for (const p of ['/', '/index.html', '/apix', '/apis-not', '/versions', '/pods/default/web', '/login/x', '/assets']) assert.equal(classifyPath(p), 'index', p);
});

test('asset paths: plain file names only', () => {
  assert.equal(assetFile('/assets/main-ABC.js'), 'main-ABC.js');
  assert.equal(assetFile('/assets/chunks/a.css'), 'chunks/a.css');
  for (const p of ['/assets/', '/assets/../index.html', '/assets/%2e%2e/x', '/assets/a//b', '/assets/.hidden', '/assets/a%5Cb', '/assets/%00', '/assets/%zz', '/other/x']) {
    assert.equal(assetFile(p), undefined, p);
  }
});

test('cookies: parsed, per-port name, HttpOnly + SameSite=Strict (+ Secure over TLS), cleared with Max-Age=0', () => {
  const c = parseCookies('a=1; kubelab-console-8080=abc; b="q"; kubelab-console-8080=later; junk');
  assert.equal(c.get('kubelab-console-8080'), 'abc');
  assert.equal(c.get('b'), 'q');
  assert.equal(parseCookies(undefined).size, 0);
  assert.equal(sessionCookieName(8080), 'kubelab-console-8080');
  assert.notEqual(sessionCookieName(8080), sessionCookieName(8081));
  assert.equal(sessionCookie('n', 'id', 3600.7, false), 'n=id; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict');
  assert.equal(sessionCookie('n', 'id', 10, true), 'n=id; Path=/; Max-Age=10; HttpOnly; SameSite=Strict; Secure');
  assert.match(clearedSessionCookie('n', false), /^n=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
});

test('credentials: Authorization Bearer, and the WebSocket subprotocol token kube-apiserver accepts', () => {
  assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
  assert.equal(bearerToken('bearer  x '), 'x');
  assert.equal(bearerToken('Basic dXNlcjpwdw=='), undefined);
  assert.equal(bearerToken('Bearer '), undefined);
  assert.equal(bearerToken(undefined), undefined);
  const enc = Buffer.from('my-token').toString('base64url');
  assert.deepEqual(webSocketBearerToken(`base64url.bearer.authorization.k8s.io.${enc}, v4.channel.k8s.io`), { token: 'my-token', protocols: ['v4.channel.k8s.io'] });
  assert.deepEqual(webSocketBearerToken(undefined), { protocols: [] });
});

test('hosts: a loopback console answers loopback names only (DNS rebinding)', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'app.localhost']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '10.0.0.1', 'evil.example', '::', 'localhost.evil.example']) assert.equal(isLoopbackHost(h), false, h);
  assert.equal(hostAllowed('127.0.0.1:4000', true), true);
  assert.equal(hostAllowed('[::1]:4000', true), true);
  assert.equal(hostAllowed('localhost:4000', true), true);
  assert.equal(hostAllowed('evil.example:4000', true), false);
  assert.equal(hostAllowed(undefined, true), false);
  assert.equal(hostAllowed('console.lab.example:443', false), true);
});

const base: CrossSiteInput = { method: 'GET', pathClass: 'api', credential: 'cookie', expectedOrigin: 'http://127.0.0.1:4000', upgrade: false };

test('CSRF: cookie-authenticated writes need X-Kubelab-Console: 1; reads do not; header tokens are exempt', () => {
  assert.equal(crossSiteRefusal(base), undefined);
  assert.equal(crossSiteRefusal({ ...base, origin: 'http://127.0.0.1:4000' }), undefined);
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    assert.match(crossSiteRefusal({ ...base, method }) ?? '', /X-Kubelab-Console: 1/, method);
    assert.equal(crossSiteRefusal({ ...base, method, consoleHeader: '1' }), undefined, method);
    assert.equal(crossSiteRefusal({ ...base, method, credential: 'header' }), undefined, `${method} with a bearer header`);
  }
  assert.match(crossSiteRefusal({ ...base, method: 'POST', pathClass: 'logout' }) ?? '', /X-Kubelab-Console/);
});

test('CSRF: a foreign Origin or a cross-site fetch is refused on the cookie and at /login, /logout', () => {
  assert.match(crossSiteRefusal({ ...base, origin: 'http://evil.example' }) ?? '', /cross-origin/);
  assert.match(crossSiteRefusal({ ...base, method: 'POST', consoleHeader: '1', origin: 'http://127.0.0.1:4001' }) ?? '', /cross-origin/);
  assert.match(crossSiteRefusal({ ...base, secFetchSite: 'cross-site' }) ?? '', /cross-origin/);
  assert.match(crossSiteRefusal({ ...base, pathClass: 'login', credential: undefined, method: 'POST', origin: 'http://evil.example' }) ?? '', /cross-origin/);
  assert.equal(crossSiteRefusal({ ...base, pathClass: 'login', credential: undefined, method: 'POST', origin: 'http://127.0.0.1:4000' }), undefined);
  assert.equal(crossSiteRefusal({ ...base, secFetchSite: 'same-origin' }), undefined);
  // Unauthenticated requests are answered 401 elsewhere; the guard does not mask that.
  assert.equal(crossSiteRefusal({ ...base, credential: undefined, origin: 'http://evil.example' }), undefined);
});

test("Origin: WebSocket upgrades on the cookie must carry the console's own origin", () => {
  const ws = { ...base, upgrade: true };
  assert.equal(crossSiteRefusal({ ...ws, origin: 'http://127.0.0.1:4000' }), undefined);
  assert.match(crossSiteRefusal(ws) ?? '', /WebSocket upgrade refused: Origin <none>/);
  assert.match(crossSiteRefusal({ ...ws, origin: 'http://evil.example' }) ?? '', /cross-origin|refused/);
  assert.equal(crossSiteRefusal({ ...ws, credential: 'header' }), undefined, 'a script with its own token needs no Origin');
});
