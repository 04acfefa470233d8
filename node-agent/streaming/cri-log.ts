/**
 * Reading container logs from CRI log files, as kubelet does (pkg/kubelet/kuberuntime/logs/logs.go ReadLogs,
 * pkg/util/tail FindTailLineStartIndex).
 *
 * The runtime writes one record per line: `<RFC3339Nano time> <stdout|stderr> <P|F> <text>`. A line longer than
 * the runtime's max line size is split into `P` (partial) records ending with an `F` (full) record; the reader
 * joins them by writing a partial record's text without its newline. Options follow v1.PodLogOptions:
 * - `tailLines`: start at the n-th last *record* of the file (kubelet counts file lines, not joined lines);
 *   without `follow` exactly n records are read.
 * - `since` (from sinceSeconds/sinceTime): records stamped before it are skipped.
 * - `timestamps`: each logical line starts with its record's time in the fixed-width form
 *   `2006-01-02T15:04:05.000000000Z07:00` (a continuation of a partial line gets no prefix).
 * - `limitBytes`: output stops after that many bytes (prefixes included), cutting the last line.
 * - `stream`: Stdout / Stderr / All (PodLogsQuerySplitStreams); a filtered stream is neither written nor counted.
 * - `follow`: at the end of the file, wait for more (fs.watch on the directory plus a 1 s forced re-check) as long
 *   as the container runs; once it stopped, drain the file and end. A log file that is re-created (rotation by
 *   rename/create) is reopened from its start.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Clock } from '../../shared/util/clock.ts';
import { realClock } from '../../shared/util/clock.ts';
import { parseRfc3339Nano } from '../../shared/util/time-format.ts';

export type LogStream = 'stdout' | 'stderr';

/** One parsed CRI log record. */
export interface CriLogRecord {
  /** Epoch nanoseconds of the record. */
  timeNs: bigint;
  /** The record's time in kubelet's output form (RFC3339 with a fixed 9-digit fraction). */
  time: string;
  stream: LogStream;
  /** `P`: the text continues in the next record (its trailing newline is dropped). */
  partial: boolean;
  /** The text; for a full record including its trailing `\n` when the file had one. */
  log: Buffer;
}

export interface ReadLogsOptions {
  /** Start at the n-th last record; undefined (or negative) reads the whole file. */
  tailLines?: number;
  /** Stop after this many output bytes; undefined means no limit. */
  limitBytes?: number;
  /** Skip records stamped before this time (epoch ns). */
  sinceNs?: bigint;
  timestamps?: boolean;
  follow?: boolean;
  /** Which streams to output (default All). */
  stream?: 'All' | 'Stdout' | 'Stderr';
}

export interface ReadLogsControl {
  /** Ends the read (the client went away). */
  signal?: AbortSignal;
  /** For follow: whether the container still runs (kubelet asks the runtime's ContainerStatus). */
  isRunning?: () => Promise<boolean>;
  clock?: Clock;
  /** For follow: how long to wait for a file change before re-checking (kubelet: 1 s). */
  forceCheckMs?: number;
}

/** Where output goes; resolves when the consumer can take more (backpressure). */
export type LogSink = (chunk: Buffer) => Promise<void> | void;

const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * Parses one CRI log line (including its trailing newline, if any). Throws on a line that is not CRI format
 * (kubelet logs and skips such lines).
 */
export function parseCriLogLine(line: Buffer): CriLogRecord {
  const s1 = line.indexOf(SPACE);
  if (s1 < 0) throw new Error('timestamp is not found');
  const t = parseRfc3339Nano(line.subarray(0, s1).toString('latin1'));
  if (!t) throw new Error(`unexpected timestamp format: ${JSON.stringify(line.subarray(0, s1).toString())}`);
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) throw new Error('stream type is not found');
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') throw new Error(`unexpected stream type ${JSON.stringify(stream)}`);
  const s3 = line.indexOf(SPACE, s2 + 1);
  if (s3 < 0) throw new Error('log tag is not found');
  // Tags are `:`-separated; only the first (P/F) means something today.
  const tag = line.subarray(s2 + 1, s3).toString('latin1').split(':')[0];
  const partial = tag === 'P';
  let end = line.length;
  if (partial && end > 0 && line[end - 1] === NEWLINE) end--;
  return { timeNs: t.ns, time: t.fixed, stream, partial, log: line.subarray(s3 + 1, end) };
}

