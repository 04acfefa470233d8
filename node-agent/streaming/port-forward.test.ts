import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Pod } from '../../shared/api/core-v1.ts';
import type { PortForwardRequest } from '../cri/services.ts';
import { StreamingHttpError } from './pod-containers.ts';
import { isWebSocketRequest, parsePortForwardPath, parseV4Ports, podSandboxId, portForwardURL } from './port-forward.ts';
import { FakePortForwardServer, fakePortForwardRuntime } from './testing/fake-port-forward-server.ts';

const httpError = (code: number, message: string) => (e: unknown) => e instanceof StreamingHttpError && e.statusCode === code && e.message === message;

describe('port-forward request parsing (kubelet texts)', () => {
  test('paths: /portForward/{ns}/{pod} and /portForward/{ns}/{pod}/{uid}', () => {
    assert.deepEqual(parsePortForwardPath('/portForward/default/web'), { namespace: 'default', pod: 'web', uid: '' });
    assert.deepEqual(parsePortForwardPath('/portForward/default/web/u-1'), { namespace: 'default', pod: 'web', uid: 'u-1' });
    assert.equal(parsePortForwardPath('/portForward/default'), undefined);
    assert.equal(parsePortForwardPath('/exec/default/web/app'), undefined);
  });

  test('WebSocket ports: repeated or comma-separated, 1..65535', () => {
    assert.deepEqual(parseV4Ports(new URLSearchParams('port=80,8080&port=9090')), [80, 8080, 9090]);
    assert.throws(() => parseV4Ports(new URLSearchParams('')), httpError(400, 'query parameter "port" is required'));
    assert.throws(() => parseV4Ports(new URLSearchParams('port=')), httpError(400, 'query parameter "port" cannot be empty'));
    assert.throws(() => parseV4Ports(new URLSearchParams('port=0')), httpError(400, 'port "0" must be > 0'));
    assert.throws(() => parseV4Ports(new URLSearchParams('port=80,x')), httpError(400, 'unable to parse "80,x" as a port: strconv.ParseUint: parsing "x": invalid syntax'));
    assert.throws(() => parseV4Ports(new URLSearchParams('port=70000')), httpError(400, 'unable to parse "70000" as a port: strconv.ParseUint: parsing "70000": value out of range'));
  });

  test('a WebSocket request is Connection: upgrade + Upgrade: websocket', () => {
    const req = (h: Record<string, string>) => ({ headers: h }) as unknown as IncomingMessage;
    assert.equal(isWebSocketRequest(req({ connection: 'keep-alive, Upgrade', upgrade: 'WebSocket' })), true);
    assert.equal(isWebSocketRequest(req({ connection: 'Upgrade', upgrade: 'SPDY/3.1' })), false);
  });
});

describe('port-forward resolution', () => {
  const pod = { metadata: { name: 'web', namespace: 'default', uid: 'u-1' } } as Pod;
  const server = new FakePortForwardServer();
  const runtime = fakePortForwardRuntime(server, [
    { id: 'old', podUid: 'u-1', createdAt: 5n },
    { id: 'new', podUid: 'u-1', createdAt: 9n },
    { id: 'other', podUid: 'u-2', createdAt: 20n },
  ]);
  const spdyReq = { headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' } } as unknown as IncomingMessage;
  const wsReq = { headers: { connection: 'Upgrade', upgrade: 'websocket' } } as unknown as IncomingMessage;

  test('the newest sandbox of the pod; none is a 500 naming the pod as format.PodDesc', async () => {
    assert.equal(await podSandboxId(runtime, pod), 'new');
    const stranger = { metadata: { name: 'x', namespace: 'ns', uid: 'u-9' } } as Pod;
    await assert.rejects(podSandboxId(runtime, stranger), httpError(500, 'failed to find sandboxID for pod x_ns(u-9)'));
  });

  test('CRI PortForward gets the sandbox and, for WebSocket clients only, the ports; pod and uid checks', async () => {
    const deps = { runtime, getPod: (ns: string, name: string) => (ns === 'default' && name === 'web' ? pod : undefined) };
    await portForwardURL(deps, { namespace: 'default', pod: 'web', uid: '' }, spdyReq, new URLSearchParams('port=80'));
    await portForwardURL(deps, { namespace: 'default', pod: 'web', uid: 'u-1' }, wsReq, new URLSearchParams('port=80,81'));
    assert.deepEqual(server.requests, [{ podSandboxId: 'new', ports: [] }, { podSandboxId: 'new', ports: [80, 81] }] satisfies PortForwardRequest[]);
    await assert.rejects(portForwardURL(deps, { namespace: 'default', pod: 'nope', uid: '' }, spdyReq, new URLSearchParams()), httpError(404, 'pod does not exist'));
    await assert.rejects(portForwardURL(deps, { namespace: 'default', pod: 'web', uid: 'u-other' }, spdyReq, new URLSearchParams()), httpError(404, 'pod not found'));
    await assert.rejects(portForwardURL(deps, { namespace: 'default', pod: 'web', uid: '' }, wsReq, new URLSearchParams()), httpError(400, 'query parameter "port" is required'));
  });
});
