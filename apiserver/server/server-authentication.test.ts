import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { newForbidden } from '../../shared/errors/status-error.ts';
import { anonymousUser, type UserInfo } from '../authentication/user-info.ts';
import { APIServer, type APIServerOptions } from './server.ts';

async function serve(opts: Partial<APIServerOptions>): Promise<{ get: (path: string, headers?: Record<string, string>) => Promise<{ status: number; body: string }>; close: () => Promise<void> }> {
  const server = new APIServer({ resources: { lookup: () => undefined }, nonResource: [], isReady: () => true, ...opts });
  const addr = await server.listen('127.0.0.1', 0);
  return {
    async get(path, headers = {}) {
      const res = await fetch(`http://127.0.0.1:${addr.port}${path}`, { headers });
      return { status: res.status, body: await res.text() };
    },
    close: () => server.close(),
  };
}

test('server: anonymous reaches only health and version until an authorizer is configured, then the authorizer decides', async () => {
  const anonymous = async (): Promise<UserInfo> => anonymousUser();
  const without = await serve({ authenticate: anonymous });
  try {
    assert.equal((await without.get('/healthz')).status, 200);
    assert.equal((await without.get('/readyz')).status, 200);
    const r = await without.get('/api/v1/namespaces/default/pods');
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).reason, 'Unauthorized');
  } finally {
    await without.close();
  }
  const seen: string[] = [];
  const withAuthz = await serve({
    authenticate: anonymous,
    authorize: async (user, info) => {
      seen.push(`${user.name} ${info.verb} ${info.path}`);
      if (info.path !== '/healthz') throw newForbidden(info.resource, '', `User "${user.name}" cannot ${info.verb} resource "${info.resource}"`);
    },
  });
  try {
    assert.equal((await withAuthz.get('/healthz')).status, 200);
    assert.equal((await withAuthz.get('/api/v1/namespaces/default/pods')).status, 403);
    assert.deepEqual(seen, ['system:anonymous get /healthz', 'system:anonymous list /api/v1/namespaces/default/pods']);
  } finally {
    await withAuthz.close();
  }
});

test('server: impersonation runs after authentication and before authorization, on the acting user', async () => {
  const authorized: string[] = [];
  const s = await serve({
    authenticate: async () => ({ name: 'alice', groups: ['system:authenticated'] }),
    impersonate: async (user: UserInfo, req: IncomingMessage) => {
      const as = req.headers['impersonate-user'];
      return typeof as === 'string' ? { name: as, groups: ['system:authenticated'] } : user;
    },
    authorize: async (user) => {
      authorized.push(user.name);
    },
  });
  try {
    await s.get('/version', { 'Impersonate-User': 'bob' });
    await s.get('/version');
    assert.deepEqual(authorized, ['bob', 'alice']);
  } finally {
    await s.close();
  }
});
