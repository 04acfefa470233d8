/**
 * Structured logging: a constant message plus data in fields, one line per message, to stderr.
 *
 *   log.info('Creating pod sandbox', { pod: 'ns/name' });
 *   const rlog = log.with({ component: 'reflector' });
 *   rlog.warn('Watch ended with an error', { err });
 *
 * Two formats:
 * - `text` (default): `2026-01-01T00:00:00.000Z INFO  Creating pod sandbox pod="ns/name"`
 * - `json`: `{"ts":"2026-01-01T00:00:00.000Z","level":"info","msg":"Creating pod sandbox","pod":"ns/name"}`
 *
 * Defaults come from the environment: `KUBELAB_LOG_LEVEL` (debug|info|warn|error|silent, default info) and
 * `KUBELAB_LOG_FORMAT` (text|json, default text). Values never break a line: strings with spaces, quotes or
 * newlines are JSON-quoted in text format; Error values render as their message (and stack at debug level).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

/** Where formatted lines go. The default writes to process.stderr. */
export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  /** Messages below this level are dropped. @default from KUBELAB_LOG_LEVEL, else 'info' */
  level?: LogLevel;
  /** @default from KUBELAB_LOG_FORMAT, else 'text' */
  format?: LogFormat;
  /** @default stderr */
  sink?: LogSink;
  /** Time source for timestamps (milliseconds since the epoch). @default Date.now */
  now?: () => number;
  /** Fields added to every line. */
  fields?: LogFields;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const TEXT_LEVEL: Record<Exclude<LogLevel, 'silent'>, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

const stderrSink: LogSink = { write: (line) => { process.stderr.write(line); } };

function envLevel(): LogLevel {
  const v = process.env['KUBELAB_LOG_LEVEL']?.toLowerCase();
  return v === 'debug' || v === 'info' || v === 'warn' || v === 'error' || v === 'silent' ? v : 'info';
}
function envFormat(): LogFormat {
  return process.env['KUBELAB_LOG_FORMAT']?.toLowerCase() === 'json' ? 'json' : 'text';
}

/** Shared, mutable configuration of a logger family (a root and every `with()` child of it). */
interface LoggerConfig {
  level: LogLevel;
  format: LogFormat;
  sink: LogSink;
  now: () => number;
}

export class Logger {
  #cfg: LoggerConfig;
  #fields: LogFields;

  constructor(options: LoggerOptions = {}) {
    this.#cfg = {
      level: options.level ?? envLevel(),
      format: options.format ?? envFormat(),
      sink: options.sink ?? stderrSink,
      now: options.now ?? Date.now,
    };
    this.#fields = { ...options.fields };
  }

  /** A child logger that adds `fields` to every line and shares this logger's level, format and sink. */
  with(fields: LogFields): Logger {
    const child = new Logger({ level: 'silent', format: 'text', sink: stderrSink });
    child.#cfg = this.#cfg;
    child.#fields = { ...this.#fields, ...fields };
    return child;
  }

  /** Changes level/format/sink for this logger and every child made with `with()`. */
  configure(options: Pick<LoggerOptions, 'level' | 'format' | 'sink' | 'now'>): void {
    const cfg = this.#cfg;
    if (options.level) cfg.level = options.level;
    if (options.format) cfg.format = options.format;
    if (options.sink) cfg.sink = options.sink;
    if (options.now) cfg.now = options.now;
  }

  get level(): LogLevel {
    return this.#cfg.level;
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return RANK[level] >= RANK[this.#cfg.level];
  }

  debug(msg: string, fields?: LogFields): void {
    this.#log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.#log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.#log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.#log('error', msg, fields);
  }

  #log(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void {
    const cfg = this.#cfg;
    if (RANK[level] < RANK[cfg.level]) return;
    const all: LogFields = fields ? { ...this.#fields, ...fields } : this.#fields;
    const ts = new Date(cfg.now()).toISOString();
    const withStack = cfg.level === 'debug';
    let line: string;
    if (cfg.format === 'json') {
      const out: LogFields = { ts, level, msg };
      for (const [k, v] of Object.entries(all)) {
        if (k === 'ts' || k === 'level' || k === 'msg') out[`field.${k}`] = jsonValue(v, withStack);
        else out[k] = jsonValue(v, withStack);
      }
      line = safeStringify(out);
    } else {
      let s = `${ts} ${TEXT_LEVEL[level]} ${oneLine(msg)}`;
      for (const [k, v] of Object.entries(all)) s += ` ${k}=${textValue(v, withStack)}`;
      line = s;
    }
    try {
      cfg.sink.write(line + '\n');
    } catch {
      // A logger must never throw into the caller.
    }
  }
}

function errorValue(e: Error, withStack: boolean): Record<string, unknown> | string {
  if (!withStack) return e.message;
  return { message: e.message, stack: e.stack ?? '' };
}

function jsonValue(v: unknown, withStack: boolean): unknown {
  if (v instanceof Error) return errorValue(v, withStack);
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function textValue(v: unknown, withStack: boolean): string {
  if (v instanceof Error) {
    const ev = errorValue(v, withStack);
    return typeof ev === 'string' ? JSON.stringify(ev) : safeStringify(ev);
  }
  if (typeof v === 'string') return /^[\w./:@%+-]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return safeStringify(v);
}

function oneLine(s: string): string {
  return s.includes('\n') || s.includes('\r') ? s.replace(/\r?\n|\r/g, '\\n') : s;
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val: unknown) => (typeof val === 'bigint' ? val.toString() : val instanceof Error ? val.message : val)) ?? 'undefined';
  } catch {
    return '"[unserializable]"';
  }
}

/** The process-wide logger. Components derive children with `log.with({ component: '...' })`. */
export const log: Logger = new Logger();

/** A logger that drops everything (handy default for tests that assert on behaviour, not logs). */
export function silentLogger(): Logger {
  return new Logger({ level: 'silent' });
}

/** A logger that keeps its lines in memory, for tests that assert on what was logged. */
export function memoryLogger(options: Omit<LoggerOptions, 'sink'> = {}): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger({ level: 'debug', format: 'json', ...options, sink: { write: (l) => { lines.push(l.trimEnd()); } } });
  return { logger, lines };
}
