/**
 * The console's shell: header (who is signed in, the cluster's version, connection state, theme, sign out),
 * hash routing, the shared filters and the global keys (`/` filter, Esc back/clear, g-less: c cluster, e events).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Session } from '../lib/kube-types.ts';
import type { PodFilter } from '../lib/pod-summary.ts';
import { ClusterPage, usePodNamespaces } from './cluster-page.tsx';
import { EventsPage } from './events-view.tsx';
import { isTyping, useFlushVersion, useInformerStates, useRoute, useRuntime } from './hooks.ts';
import { PodPage } from './pod-page.tsx';
import { effectiveTheme, toggleTheme, type Theme } from './theme.ts';
import { apiFetch, getJSON, onUnauthorized } from './transport.ts';

function useSession(): { session: Session | null; version: string; unauthorized: boolean } {
  const [session, setSession] = useState<Session | null>(null);
  const [version, setVersion] = useState('');
  const [unauthorized, setUnauthorized] = useState(false);
  useEffect(() => {
    const off = onUnauthorized(() => setUnauthorized(true));
    getJSON<Session>('/session').then(setSession, () => undefined);
    getJSON<{ gitVersion?: string }>('/version').then((v) => setVersion(v.gitVersion ?? ''), () => undefined);
    return off;
  }, []);
  return { session, version, unauthorized };
}

function Connection() {
  const s = useInformerStates();
  const all = [s.nodes, s.pods, s.events];
  const waiting = all.find((x) => x.phase === 'waiting');
  const listing = all.some((x) => x.phase === 'listing');
  const text = waiting ? `reconnecting: ${waiting.error ?? ''}` : listing ? 'listing…' : 'live';
  const tone = waiting ? 'bad' : listing ? 'progress' : 'ok';
  return (
    <span class={`conn tone-${tone}`} data-testid="connection" data-state={waiting ? 'waiting' : listing ? 'listing' : 'live'} role="status" title={text}>
      <span aria-hidden="true">●</span> {text}
    </span>
  );
}

export function App() {
  const rt = useRuntime();
  const route = useRoute();
  const { session, version, unauthorized } = useSession();
  const [filter, setFilter] = useState<PodFilter>({ namespace: '', text: '' });
  const [theme, setTheme] = useState<Theme>(effectiveTheme);
  const filterRef = useRef<HTMLInputElement>(null);
  const namespaces = usePodNamespaces();
  useFlushVersion();

  // Counters for the benchmark: each commit of the root is a render.
  const renderStart = performance.now();
  useLayoutEffect(() => {
    const now = performance.now();
    rt.counters.renders++;
    rt.counters.lastRenderAt = now;
    rt.counters.lastRenderMs = now - renderStart;
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        if (isTyping(e)) {
          (e.target as HTMLElement).blur();
          if (e.target === filterRef.current && filter.text) setFilter((f) => ({ ...f, text: '' }));
          return;
        }
        if (location.hash.startsWith('#/pods/') || location.hash === '#/events') location.hash = '#/';
        return;
      }
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '/') {
        e.preventDefault();
        if (route.page !== 'cluster') location.hash = '#/';
        requestAnimationFrame(() => filterRef.current?.focus());
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [route.page, filter.text]);

  // Move focus to the new page's heading so keyboard and screen-reader users land on it.
  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h) {
      h.tabIndex = -1;
      h.focus({ preventScroll: true });
    }
    document.title =
      route.page === 'pod' ? `${route.namespace}/${route.name} · kubelab console` : route.page === 'events' ? 'Events · kubelab console' : 'kubelab console';
  }, [route.page === 'pod' ? `${route.namespace}/${route.name}` : route.page]);

  const signOut = async () => {
    try {
      await apiFetch('/logout', { method: 'POST' });
    } finally {
      location.assign('/');
    }
  };

  let page;
  switch (route.page) {
    case 'cluster':
      page = <ClusterPage filter={filter} />;
      break;
    case 'pod':
      page = <PodPage key={`${route.namespace}/${route.name}`} namespace={route.namespace} name={route.name} />;
      break;
    case 'events':
      page = <EventsPage />;
      break;
    case 'not-found':
      page = (
        <main class="page">
          <h1>Not found</h1>
          <p>
            No page at <code>{route.path}</code>. <a href="#/">Go to the cluster</a>.
          </p>
        </main>
      );
      break;
  }

  return (
    <div class="shell" data-testid="app" data-page={route.page}>
      <a class="skip" href="#main-content" onClick={(e) => {
        e.preventDefault();
        document.querySelector<HTMLElement>('main h1')?.focus();
      }}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          kubelab <span>console</span>
        </a>
        <nav aria-label="Pages">
          <a href="#/" aria-current={route.page === 'cluster' ? 'page' : undefined}>
            Cluster
          </a>
          <a href="#/events" aria-current={route.page === 'events' ? 'page' : undefined}>
            Events
          </a>
        </nav>
        {route.page === 'cluster' ? (
          <div class="filters" role="search">
            <label class="visually-hidden" for="ns-filter">
              Namespace
            </label>
            <select
              id="ns-filter"
              data-testid="filter-namespace"
              value={filter.namespace}
              onChange={(e) => setFilter((f) => ({ ...f, namespace: (e.currentTarget as HTMLSelectElement).value }))}
            >
              <option value="">all namespaces</option>
              {namespaces.map((ns) => (
                <option key={ns} value={ns}>
                  {ns}
                </option>
              ))}
            </select>
            <label class="visually-hidden" for="text-filter">
              Filter pods
            </label>
            <input
              id="text-filter"
              ref={filterRef}
              type="search"
              placeholder="Filter pods  ( / )"
              data-testid="filter-text"
              value={filter.text}
              onInput={(e) => setFilter((f) => ({ ...f, text: (e.currentTarget as HTMLInputElement).value }))}
            />
          </div>
        ) : null}
        <div class="who">
          <Connection />
          {version ? (
            <span class="version" data-testid="cluster-version" title="cluster version">
              {version}
            </span>
          ) : null}
          {session ? (
            <span class="user" data-testid="session-user" title={session.groups.join(', ')}>
              {session.user}
            </span>
          ) : null}
          <button
            type="button"
            class="ghost"
            data-testid="theme-toggle"
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
            onClick={() => setTheme(toggleTheme())}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          <button type="button" class="ghost" data-testid="sign-out" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {unauthorized ? (
        <div class="banner" role="alert" data-testid="unauthorized">
          The API server answered 401 Unauthorized: your session ended. <a href="/">Sign in again</a>.
        </div>
      ) : null}
      <div id="main-content">{page}</div>
    </div>
  );
}
