import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinSchemeNamePort, splitSchemeNamePort } from './scheme-name-port.ts';

// The cases of apimachinery's port_split_test.go TestSplitSchemeNamePort.
test('splitSchemeNamePort: upstream cases', () => {
  const valid: [string, string, string, string][] = [
    ['aoeu:asdf', '', 'aoeu', 'asdf'],
    ['http:aoeu:asdf', 'http', 'aoeu', 'asdf'],
    ['https:aoeu:', 'https', 'aoeu', ''],
    ['https:aoeu:asdf', 'https', 'aoeu', 'asdf'],
    ['aoeu:', '', 'aoeu', ''],
    ['aoeu', '', 'aoeu', ''],
  ];
  for (const [id, scheme, name, port] of valid) assert.deepEqual(splitSchemeNamePort(id), { scheme, name, port }, id);
  for (const id of [':asdf', 'aoeu:asdf:htns', 'http::asdf', 'http::', '', 'ftp:web:21', 'a:b:c:d']) assert.equal(splitSchemeNamePort(id), undefined, id);
});

test('joinSchemeNamePort round-trips', () => {
  assert.equal(joinSchemeNamePort('', 'web', ''), 'web');
  assert.equal(joinSchemeNamePort('', 'web', '80'), 'web:80');
  assert.equal(joinSchemeNamePort('https', 'web', ''), 'https:web:');
  for (const id of ['web', 'web:80', 'https:web:443', 'http:web:']) {
    const s = splitSchemeNamePort(id);
    assert.ok(s);
    assert.equal(joinSchemeNamePort(s.scheme, s.name, s.port), id);
  }
});
