import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxySubpath } from './proxy.ts';

test('proxySubpath: what follows /proxy, leading slash added, trailing slash kept', () => {
  assert.equal(proxySubpath(['pods', 'web', 'proxy'], '/api/v1/namespaces/ns/pods/web/proxy'), '');
  assert.equal(proxySubpath(['pods', 'web', 'proxy'], '/api/v1/namespaces/ns/pods/web/proxy/'), '/');
  assert.equal(proxySubpath(['pods', 'web:8080', 'proxy', 'healthz'], '/api/v1/namespaces/ns/pods/web:8080/proxy/healthz'), '/healthz');
  assert.equal(proxySubpath(['services', 'web', 'proxy', 'a', 'b'], '/api/v1/namespaces/ns/services/web/proxy/a/b/'), '/a/b/');
  assert.equal(proxySubpath(['nodes', 'n1', 'proxy', 'a', '..', '..', 'x'], '/api/v1/nodes/n1/proxy/a/../../x'), '/x');
});
