/**
 * Every error Status carries `details` where kube-apiserver's does: kubectl dereferences `details` on some of
 * them (kubectl debug reads details.name on a 404) and crashed on a Status without it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newForbidden, newGenericServerResponse, newMethodNotAllowed, newNotFound, newRouteNotFound } from './status-error.ts';

describe('Status details', () => {
  it('NotFound of an object names it, with the group of a qualified resource', () => {
    assert.deepEqual(newNotFound('pods', 'x').status.details, { name: 'x', kind: 'pods' });
    assert.deepEqual(newNotFound('leases.coordination.k8s.io', 'l').status.details, { name: 'l', kind: 'leases', group: 'coordination.k8s.io' });
  });

  it('a path nothing serves: the generic 404 with empty details (go-restful through serviceErrorHandler)', () => {
    assert.deepEqual(newRouteNotFound().status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
    assert.deepEqual(newMethodNotAllowed('the server does not allow this method on the requested resource').status.details, {});
  });

  it('Forbidden carries the group of a qualified resource', () => {
    assert.deepEqual(newForbidden('deployments.apps', 'web', 'no').status.details, { name: 'web', kind: 'deployments', group: 'apps' });
    assert.equal(newForbidden('deployments.apps', 'web', 'no').status.message, 'deployments.apps "web" is forbidden: no');
  });

  it('NewGenericServerResponse: client-go wording per code, the resource appended, details present', () => {
    const nf = newGenericServerResponse(404, '', 'pods/log', 'web', 'pod does not exist').status;
    assert.equal(nf.message, 'the server could not find the requested resource ( pods/log web)');
    assert.equal(nf.reason, 'NotFound');
    assert.deepEqual(nf.details, { kind: 'pods/log', name: 'web' });
    assert.equal(newGenericServerResponse(403, '', 'pods/log', 'web', 'no way').status.message, 'no way ( pods/log web)');
    assert.equal(newGenericServerResponse(401, '', '', '', '').status.message, 'the server has asked for the client to provide credentials');
    assert.deepEqual(newGenericServerResponse(401, '', '', '', '').status.details, {});
    const other = newGenericServerResponse(502, 'GET', 'pods/log', 'web', 'bad gateway').status;
    assert.equal(other.reason, 'InternalError');
    assert.equal(other.message, 'an error on the server ("bad gateway") has prevented the request from succeeding (get pods/log web)');
    assert.equal(newGenericServerResponse(418, '', '', '', '').status.message, 'the server responded with the status code 418 but did not return more information');
  });
});
