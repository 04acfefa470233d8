import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanPath, escapePath, isGlobalUnicast, joinPath, joinPreservingTrailingSlash, locationHostPort } from './proxy-location.ts';

test('isGlobalUnicast as Go net.IP', () => {
  for (const ip of ['10.244.1.5', '192.168.1.1', '8.8.8.8', '0.0.0.1', 'fd00::5', '2001:db8::1', '::ffff:10.0.0.1']) assert.equal(isGlobalUnicast(ip), true, ip);
  for (const ip of ['', 'web', '0.0.0.0', '127.0.0.1', '127.8.9.10', '169.254.1.1', '224.0.0.1', '239.1.1.1', '255.255.255.255', '::', '::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '1.2.3']) {
    assert.equal(isGlobalUnicast(ip), false, ip);
  }
});

test('Go path.Join / Clean / JoinPreservingTrailingSlash', () => {
  assert.equal(joinPath('', ''), '');
  assert.equal(joinPath('', '/'), '/');
  assert.equal(joinPath('/a/b', '../c/'), '/a/c');
  assert.equal(cleanPath('a//b/./c/..'), 'a/b');
  assert.equal(cleanPath('/../x'), '/x');
  assert.equal(joinPreservingTrailingSlash('', '/healthz'), '/healthz');
  assert.equal(joinPreservingTrailingSlash('', '/static/'), '/static/');
  assert.equal(joinPreservingTrailingSlash('', '/'), '/');
  assert.equal(joinPreservingTrailingSlash('', ''), '');
});

test('escapePath keeps what Go keeps in a path; host:port brackets IPv6', () => {
  assert.equal(escapePath('/a b/c:d@e/ü?#'), '/a%20b/c:d@e/%C3%BC%3F%23');
  assert.equal(locationHostPort({ host: 'fd00::5', port: 80 }), '[fd00::5]:80');
  assert.equal(locationHostPort({ host: '10.0.0.1' }), '10.0.0.1');
});
