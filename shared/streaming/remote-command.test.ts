import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WEBSOCKET_PROTOCOLS,
  channelFrame,
  exitCodeStatus,
  internalErrorStatus,
  parseBoolParam,
  parseChannelFrame,
  selectProtocol,
  statusExitCode,
  successStatus,
} from './remote-command.ts';

describe('remote-command v5 framing', () => {
  test('a message is the channel byte followed by the data', () => {
    assert.deepEqual([...channelFrame(1, 'hi\n')], [1, 0x68, 0x69, 0x0a]);
    assert.deepEqual([...channelFrame(255, Buffer.from([0]))], [255, 0]);
    assert.deepEqual(parseChannelFrame(Buffer.from([2, 0x61])), { channel: 2, data: Buffer.from('a') });
    assert.equal(parseChannelFrame(Buffer.alloc(0)), undefined);
  });

  test('statuses as kubelet writes them, and the exit code kubectl takes from them', () => {
    assert.deepEqual(successStatus(), { metadata: {}, status: 'Success' });
    const s = exitCodeStatus(3);
    assert.deepEqual(s, {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: exit status 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    assert.equal(statusExitCode(s), 3);
    assert.equal(statusExitCode(successStatus()), 0);
    assert.equal(statusExitCode(internalErrorStatus('boom')), undefined);
    assert.equal(internalErrorStatus('boom').message, 'Internal error occurred: boom');
  });

  test('subprotocol choice prefers v5, then v4', () => {
    assert.equal(selectProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'], WEBSOCKET_PROTOCOLS), 'v5.channel.k8s.io');
    assert.equal(selectProtocol(new Set(['v4.channel.k8s.io', 'channel.k8s.io']), WEBSOCKET_PROTOCOLS), 'v4.channel.k8s.io');
    assert.equal(selectProtocol(['base64.channel.k8s.io'], WEBSOCKET_PROTOCOLS), undefined);
  });

  test('booleans as Go parses them', () => {
    for (const v of ['1', 't', 'true', 'TRUE', 'True']) assert.equal(parseBoolParam(v), true, v);
    for (const v of ['0', 'false', '', 'yes']) assert.equal(parseBoolParam(v), false, v);
    assert.equal(parseBoolParam(null), false);
  });
});
