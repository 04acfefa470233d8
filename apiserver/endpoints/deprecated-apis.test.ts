import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deprecatedAPIWarning } from './deprecated-apis.ts';

test('v1 Endpoints is deprecated from 1.33 on, EndpointSlices never', () => {
  assert.equal(deprecatedAPIWarning(32, '', 'v1', 'endpoints'), undefined);
  assert.equal(deprecatedAPIWarning(33, '', 'v1', 'endpoints'), 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice');
  assert.equal(deprecatedAPIWarning(33, 'discovery.k8s.io', 'v1', 'endpointslices'), undefined);
  assert.equal(deprecatedAPIWarning(33, '', 'v1', 'services'), undefined);
});
