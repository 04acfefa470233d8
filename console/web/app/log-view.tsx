/**
 * Following a container's log: GET pods/log?follow=true&container=C&tailLines=200 read as a stream (fetch +
 * ReadableStream) into a bounded LogBuffer, painted at most once per frame, kept scrolled to the end while the
 * reader is at the end. Ends and failures (a container not started yet answers 400) retry with a bounded
 * backoff while the view is open.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { LogBuffer } from '../lib/log-buffer.ts';
import { RetryBackoff } from '../lib/retry-backoff.ts';
import { apiFetch } from './transport.ts';

const MAX_LINES = 2000;

export function LogView(props: { namespace: string; pod: string; containers: string[]; initial: string }) {
  const [container, setContainer] = useState(props.initial);
  const [text, setText] = useState('');
  const [status, setStatus] = useState('connecting…');
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    if (!props.containers.includes(container) && props.initial) setContainer(props.initial);
  }, [props.initial, props.containers.join(',')]);

  useEffect(() => {
    if (!container) return;
    const buffer = new LogBuffer(MAX_LINES);
    const abort = new AbortController();
    const backoff = new RetryBackoff({ initialMs: 500, maxMs: 4000 });
    let painted = -1;
    let frame = 0;
    let retry = 0;
    setText('');
    const paint = () => {
      frame = 0;
      if (buffer.version === painted) return;
      painted = buffer.version;
      setText(buffer.lines().join('\n'));
    };
    const schedulePaint = () => {
      if (!frame) frame = requestAnimationFrame(paint);
    };
    const follow = async () => {
      const q = new URLSearchParams({ follow: 'true', container, tailLines: '200' });
      setStatus('connecting…');
      try {
        const res = await apiFetch(`/api/v1/namespaces/${encodeURIComponent(props.namespace)}/pods/${encodeURIComponent(props.pod)}/log?${q}`, {
          signal: abort.signal,
          headers: { Accept: '*/*' },
        });
        buffer.clear();
        setStatus('following');
        backoff.reset();
        const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
        if (!reader) throw new Error('the response has no body');
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer.push(value);
          schedulePaint();
        }
        buffer.end();
        schedulePaint();
        setStatus('the stream ended; reconnecting…');
      } catch (err) {
        if (abort.signal.aborted) return;
        setStatus(`${err instanceof Error ? err.message : String(err)}; retrying…`);
      }
      if (abort.signal.aborted) return;
      retry = window.setTimeout(() => void follow(), backoff.next());
    };
    void follow();
    return () => {
      abort.abort();
      window.clearTimeout(retry);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [props.namespace, props.pod, container]);

  useLayoutEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <section class="logs" aria-labelledby="logs-title">
      <header class="logs-head">
        <h2 id="logs-title">Logs</h2>
        <label>
          container{' '}
          <select data-testid="log-container-picker" value={container} onChange={(e) => setContainer((e.currentTarget as HTMLSelectElement).value)}>
            {props.containers.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <span class="muted" data-testid="log-status" aria-live="polite">
          {status}
        </span>
      </header>
      <pre
        ref={pre}
        class="log-view"
        data-testid="log-view"
        data-container={container}
        tabIndex={0}
        aria-label={`Log of container ${container}`}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLPreElement;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {text}
      </pre>
    </section>
  );
}
