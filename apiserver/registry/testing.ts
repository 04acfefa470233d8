/**
 * Test fixtures for registry unit tests: the real registry over an in-memory embedded store, started before the
 * file's tests with the namespaces they use, stopped after them.
 *
 *   const { store } = useMemoryRegistry({ namespaces: ['rv'] });
 *   test('...', async () => { await store('pods').create('rv', pod); });
 *   const err = await statusOf(store('pods').create('rv', bad));   // the StatusError it was refused with
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../shared/errors/status-error.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { EmbeddedStore } from '../storage/embedded/embedded-store.ts';
import type { GenericStore } from './generic/store.ts';
import { Registry, type RegistryOptions } from './registry.ts';

export interface MemoryRegistry {
  /** The registry (valid between the file's before and after hooks). */
  readonly registry: Registry;
  /** Its storage, for stores a test builds itself. */
  readonly storage: EmbeddedStore;
  /** The generic store of a resource ('pods', 'deployments', ...). */
  store(resource: string): GenericStore;
}

/** Registers before/after hooks that start the registry (and create `namespaces`) and stop it. */
export function useMemoryRegistry(options: { namespaces?: string[]; clock?: Clock; services?: RegistryOptions['services'] } = {}): MemoryRegistry {
  let storage: EmbeddedStore | undefined;
  let registry: Registry | undefined;
  const fixture: MemoryRegistry = {
    get registry(): Registry {
      if (!registry) throw new Error('the registry runs only inside the tests');
      return registry;
    },
    get storage(): EmbeddedStore {
      if (!storage) throw new Error('the registry runs only inside the tests');
      return storage;
    },
    store: (resource) => fixture.registry.stores.get(resource) as GenericStore,
  };
  before(async () => {
    storage = EmbeddedStore.open({ path: ':memory:' });
    registry = new Registry(storage, options.clock ?? realClock, options.services ? { services: options.services } : {});
    await registry.start();
    for (const name of options.namespaces ?? []) await fixture.store('namespaces').create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  });
  after(async () => {
    await registry?.stop();
    await storage?.close();
  });
  return fixture;
}

/** The StatusError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function statusOf(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected a StatusError');
}
