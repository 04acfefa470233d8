import type { WebSocket } from 'ws';

/**
 * Sends binary messages on a WebSocket and applies backpressure to whatever feeds it: once more than `high`
 * bytes are queued and not yet written to the socket, `pause()` is called; `resume()` when it drops below
 * `low`. (ws has no 'drain' event; the send callback fires when a message left the buffer.)
 */
export class WsSender {
  readonly #ws: WebSocket;
  readonly #high: number;
  readonly #low: number;
  readonly #pause: () => void;
  readonly #resume: () => void;
  #pending = 0;
  #paused = false;

  constructor(ws: WebSocket, o: { pause: () => void; resume: () => void; high?: number; low?: number }) {
    this.#ws = ws;
    this.#pause = o.pause;
    this.#resume = o.resume;
    this.#high = o.high ?? 1 << 20;
    this.#low = o.low ?? 1 << 18;
  }

  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN;
  }

  send(msg: Buffer, done?: () => void): void {
    if (!this.open) return;
    const n = msg.length;
    this.#pending += n;
    this.#ws.send(msg, { binary: true }, () => {
      this.#pending -= n;
      if (this.#paused && this.#pending <= this.#low) {
        this.#paused = false;
        this.#resume();
      }
      done?.();
    });
    if (!this.#paused && this.#pending > this.#high) {
      this.#paused = true;
      this.#pause();
    }
  }
}
