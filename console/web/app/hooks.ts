/** Small hooks over the runtime: re-render on batch flushes, the current route, informer states. */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { InformerState } from '../lib/informer.ts';
import { parseRoute, type Route } from '../lib/routes.ts';
import type { ConsoleRuntime } from './runtime.ts';

export const RuntimeContext = createContext<ConsoleRuntime | null>(null);

export function useRuntime(): ConsoleRuntime {
  const rt = useContext(RuntimeContext);
  if (!rt) throw new Error('useRuntime outside RuntimeContext');
  return rt;
}

/** A number that moves after every batcher flush: the component re-renders at most once per frame. */
export function useFlushVersion(): number {
  const rt = useRuntime();
  const [v, setV] = useState(0);
  useEffect(() => rt.batcher.subscribe(() => setV((x) => x + 1)), [rt]);
  return v;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function useInformerStates(): Record<'nodes' | 'pods' | 'events', InformerState> {
  const rt = useRuntime();
  const read = () => ({ nodes: rt.nodes.state, pods: rt.pods.state, events: rt.events.state });
  const [states, setStates] = useState(read);
  useEffect(() => {
    const on = () => setStates(read());
    const offs = [rt.nodes.onState(on), rt.pods.onState(on), rt.events.onState(on)];
    return () => offs.forEach((off) => off());
  }, [rt]);
  return states;
}

/** Whether the user is typing in a field (global single-key shortcuts stay out of the way then). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable;
}
