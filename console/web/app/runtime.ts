/**
 * The console's data, outside the component tree: one FrameBatcher (one flush, hence at most one render, per
 * animation frame) and informers for nodes, pods and events. Exposes `window.__kubelabConsole` for the browser
 * tests and the benchmark (docs/design/console.md, "Test hooks").
 */
import { FrameBatcher } from '../lib/frame-batcher.ts';
import { Informer, type InformerClock, type InformerState } from '../lib/informer.ts';
import type { Event, Node, Pod } from '../lib/kube-types.ts';
import { restListWatcher } from './transport.ts';

export interface ConsoleCounters {
  /** Watch events and list replacements applied to the stores. */
  eventsApplied: number;
  /** Batcher flushes (each at most one render). */
  flushes: number;
  /** Renders of the page (commits of the root component). */
  renders: number;
  /** performance.now() of the last commit. */
  lastRenderAt: number;
  /** Milliseconds the last render took (render + commit of the root). */
  lastRenderMs: number;
  /** performance.now() when the last flush started. */
  lastFlushAt: number;
}

export interface ConsoleHook {
  counters: ConsoleCounters;
  informers: Record<'nodes' | 'pods' | 'events', InformerState>;
  /** All three informers have listed once. */
  synced(): boolean;
  /** Number of pods in the store (not the DOM: the lists are virtualized). */
  podCount(): number;
  /** Whether the store holds `namespace/name`. */
  hasPod(key: string): boolean;
}

declare global {
  interface Window {
    __kubelabConsole?: ConsoleHook;
  }
}

const browserClock: InformerClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = window.setTimeout(fn, ms);
    return { cancel: () => window.clearTimeout(t) };
  },
};

/** requestAnimationFrame, or a short timer when the tab is hidden (rAF does not fire there). */
function scheduleFrame(fn: () => void): void {
  if (document.visibilityState === 'hidden') window.setTimeout(fn, 100);
  else requestAnimationFrame(() => fn());
}

export class ConsoleRuntime {
  readonly counters: ConsoleCounters = { eventsApplied: 0, flushes: 0, renders: 0, lastRenderAt: 0, lastRenderMs: 0, lastFlushAt: 0 };
  readonly batcher: FrameBatcher;
  readonly nodes: Informer<Node>;
  readonly pods: Informer<Pod>;
  readonly events: Informer<Event>;

  constructor() {
    this.batcher = new FrameBatcher((flush) =>
      scheduleFrame(() => {
        this.counters.lastFlushAt = performance.now();
        flush();
      }),
    );
    this.batcher.subscribe((s) => {
      this.counters.eventsApplied += s.writes;
      this.counters.flushes = s.flushes;
    });
    const opts = { clock: browserClock };
    this.nodes = new Informer<Node>(restListWatcher<Node>('/api/v1/nodes'), this.batcher, opts);
    this.pods = new Informer<Pod>(restListWatcher<Pod>('/api/v1/pods'), this.batcher, opts);
    this.events = new Informer<Event>(restListWatcher<Event>('/api/v1/events'), this.batcher, opts);
  }

  start(): void {
    this.nodes.start();
    this.pods.start();
    this.events.start();
    const rt = this;
    window.__kubelabConsole = {
      counters: this.counters,
      get informers() {
        return { nodes: rt.nodes.state, pods: rt.pods.state, events: rt.events.state };
      },
      synced: () => rt.nodes.state.synced && rt.pods.state.synced && rt.events.state.synced,
      podCount: () => rt.pods.store.size,
      hasPod: (key: string) => rt.pods.store.get(key) !== undefined,
    };
  }

  stop(): void {
    this.nodes.stop();
    this.pods.stop();
    this.events.stop();
  }
}
