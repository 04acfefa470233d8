/**
 * #/pods/NS/NAME : the live pod (status, containers, from the pods informer), its anatomy from the node that
 * runs it (GET /api/v1/nodes/NODE/proxy/anatomy/NS/NAME, fetched again when the pod changes and every 10 s
 * for the resource bars), its logs and its events.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { PodAnatomy } from '../../../shared/api/pod-anatomy.ts';
import { podEventFilter } from '../lib/event-rows.ts';
import { podRow, type ContainerBadge } from '../lib/pod-summary.ts';
import { AnatomyView } from './anatomy-view.tsx';
import { ContainerBadges, StatusPill } from './badges.tsx';
import { EventsList } from './events-view.tsx';
import { useFlushVersion, useRuntime } from './hooks.ts';
import { LogView } from './log-view.tsx';
import { getJSON } from './transport.ts';

const REFRESH_MS = 10_000;
const MIN_GAP_MS = 1500;

type AnatomyState = { kind: 'none' } | { kind: 'loading' } | { kind: 'ok'; anatomy: PodAnatomy } | { kind: 'error'; message: string; last?: PodAnatomy };

export function PodPage(props: { namespace: string; name: string }) {
  const rt = useRuntime();
  useFlushVersion();
  const key = `${props.namespace}/${props.name}`;
  const pod = rt.pods.store.get(key);
  const row = useMemo(() => (pod ? podRow(pod) : undefined), [pod]);
  const node = pod?.spec.nodeName ?? '';
  const rv = pod?.metadata.resourceVersion ?? '';
  const [anatomy, setAnatomy] = useState<AnatomyState>({ kind: 'none' });
  const eventFilter = useMemo(() => podEventFilter(props.namespace, props.name), [props.namespace, props.name]);

  // Reset on a different pod.
  useEffect(() => setAnatomy({ kind: 'none' }), [key]);

  useEffect(() => {
    if (!node) return;
    const abort = new AbortController();
    let timer = 0;
    const load = async () => {
      setAnatomy((s) => (s.kind === 'ok' || s.kind === 'error' ? s : { kind: 'loading' }));
      try {
        const a = await getJSON<PodAnatomy>(
          `/api/v1/nodes/${encodeURIComponent(node)}/proxy/anatomy/${encodeURIComponent(props.namespace)}/${encodeURIComponent(props.name)}`,
          abort.signal,
        );
        setAnatomy({ kind: 'ok', anatomy: a });
      } catch (err) {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        setAnatomy((s) => ({ kind: 'error', message, ...(s.kind === 'ok' ? { last: s.anatomy } : s.kind === 'error' && s.last ? { last: s.last } : {}) }));
      }
      if (!abort.signal.aborted) timer = window.setTimeout(() => void load(), REFRESH_MS);
    };
    // A burst of pod updates (containers starting) refetches once, shortly after.
    timer = window.setTimeout(() => void load(), anatomy.kind === 'none' ? 0 : MIN_GAP_MS);
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [node, key, rv]);

  const live = useMemo(() => new Map<string, ContainerBadge>((row?.containers ?? []).map((c) => [c.name, c])), [row]);
  const containerNames = useMemo(() => (row?.containers ?? []).map((c) => c.name), [row]);
  // kubectl logs' default: the kubectl.kubernetes.io/default-container annotation, else the first app container.
  const annotated = pod?.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  const firstApp =
    (annotated && containerNames.includes(annotated) ? annotated : undefined) ?? row?.containers.find((c) => c.kind === 'app')?.name ?? containerNames[0] ?? '';

  if (!pod || !row) {
    return (
      <main class="page pod-page" aria-labelledby="pod-title">
        <h1 id="pod-title">
          Pod {props.namespace}/{props.name}
        </h1>
        <p data-testid="pod-missing">{rt.pods.state.synced ? 'This pod does not exist (or no longer does).' : 'Loading…'}</p>
        <p>
          <a href="#/">Back to the cluster</a>
        </p>
      </main>
    );
  }
  const shown = anatomy.kind === 'ok' ? anatomy.anatomy : anatomy.kind === 'error' ? anatomy.last : undefined;
  return (
    <main class="page pod-page" aria-labelledby="pod-title" data-testid="pod-page" data-pod={key} data-phase={row.phase}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/">Cluster</a> / {node ? <span>{node}</span> : <span>not scheduled</span>} / <span>{props.namespace}</span>
      </nav>
      <header class="pod-head">
        <h1 id="pod-title">{props.name}</h1>
        <StatusPill status={row.status} testId="pod-status" />
        <span class="muted">
          ready {row.ready} · restarts {row.restarts}
          {row.podIP ? ` · IP ${row.podIP}` : ''}
          {pod.status?.qosClass ? ` · QoS ${pod.status.qosClass}` : ''}
        </span>
      </header>
      <ContainerBadges containers={row.containers} />
      <section class="anatomy-section" aria-labelledby="anatomy-title">
        <h2 id="anatomy-title">Anatomy</h2>
        {!node ? (
          <p class="muted">The pod is not on a node yet: nothing to look at.</p>
        ) : anatomy.kind === 'error' ? (
          <p class="error" role="alert" data-testid="anatomy-error">
            {anatomy.message}
          </p>
        ) : anatomy.kind !== 'ok' ? (
          <p class="muted">Asking {node}…</p>
        ) : null}
        {shown ? <AnatomyView anatomy={shown} live={live} /> : null}
      </section>
      <div class="pod-lower">
        {containerNames.length ? <LogView namespace={props.namespace} pod={props.name} containers={containerNames} initial={firstApp} /> : null}
        <section class="pod-events" aria-labelledby="pod-events-title">
          <h2 id="pod-events-title">Events</h2>
          <EventsList label={`Events of pod ${props.name}`} filter={eventFilter} maxHeight={360} testId="pod-events" showNamespace={false} />
        </section>
      </div>
    </main>
  );
}
