/**
 * drained(stream): resolves once a writable that refused more (`write` returned false) can take more ('drain'),
 * or is gone ('close'), so a writer awaiting it never hangs on a peer that went away.
 */
import type { Writable } from 'node:stream';

export function drained(stream: Pick<Writable, 'on' | 'off'>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
