import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../shared/api/meta.ts';
import { LocalWrites } from './local-writes.ts';

const obj = (name: string, rv: number): KubeObject => ({ metadata: { name, resourceVersion: String(rv) } });

describe('LocalWrites', () => {
  it('gives the object written at exactly that key and revision, once', () => {
    const lw = new LocalWrites();
    const a = obj('a', 5);
    lw.remember('/pods/ns/a', 5, a);
    assert.equal(lw.take('/pods/ns/b', 5), undefined, 'another key');
    assert.equal(lw.take('/pods/ns/a', 4), undefined, 'an older revision of the key (not this write)');
    assert.equal(lw.take('/pods/ns/a', 5), a);
    assert.equal(lw.take('/pods/ns/a', 5), undefined, 'taken');
    assert.equal(lw.size, 0);
  });

  it('a newer revision seen first (another writer won) drops the stale entry', () => {
    const lw = new LocalWrites();
    lw.remember('/k', 5, obj('k', 5));
    assert.equal(lw.take('/k', 7), undefined);
    assert.equal(lw.size, 0);
  });

  it('a second write of a key replaces the first; past the limit the oldest key goes', () => {
    const lw = new LocalWrites(2);
    lw.remember('/a', 1, obj('a', 1));
    lw.remember('/b', 2, obj('b', 2));
    const a3 = obj('a', 3);
    lw.remember('/a', 3, a3); // /a is now the newest
    lw.remember('/c', 4, obj('c', 4)); // evicts /b, the oldest
    assert.equal(lw.size, 2);
    assert.equal(lw.take('/b', 2), undefined);
    assert.equal(lw.take('/a', 3), a3);
    assert.ok(lw.take('/c', 4));
  });
});
