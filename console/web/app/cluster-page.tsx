/**
 * #/ : every node (status, roles, pod CIDR, capacity/allocatable) with its pods, unscheduled pods apart, the
 * namespace and text filters, and the events panel. Rows come from the informers' stores; the view is derived
 * once per flush (memoized on the stores' versions) and each pod list is windowed.
 */
import { useMemo } from 'preact/hooks';
import type { Pod } from '../lib/kube-types.ts';
import { clusterView, podRow, type NodeGroup, type PodFilter, type PodRow } from '../lib/pod-summary.ts';
import { podHref } from '../lib/routes.ts';
import { ContainerBadges, StatusPill } from './badges.tsx';
import { EventsList } from './events-view.tsx';
import { useFlushVersion, useRuntime } from './hooks.ts';
import { VirtualList } from './virtual-list.tsx';

/** Rows per pod object: an unchanged object (same reference in the store) keeps its row. */
const rows = new WeakMap<Pod, PodRow>();
function cachedRow(p: Pod): PodRow {
  let r = rows.get(p);
  if (!r) {
    r = podRow(p);
    rows.set(p, r);
  }
  return r;
}

const POD_ROW_HEIGHT = 34;
const POD_LIST_MAX = POD_ROW_HEIGHT * 12;

function openPod(r: PodRow) {
  location.hash = podHref(r.namespace, r.name);
}

function PodLine(props: { row: PodRow; showNode?: boolean }) {
  const r = props.row;
  return (
    <div class="podline" data-testid="pod-row" data-pod={r.key} data-phase={r.phase} data-status={r.status} data-ready={r.ready} data-node={r.node}>
      <a class="pod-name" href={podHref(r.namespace, r.name)} tabIndex={-1} title={r.key}>
        <span class="ns">{r.namespace}/</span>
        {r.name}
      </a>
      <StatusPill status={r.status} />
      <span class={r.allReady ? 'ready ok' : 'ready'} title="ready containers">
        {r.ready}
      </span>
      <span class={r.restarts ? 'restarts some' : 'restarts'} title="restarts">
        ↻{r.restarts}
      </span>
      <ContainerBadges containers={r.containers} />
    </div>
  );
}

function Resources(props: { label: string; r: { cpu: string; memory: string; pods: string } }) {
  return (
    <div class="res">
      <dt>{props.label}</dt>
      <dd>
        cpu {props.r.cpu || '?'} · memory {props.r.memory || '?'} · pods {props.r.pods || '?'}
      </dd>
    </div>
  );
}

function NodeCard(props: { group: NodeGroup }) {
  const g = props.group;
  const n = g.node;
  const headingId = `node-${g.name}`;
  return (
    <section class="card node-card" data-testid="node-card" data-node={g.name} data-ready={String(n?.ready ?? false)} aria-labelledby={headingId}>
      <header class="card-head">
        <h2 id={headingId}>{g.name}</h2>
        <StatusPill status={n ? n.status : 'Unknown'} testId="node-status" />
        <span class="roles" title="roles">{n?.roles ?? '<none>'}</span>
        <span class="count">{g.pods.length} pods</span>
      </header>
      {n ? (
        <dl class="node-facts">
          <div>
            <dt>pod CIDR</dt>
            <dd data-testid="node-pod-cidr">{n.podCIDR || '—'}</dd>
          </div>
          {n.internalIP ? (
            <div>
              <dt>address</dt>
              <dd>{n.internalIP}</dd>
            </div>
          ) : null}
          {n.version ? (
            <div>
              <dt>kubelet</dt>
              <dd>{n.version}</dd>
            </div>
          ) : null}
          <Resources label="capacity" r={n.capacity} />
          <Resources label="allocatable" r={n.allocatable} />
        </dl>
      ) : (
        <p class="muted">No Node object for this name (yet).</p>
      )}
      <VirtualList
        items={g.pods}
        rowHeight={POD_ROW_HEIGHT}
        maxHeight={POD_LIST_MAX}
        keyOf={(r) => r.key}
        label={`Pods on ${g.name}`}
        testId="pod-list"
        emptyText="No pods."
        onOpen={openPod}
        renderRow={(r) => <PodLine row={r} />}
      />
    </section>
  );
}

export function ClusterPage(props: { filter: PodFilter }) {
  const rt = useRuntime();
  useFlushVersion();
  const nv = rt.nodes.store.version;
  const pv = rt.pods.store.version;
  const view = useMemo(
    () => clusterView(rt.nodes.store.list(), rt.pods.store.list(), props.filter, cachedRow),
    [nv, pv, props.filter.namespace, props.filter.text],
  );
  const synced = rt.nodes.state.synced && rt.pods.state.synced;
  return (
    <div class="cluster-layout">
      <main class="page cluster-page" aria-labelledby="cluster-title">
        <h1 id="cluster-title" class="visually-hidden">
          Cluster
        </h1>
        <p class="summary" data-testid="cluster-summary" aria-live="polite">
          {synced
            ? `${view.nodes.length} nodes · ${view.shownPods} of ${view.totalPods} pods shown`
            : 'Listing nodes and pods…'}
        </p>
        <div class="nodes">
          {view.nodes.map((g) => (
            <NodeCard key={g.name} group={g} />
          ))}
          {view.unscheduled.length > 0 ? (
            <section class="card unscheduled" data-testid="unscheduled-card" aria-labelledby="unscheduled-title">
              <header class="card-head">
                <h2 id="unscheduled-title">Not scheduled</h2>
                <span class="count">{view.unscheduled.length} pods</span>
              </header>
              <VirtualList
                items={view.unscheduled}
                rowHeight={POD_ROW_HEIGHT}
                maxHeight={POD_LIST_MAX}
                keyOf={(r) => r.key}
                label="Pods not scheduled to a node"
                testId="pod-list"
                onOpen={openPod}
                renderRow={(r) => <PodLine row={r} />}
              />
            </section>
          ) : null}
        </div>
      </main>
      <aside class="side" aria-labelledby="side-events-title" data-testid="events-panel">
        <h2 id="side-events-title">Events</h2>
        <EventsList label="Events, newest first" maxHeight={2000} testId="events-list" fill showNamespace />
      </aside>
    </div>
  );
}

/** The namespaces for the filter's picker: every namespace a pod is in. */
export function usePodNamespaces(): string[] {
  const rt = useRuntime();
  useFlushVersion();
  const pv = rt.pods.store.version;
  return useMemo(() => [...new Set(rt.pods.store.list().map((p) => p.metadata.namespace ?? ''))].sort(), [pv]);
}
