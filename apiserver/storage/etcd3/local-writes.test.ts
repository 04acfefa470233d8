import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { LocalWrites } from './local-writes.ts';

const obj = (name: string): KubeObject => ({ kind: 'Pod', metadata: { name }, spec: { n: 1 } });
const bytes = (o: KubeObject) => Buffer.from(JSON.stringify(o));

describe('LocalWrites', () => {
  it('gives the object whose bytes the event carries, with the event revision, once', () => {
    const lw = new LocalWrites();
    const a = obj('a');
    const put = bytes(a);
    lw.remember('/pods/ns/a', put, a);
    a.metadata.labels = { changed: 'after' }; // the writer's object is not the one kept
    assert.equal(lw.take('/pods/ns/b', put, 5), undefined, 'another key');
    assert.equal(lw.take('/pods/ns/a', Buffer.from('{"other":1}'), 5), undefined, 'other bytes (another writer)');
    const got = lw.take('/pods/ns/a', Buffer.from(put), 5); // equal bytes, another buffer (as etcd sends them)
    assert.deepEqual(got, { kind: 'Pod', metadata: { name: 'a', resourceVersion: '5' }, spec: { n: 1 } });
    assert.notEqual(got, a);
    assert.equal(lw.take('/pods/ns/a', put, 5), undefined, 'taken');
    assert.equal(lw.size, 0);
  });

  it('forget drops the entry of a put that did not happen, not a newer one', () => {
    const lw = new LocalWrites();
    const first = bytes(obj('k'));
    lw.remember('/k', first, obj('k'));
    lw.forget('/k', first);
    assert.equal(lw.size, 0);
    const second = Buffer.from('{"v":2}');
    lw.remember('/k', second, obj('k'));
    lw.forget('/k', first);
    assert.equal(lw.size, 1, 'a newer put of the key stays');
  });

  it('a second put of a key replaces the first; past the limit the oldest key goes', () => {
    const lw = new LocalWrites(2);
    lw.remember('/a', Buffer.from('a1'), obj('a'));
    lw.remember('/b', Buffer.from('b2'), obj('b'));
    lw.remember('/a', Buffer.from('a3'), obj('a')); // /a is now the newest
    lw.remember('/c', Buffer.from('c4'), obj('c')); // evicts /b, the oldest
    assert.equal(lw.size, 2);
    assert.equal(lw.take('/b', Buffer.from('b2'), 2), undefined);
    assert.equal(lw.take('/a', Buffer.from('a1'), 1), undefined, 'replaced');
    assert.ok(lw.take('/a', Buffer.from('a3'), 3));
    assert.ok(lw.take('/c', Buffer.from('c4'), 4));
  });
});