/**
 * The offset where the n-th last line of the file starts (kubelet pkg/util/tail FindTailLineStartIndex): just
 * after the (n+1)-th last newline, or 0 when there are fewer. n < 0 → 0 (whole file); n = 0 → the file size.
 */
export async function findTailLineStart(fh: fsp.FileHandle, n: number): Promise<number> {
  const { size } = await fh.stat();
  if (n < 0) return 0;
  if (n === 0) return size;
  const block = 64 * 1024;
  let pos = size;
  let count = 0;
  const buf = Buffer.alloc(block);
  while (pos > 0) {
    const len = Math.min(block, pos);
    pos -= len;
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] !== NEWLINE) continue;
      count++;
      if (count === n + 1) return pos + i + 1;
    }
  }
  return 0;
}

/** Renders records to output, tracking line starts, the since filter, streams and the byte budget. */
export class LogWriter {
  readonly #opts: ReadLogsOptions;
  #remain: number;
  #newLine = true;

  constructor(opts: ReadLogsOptions) {
    this.#opts = opts;
    this.#remain = opts.limitBytes !== undefined && opts.limitBytes >= 0 ? opts.limitBytes : Number.POSITIVE_INFINITY;
  }

  /** True once limitBytes is used up. */
  get done(): boolean {
    return this.#remain <= 0;
  }

