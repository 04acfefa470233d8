import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { StatusError } from '../../../../shared/errors/status-error.ts';
import { nodeLogQuery, parsePodLogOptions } from './log.ts';
import { statusFromNodeResponse, validateContainer } from './proxy-node.ts';
import { startProxyTestEnv, type ProxyTestEnv } from './proxy-test-env.ts';
import type { Pod } from '../../../../shared/api/core-v1.ts';

function statusOf(fn: () => unknown): { code: number; reason?: string; message?: string; details?: any } {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e.status;
    throw e;
  }
  assert.fail('expected a StatusError');
}

describe('parsePodLogOptions (ValidatePodLogOptions)', () => {
  test('reads the query; bools are false only for "false"/"0"', () => {
    const o = parsePodLogOptions(new URLSearchParams('container=c&follow=true&previous=1&timestamps=&tailLines=2&limitBytes=10&sinceSeconds=60'), 'web');
    assert.deepEqual(o, { container: 'c', follow: true, previous: true, timestamps: true, tailLines: 2, limitBytes: 10, sinceSeconds: 60 });
    assert.equal(parsePodLogOptions(new URLSearchParams('follow=false'), 'web').follow, false);
  });

  test('invalid values are 422 PodLogOptions with kube\'s field messages', () => {
    const s = statusOf(() => parsePodLogOptions(new URLSearchParams('tailLines=-1&limitBytes=0&sinceSeconds=0'), 'web'));
    assert.equal(s.code, 422);
    assert.equal(s.details.kind, 'PodLogOptions');
    assert.equal(s.details.name, 'web');
    assert.deepEqual(
      s.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`),
      ['tailLines: Invalid value: -1: must be greater than or equal to 0', 'limitBytes: Invalid value: 0: must be greater than 0', 'sinceSeconds: Invalid value: 0: must be greater than 0'],
    );
    const both = statusOf(() => parsePodLogOptions(new URLSearchParams('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z'), 'web'));
    assert.match(both.message ?? '', /at most one of `sinceTime` or `sinceSeconds` may be specified/);
    assert.equal(statusOf(() => parsePodLogOptions(new URLSearchParams('tailLines=x'), 'web')).code, 400);
    assert.equal(statusOf(() => parsePodLogOptions(new URLSearchParams('sinceTime=yesterday'), 'web')).code, 400);
    assert.equal(statusOf(() => parsePodLogOptions(new URLSearchParams('stream=Stdout&tailLines=1'), 'web')).code, 422);
  });

  test('the node agent query (LogLocation params); sinceTime at second precision', () => {
    const o = parsePodLogOptions(new URLSearchParams('follow=true&sinceTime=2026-01-01T01:00:00.5%2B01:00&tailLines=3&timestamps=true&previous=true&limitBytes=9'), 'web');
    assert.equal(nodeLogQuery(o), 'follow=true&previous=true&timestamps=true&sinceTime=2026-01-01T00%3A00%3A00Z&tailLines=3&limitBytes=9');
  });
});

describe('validateContainer', () => {
  const pod = (containers: string[], init: string[] = []): Pod => ({
    metadata: { name: 'web' },
    spec: { initContainers: init.map((name) => ({ name, image: 'x' })), containers: containers.map((name) => ({ name, image: 'x' })) },
  });
  test('defaults the only container; several need a name; unknown names are rejected', () => {
    assert.equal(validateContainer('', pod(['a'])), 'a');
    assert.equal(validateContainer('b', pod(['a', 'b'])), 'b');
    assert.equal(validateContainer('i', pod(['a'], ['i'])), 'i');
    assert.equal(statusOf(() => validateContainer('', pod(['a', 'b']))).message, 'a container name must be specified for pod web, choose one of: [a b]');
    assert.equal(statusOf(() => validateContainer('', pod(['a', 'b'], ['i']))).message, 'a container name must be specified for pod web, choose one of: [i a b]');
    assert.equal(statusOf(() => validateContainer('nope', pod(['a']))).message, 'container nope is not valid for pod web');
  });

  test('node answers become Status errors (GenericHttpResponseChecker)', () => {
    assert.deepEqual(
      { code: statusFromNodeResponse(400, 'container "c" in pod "p" is waiting to start: ContainerCreating\n').status.code, reason: statusFromNodeResponse(400, 'x').status.reason },
      { code: 400, reason: 'BadRequest' },
    );
    assert.equal(statusFromNodeResponse(400, 'msg\n').status.message, 'msg');
    assert.equal(statusFromNodeResponse(404, 'pod "p" does not exist').status.reason, 'NotFound');
    assert.equal(statusFromNodeResponse(500, 'boom').status.reason, 'InternalError');
  });
});

describe('GET pods/{name}/log through the node agent', () => {
  let env: ProxyTestEnv;
  before(async () => {
    env = await startProxyTestEnv();
  });
  after(async () => {
    await env.close();
  });
  const base = '/api/v1/namespaces/default/pods';

  test('proxies text/plain with the options; previous reads the last terminated instance', async () => {
    let r = await env.api('GET', `${base}/web/log?container=app`);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'one\ntwo\n');
    r = await env.api('GET', `${base}/web/log?container=app&tailLines=1&timestamps=true`);
    assert.equal(r.text, '2026-01-02T03:04:06.000000000Z two\n');
    r = await env.api('GET', `${base}/web/log?container=app&previous=true`);
    assert.equal(r.text, 'previous\n');
    r = await env.api('GET', `${base}/web/log?container=side`);
    assert.equal(r.text, 'side\n');
  });

  test('kube\'s answers for container choice, unknown container, unknown pod, unbound pod, waiting container', async () => {
    let r = await env.api('GET', `${base}/web/log`);
    assert.equal(r.status, 400);
    assert.equal(r.json.message, 'a container name must be specified for pod web, choose one of: [app side]');
    r = await env.api('GET', `${base}/web/log?container=nope`);
    assert.deepEqual([r.status, r.json.reason, r.json.message], [400, 'BadRequest', 'container nope is not valid for pod web']);
    r = await env.api('GET', `${base}/ghost/log`);
    assert.equal(r.status, 404);
    r = await env.api('GET', `${base}/unbound/log`);
    assert.deepEqual([r.status, r.text], [200, '']);
    r = await env.api('GET', `${base}/pending/log`);
    assert.deepEqual([r.status, r.json.message], [400, 'container "app" in pod "pending" is waiting to start: ContainerCreating']);
    r = await env.api('POST', `${base}/web/log?container=app`, {});
    assert.equal(r.status, 405);
  });

  test('the node agent\'s own refusals come back as Status (previous without a previous instance)', async () => {
    const r = await env.api('GET', `${base}/web/log?container=side&previous=true`);
    assert.deepEqual([r.status, r.json.reason, r.json.message], [400, 'BadRequest', 'previous terminated container "side" in pod "web" not found']);
  });

  test('follow streams as the file grows, headers first; closing the client ends it', async () => {
    const url = new URL(`${env.server.url}${base}/web/log?container=app&follow=true`);
    const got: string[] = [];
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent: false }, resolve);
      req.on('error', reject);
    });
    assert.equal(res.statusCode, 200);
    res.setEncoding('utf8');
    const seen = (s: string) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`never saw ${s}: ${got.join('')}`)), 5000);
        const check = () => {
          if (got.join('').includes(s)) {
            clearTimeout(t);
            res.off('data', onData);
            resolve();
          }
        };
        const onData = (c: string) => {
          got.push(c);
          check();
        };
        res.on('data', onData);
        check();
      });
    await seen('two\n');
    fs.appendFileSync(env.appLog, '2026-01-02T03:04:07Z stdout F three\n');
    await seen('three\n');
    res.destroy();
    // The apiserver drops its request to the node, and the node stops following.
    const deadline = Date.now() + 5000;
    for (;;) {
      const n = await new Promise<number>((r) => env.node.httpServer.getConnections((_e, c) => r(c)));
      if (n === 0) break;
      if (Date.now() > deadline) assert.fail(`the node still has ${n} connection(s)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  test('an unreachable node agent is a 500 naming the URL', async () => {
    const port = env.node.port;
    await env.api('PATCH', '/api/v1/nodes/n1/status', { status: { daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } }, 'application/merge-patch+json');
    try {
      const r = await env.api('GET', `${base}/web/log?container=app`);
      assert.equal(r.status, 500);
      assert.match(r.json.message, /^Get "http:\/\/127\.0\.0\.1:1\/containerLogs\/default\/web\/app": dial tcp 127\.0\.0\.1:1: connect: connection refused$/);
    } finally {
      await env.api('PATCH', '/api/v1/nodes/n1/status', { status: { daemonEndpoints: { kubeletEndpoint: { Port: port } } } }, 'application/merge-patch+json');
    }
  });
});

test('a node agent 404 for pods/log becomes NewGenericServerResponse with the pod in details (GenericHttpResponseChecker)', () => {
  const s = statusFromNodeResponse(404, 'not found\n', { resource: 'pods/log', name: 'web' }).status;
  assert.equal(s.code, 404);
  assert.equal(s.reason, 'NotFound');
  assert.equal(s.message, 'the server could not find the requested resource ( pods/log web)');
  assert.deepEqual(s.details, { kind: 'pods/log', name: 'web' });
  // 400 and 500 keep the agent's text
  assert.equal(statusFromNodeResponse(400, 'waiting\n', { resource: 'pods/log', name: 'web' }).status.message, 'waiting');
});
