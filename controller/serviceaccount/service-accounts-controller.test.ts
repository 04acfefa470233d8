import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from '../../shared/api/core-v1.ts';
import { newStatus, StatusError } from '../../shared/errors/status-error.ts';
import { newFixture } from '../framework/testing.ts';
import { ServiceAccountsController } from './service-accounts-controller.ts';

const ns = (name: string, phase: 'Active' | 'Terminating' = 'Active'): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase } });

test('creates default in an active namespace that lacks it, and only there', async () => {
  const f = await newFixture(
    {
      objects: [
        ns('a'),
        ns('b'),
        ns('gone', 'Terminating'),
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'b' } },
      ],
    },
    (ctx) => new ServiceAccountsController(ctx),
  );
  try {
    for (const key of ['a', 'b', 'gone', 'missing']) await f.controller.reconcile(key, f.signal);
    assert.deepEqual(f.writes(), ['create serviceaccounts default']);
    assert.equal(f.writeActions()[0]!.namespace, 'a');
  } finally {
    await f.stop();
  }
});

test('a deleted default ServiceAccount is recreated through the queue', async () => {
  const f = await newFixture(
    { objects: [ns('a'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'a' } }, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'other', namespace: 'a' } }] },
    (ctx) => new ServiceAccountsController(ctx),
  );
  try {
    // The namespace's add event queued it once already; drain that.
    while (f.controller.controller.queue.len() > 0) await f.controller.controller.processNextWorkItem(f.signal);
    f.clientset.clearActions();
    await f.clientset.resource({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }).delete('a', 'other');
    await f.settle();
    assert.equal(f.controller.controller.queue.len(), 0, 'deleting another ServiceAccount wakes nothing');
    await f.clientset.resource({ group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }).delete('a', 'default');
    await f.settle();
    assert.equal(f.controller.controller.queue.len(), 1);
    await f.controller.controller.processNextWorkItem(f.signal);
    assert.deepEqual(f.writes(), ['delete serviceaccounts other', 'delete serviceaccounts default', 'create serviceaccounts default']);
  } finally {
    await f.stop();
  }
});

test('AlreadyExists and a namespace turning Terminating are not errors; others are retried', async () => {
  const f = await newFixture({ objects: [ns('a')] }, (ctx) => new ServiceAccountsController(ctx));
  try {
    f.clientset.injectError('create', 'serviceaccounts', new StatusError(newStatus(409, 'AlreadyExists', 'serviceaccounts "default" already exists')), { times: 1 });
    await f.controller.reconcile('a', f.signal);
    const terminating = new StatusError(
      newStatus(403, 'Forbidden', 'serviceaccounts "default" is forbidden: unable to create new content in namespace a because it is being terminated', {
        name: 'default',
        kind: 'serviceaccounts',
        causes: [{ reason: 'NamespaceTerminating', message: 'namespace a is being terminated', field: 'metadata.namespace' }],
      }),
    );
    f.clientset.injectError('create', 'serviceaccounts', terminating, { times: 1 });
    await f.controller.reconcile('a', f.signal);
    f.clientset.injectError('create', 'serviceaccounts', new StatusError(newStatus(500, 'InternalError', 'boom')), { times: 1 });
    await assert.rejects(f.controller.reconcile('a', f.signal), /boom/);
  } finally {
    await f.stop();
  }
});
