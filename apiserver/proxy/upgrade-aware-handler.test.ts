import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialErrorMessage, pathPrepend, rewriteProxiedURL, withoutHopByHop } from './upgrade-aware-handler.ts';
import { rewriteHTMLLinks } from './html-link-rewriter.ts';

const PREFIX = '/api/v1/namespaces/ns/services/web:http/proxy';

test('pathPrepend is the request path without the backend path', () => {
  assert.equal(pathPrepend(`${PREFIX}/static/app.js`, '/static/app.js'), PREFIX);
  assert.equal(pathPrepend(`${PREFIX}/`, '/'), PREFIX);
  assert.equal(pathPrepend(`${PREFIX}/dir/`, '/dir'), PREFIX);
  assert.equal(pathPrepend(PREFIX, ''), PREFIX);
});

// The cases of apimachinery's transport_test.go, translated: same-host absolute URLs get the prefix.
test('rewriteProxiedURL: absolute paths and same-host URLs go through the proxy; others are kept', () => {
  const r = (u: string) => rewriteProxiedURL(u, '10.1.0.5:8080', 'localhost:8001', PREFIX);
  assert.equal(r('/static/app.js'), `${PREFIX}/static/app.js`);
  assert.equal(r('/dir/'), `${PREFIX}/dir/`);
  assert.equal(r('/q?a=1&b=2#frag'), `${PREFIX}/q?a=1&b=2#frag`);
  assert.equal(r('http://10.1.0.5:8080/login'), `${PREFIX}/login`);
  assert.equal(r('http://localhost:8001/login'), `http://localhost:8001${PREFIX}/login`);
  assert.equal(r(`${PREFIX}/already`), `${PREFIX}/already`);
  assert.equal(r('relative/path'), 'relative/path');
  assert.equal(r('http://example.com/x'), 'http://example.com/x');
  assert.equal(r('mailto:someone@example.com'), 'mailto:someone@example.com');
});

test('HTML: URL attributes of the listed tags are rewritten, text, comments and scripts are not', () => {
  const rw = (u: string) => rewriteProxiedURL(u, '10.1.0.5:8080', 'h', PREFIX);
  const html =
    '<!DOCTYPE html><html><head><link rel="stylesheet" href="/s.css"><script src=\'/app.js\'>var a = "<a href=\\"/no\\">";</script></head>' +
    '<body><!-- <a href="/comment"> --><a class=x href=/page title="/not-a-url">/text</a><img src="http://other/x.png" alt=""><form action="/post" method=post></form></body></html>';
  assert.equal(
    rewriteHTMLLinks(html, rw),
    `<!DOCTYPE html><html><head><link rel="stylesheet" href="${PREFIX}/s.css"><script src='${PREFIX}/app.js'>var a = "<a href=\\"/no\\">";</script></head>` +
      `<body><!-- <a href="/comment"> --><a class=x href=${PREFIX}/page title="/not-a-url">/text</a><img src="http://other/x.png" alt=""><form action="${PREFIX}/post" method=post></form></body></html>`,
  );
});

test('hop-by-hop headers, and those Connection lists, are dropped', () => {
  const kept = withoutHopByHop([
    ['Connection', 'keep-alive, X-Private'],
    ['Keep-Alive', 'timeout=5'],
    ['Transfer-Encoding', 'chunked'],
    ['X-Private', '1'],
    ['Upgrade', 'h2c'],
    ['TE', 'trailers'],
    ['Proxy-Authorization', 'Basic x'],
    ['Content-Type', 'text/plain'],
    ['X-Other', '2'],
  ]);
  assert.deepEqual(kept, [
    ['Content-Type', 'text/plain'],
    ['X-Other', '2'],
  ]);
});

test('dial errors read as Go reports them', () => {
  const e = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(dialErrorMessage(e('ECONNREFUSED'), '10.0.0.5:80'), 'dial tcp 10.0.0.5:80: connect: connection refused');
  assert.equal(dialErrorMessage(e('EHOSTUNREACH'), '10.0.0.5:80'), 'dial tcp 10.0.0.5:80: connect: no route to host');
  assert.equal(dialErrorMessage(e('ETIMEDOUT'), '10.0.0.5:80'), 'dial tcp 10.0.0.5:80: i/o timeout');
});