  /** The bytes to output for one record (possibly empty). */
  render(rec: CriLogRecord): Buffer {
    const addPrefix = this.#newLine;
    this.#newLine = rec.log.length > 0 ? rec.log[rec.log.length - 1] === NEWLINE : true;
    if (this.#remain <= 0) return Buffer.alloc(0);
    if (this.#opts.sinceNs !== undefined && rec.timeNs < this.#opts.sinceNs) return Buffer.alloc(0);
    const want = this.#opts.stream ?? 'All';
    if ((want === 'Stdout' && rec.stream !== 'stdout') || (want === 'Stderr' && rec.stream !== 'stderr')) return Buffer.alloc(0);
    let out = this.#opts.timestamps && addPrefix ? Buffer.concat([Buffer.from(`${rec.time} `), rec.log]) : rec.log;
    if (out.length > this.#remain) out = out.subarray(0, this.#remain);
    this.#remain -= out.length;
    return out;
  }
}

/**
 * Renders a whole log file's content at once (no follow): the unit-testable core of readContainerLogs for
 * in-memory content. Lines that are not CRI format are skipped, as kubelet does.
 */
export function renderCriLog(content: Buffer | string, opts: ReadLogsOptions = {}): Buffer {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  let start = 0;
  if (opts.tailLines !== undefined && opts.tailLines >= 0) start = tailStartInBuffer(data, opts.tailLines);
  const writer = new LogWriter(opts);
  const parts: Buffer[] = [];
  let left = opts.tailLines !== undefined && opts.tailLines >= 0 ? opts.tailLines : Number.POSITIVE_INFINITY;
  let pos = start;
  while (pos < data.length && left > 0 && !writer.done) {
    const nl = data.indexOf(NEWLINE, pos);
    const end = nl < 0 ? data.length : nl + 1;
    const line = data.subarray(pos, end);
    pos = end;
    let rec: CriLogRecord;
    try {
      rec = parseCriLogLine(line);
    } catch {
      continue;
    }
    parts.push(writer.render(rec));
    left--;
  }
  return Buffer.concat(parts);
}

function tailStartInBuffer(data: Buffer, n: number): number {
  if (n === 0) return data.length;
  let count = 0;
  for (let i = data.length - 1; i >= 0; i--) {
    if (data[i] !== NEWLINE) continue;
    count++;
    if (count === n + 1) return i + 1;
  }
  return 0;
}

/**
 * Streams a CRI log file to `sink` with kubelet's semantics (see the file comment). Resolves when done: the
 * file is read (no follow), the tail/limit is reached, the followed container stopped and the file is drained,
 * or the signal fired.
 */
export async function readContainerLogs(file: string, opts: ReadLogsOptions, sink: LogSink, ctl: ReadLogsControl = {}): Promise<void> {
  const clock = ctl.clock ?? realClock;
  const forceCheckMs = ctl.forceCheckMs ?? 1000;
  const signal = ctl.signal;
  let resolved = file;
  try {
    resolved = await fsp.realpath(file);
  } catch (e) {
    throw new Error(`failed to try resolving symlinks in path ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  let fh = await fsp.open(resolved, 'r').catch((e: Error) => {
    throw new Error(`failed to open log file ${JSON.stringify(resolved)}: ${e.message}`);
  });
  const tail = opts.tailLines !== undefined && opts.tailLines >= 0 ? opts.tailLines : -1;
  let pos = await findTailLineStart(fh, tail);
  const limited = tail >= 0 && !opts.follow;
  let left = tail;
  const writer = new LogWriter(opts);
  const buf = Buffer.alloc(64 * 1024);
  let carry: Buffer = Buffer.alloc(0);
  let found = true;
  let watcher: Watcher | undefined;
  try {
    for (;;) {
      if (signal?.aborted || writer.done || (limited && left === 0)) return;
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        const data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
        const out: Buffer[] = [];
        let lineStart = 0;
        for (;;) {
          if (writer.done || (limited && left === 0)) break;
          const nl = data.indexOf(NEWLINE, lineStart);
          if (nl < 0) break;
          const line = data.subarray(lineStart, nl + 1);
          lineStart = nl + 1;
          let rec: CriLogRecord;
          try {
            rec = parseCriLogLine(line);
          } catch {
            continue;
          }
          const chunk = writer.render(rec);
          if (chunk.length) out.push(chunk);
          if (limited) left--;
        }
        carry = Buffer.from(data.subarray(lineStart));
        if (out.length) await sink(Buffer.concat(out));
        continue;
      }
      // End of file.
      if (!opts.follow) {
        // A last line without its newline is still output (kubelet: "Incomplete line in log file").
        if (carry.length && !writer.done && !(limited && left === 0)) {
          try {
            const chunk = writer.render(parseCriLogLine(carry));
            if (chunk.length) await sink(chunk);
          } catch {
            // not CRI format: skipped
          }
        }
        return;
      }
      if (!found) return;
      if (!watcher) {
        watcher = new Watcher(resolved);
        // Read once more: a write may have landed before the watch started.
        continue;
      }
      const running = ctl.isRunning ? await ctl.isRunning().catch(() => false) : true;
      if (!running) {
        // Drain what is left, then stop at the next end of file.
        found = false;
        continue;
      }
      const ev = await watcher.wait(forceCheckMs, clock, signal);
      if (ev === 'recreated') {
        // Reopen only a different file at the path (several events may report the same re-creation).
        const [cur, now] = await Promise.all([fh.stat().catch(() => undefined), fsp.stat(resolved).catch(() => undefined)]);
        const fresh = now && cur && (now.ino !== cur.ino || now.dev !== cur.dev) ? await fsp.open(resolved, 'r').catch(() => undefined) : undefined;
        if (fresh) {
          await fh.close().catch(() => undefined);
          fh = fresh;
          pos = 0;
          carry = Buffer.alloc(0);
        }
      }
    }
  } finally {
    watcher?.close();
    await fh.close().catch(() => undefined);
  }
}

/** fs.watch on the log file's directory: wakes a waiting reader on a write or a re-creation of the file. */
class Watcher {
  readonly #base: string;
  #w: fs.FSWatcher | undefined;
  #pending: 'changed' | 'recreated' | undefined;
  #wake: (() => void) | undefined;

  constructor(file: string) {
    this.#base = path.basename(file);
    try {
      this.#w = fs.watch(path.dirname(file), { persistent: false }, (type, name) => {
        if (name !== null && name !== this.#base) return;
        const ev = type === 'rename' ? 'recreated' : 'changed';
        if (this.#pending !== 'recreated') this.#pending = ev;
        this.#wake?.();
      });
      this.#w.on('error', () => this.close());
    } catch {
      // No watch available: the forced re-check still finds new data.
      this.#w = undefined;
    }
  }

  /** Waits for an event or the forced re-check period. */
  async wait(ms: number, clock: Clock, signal?: AbortSignal): Promise<'changed' | 'recreated' | 'timeout'> {
    if (this.#pending) return this.#take();
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#wake = () => ac.abort();
    try {
      await clock.sleep(ms, ac.signal).catch(() => undefined);
    } finally {
      this.#wake = undefined;
      signal?.removeEventListener('abort', onAbort);
    }
    return this.#pending ? this.#take() : 'timeout';
  }

  #take(): 'changed' | 'recreated' {
    const ev = this.#pending ?? 'changed';
    this.#pending = undefined;
    return ev;
  }

  close(): void {
    this.#w?.close();
    this.#w = undefined;
  }
}
