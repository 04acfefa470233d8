/**
 * A follow-mode log view's buffer: text chunks as the stream delivers them (split anywhere, even inside a
 * line) become whole lines; only the last `maxLines` are kept so following a chatty container for hours
 * stays bounded. The partial last line is shown as it grows.
 */
export class LogBuffer {
  readonly maxLines: number;
  #lines: string[] = [];
  #partial = '';
  #dropped = 0;
  #version = 0;

  constructor(maxLines = 2000) {
    if (!(maxLines >= 1)) throw new RangeError(`maxLines must be at least 1, got ${maxLines}`);
    this.maxLines = maxLines;
  }

  /** Adds a decoded chunk of the stream. */
  push(chunk: string): void {
    if (chunk === '') return;
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const p of parts) this.#lines.push(p.endsWith('\r') ? p.slice(0, -1) : p);
    const over = this.#lines.length - this.maxLines;
    if (over > 0) {
      this.#lines.splice(0, over);
      this.#dropped += over;
    }
    this.#version++;
  }

  /** The stream ended: the partial line, if any, becomes a line. */
  end(): void {
    if (this.#partial !== '') this.push('\n');
  }

  clear(): void {
    this.#lines = [];
    this.#partial = '';
    this.#dropped = 0;
    this.#version++;
  }

  /** Complete lines kept, then the partial one when there is one; at most maxLines + 1. */
  lines(): string[] {
    return this.#partial === '' ? [...this.#lines] : [...this.#lines, this.#partial];
  }
  /** Lines dropped from the front to stay within maxLines. */
  get dropped(): number {
    return this.#dropped;
  }
  get version(): number {
    return this.#version;
  }
}
