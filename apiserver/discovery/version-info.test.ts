import { test } from 'node:test';
import assert from 'node:assert/strict';
import { versionInfo } from './version-info.ts';

test('/version reports minor 32 by default, with the fields and order of version.Info', () => {
  const v = versionInfo({ platform: 'linux/amd64', buildDate: '2024-12-11T00:00:00Z' });
  assert.equal(v.major, '1');
  assert.equal(v.minor, '32');
  assert.equal(v.gitVersion, 'v1.32.0');
  assert.equal(v.gitTreeState, 'clean');
  assert.equal(v.compiler, 'gc');
  assert.equal(v.platform, 'linux/amd64');
  assert.equal(v.buildDate, '2024-12-11T00:00:00Z');
  assert.match(v.goVersion, /^go1\.\d+/);
  assert.deepEqual(Object.keys(v), ['major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform']);
});

test('the minor is configurable (the kubectl dispatcher runs kubectl.1.<minor>)', () => {
  for (const minor of [29, 30, 31, 32, 33]) {
    const v = versionInfo({ minor });
    assert.equal(v.minor, String(minor));
    assert.equal(v.gitVersion, `v1.${minor}.0`);
  }
  assert.equal(versionInfo({ minor: 31, patch: 4, gitVersionSuffix: '+kubelab' }).gitVersion, 'v1.31.4+kubelab');
  assert.equal(versionInfo({ minor: 32 }).emulationMinor, undefined);
  const v33 = versionInfo({ minor: 33 });
  assert.equal(v33.emulationMajor, '1');
  assert.equal(v33.emulationMinor, '33');
  assert.equal(v33.minCompatibilityMinor, '32');
  assert.deepEqual(Object.keys(v33).slice(0, 7), ['major', 'minor', 'emulationMajor', 'emulationMinor', 'minCompatibilityMajor', 'minCompatibilityMinor', 'gitVersion']);
  assert.throws(() => versionInfo({ minor: 32.5 }), /invalid minor/);
  assert.match(versionInfo().platform, /^[a-z0-9]+\/[a-z0-9]+$/);
});
