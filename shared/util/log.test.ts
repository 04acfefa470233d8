import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, memoryLogger } from './log.ts';

const at = Date.UTC(2026, 0, 1, 12, 0, 0);

test('text format: one line, level, message, key=value fields', () => {
  const lines: string[] = [];
  const log = new Logger({ format: 'text', level: 'info', now: () => at, sink: { write: (l) => { lines.push(l); } } });
  log.info('Creating pod sandbox', { pod: 'ns/name', attempt: 2, ok: true });
  log.warn('Odd value', { msg: 'has spaces "and quotes"\nand a newline' });
  log.debug('dropped');
  assert.deepEqual(lines, [
    '2026-01-01T12:00:00.000Z INFO  Creating pod sandbox pod=ns/name attempt=2 ok=true\n',
    '2026-01-01T12:00:00.000Z WARN  Odd value msg="has spaces \\"and quotes\\"\\nand a newline"\n',
  ]);
});

test('json format: one object per line; errors render as their message', () => {
  const { logger, lines } = memoryLogger({ now: () => at, level: 'info' });
  logger.error('Sync failed', { pod: 'ns/a', err: new Error('boom') });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0] ?? ''), { ts: '2026-01-01T12:00:00.000Z', level: 'error', msg: 'Sync failed', pod: 'ns/a', err: 'boom' });
});

test('with() adds fields and shares configuration with its parent', () => {
  const { logger, lines } = memoryLogger({ now: () => at });
  const child = logger.with({ component: 'scheduler' });
  child.info('Bound', { pod: 'ns/a' });
  logger.configure({ level: 'warn' });
  child.info('dropped now');
  child.warn('kept');
  assert.deepEqual(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((o) => [o['msg'], o['component']]), [['Bound', 'scheduler'], ['kept', 'scheduler']]);
});

test('debug level includes error stacks; silent drops everything', () => {
  const { logger, lines } = memoryLogger({ level: 'debug' });
  logger.debug('x', { err: new Error('e') });
  const parsed = JSON.parse(lines[0] ?? '') as { err: { message: string; stack: string } };
  assert.equal(parsed.err.message, 'e');
  assert.match(parsed.err.stack, /Error: e/);
  logger.configure({ level: 'silent' });
  logger.error('nope');
  assert.equal(lines.length, 1);
});

test('a failing sink never throws into the caller; reserved keys do not clobber', () => {
  const log = new Logger({ format: 'json', sink: { write: () => { throw new Error('EPIPE'); } } });
  log.info('still fine');
  const { logger, lines } = memoryLogger({ now: () => at });
  logger.info('m', { level: 'x', msg: 'y' });
  const o = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(o['level'], 'info');
  assert.equal(o['msg'], 'm');
  assert.equal(o['field.msg'], 'y');
});
