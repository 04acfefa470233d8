/**
 * The pod's anatomy drawn from lib/anatomy-layout.ts: the sandbox (pause) as the outer box with the namespaces
 * it holds; inside, the containers in start order by stage, each with the namespaces it joined (shared with the
 * sandbox), those it keeps and those it borrows; resource bars; volumes below, with a line to every container
 * that mounts them (dashed when read-only) and the same as a list; the network and the timeline.
 */
import type { PodAnatomy } from '../../../shared/api/pod-anatomy.ts';
import { anatomyLayout, formatOffset, type ContainerBox, type NamespaceChip, type ResourceBar } from '../lib/anatomy-layout.ts';
import type { ContainerBadge } from '../lib/pod-summary.ts';

function Chip(props: { chip: NamespaceChip }) {
  const c = props.chip;
  const title = `${c.kind} namespace ${c.inode}: ${c.label}`;
  return (
    <li class={`ns-chip sh-${c.shared}`} title={title} aria-label={title} data-testid="anatomy-namespace" data-ns={c.kind} data-shared={c.shared} data-inode={c.inode}>
      {c.kind}
      <span class="inode">:[{c.inode}]</span>
      {c.shared === 'container' ? <span class="via"> ← {c.container}</span> : null}
    </li>
  );
}

function Bar(props: { name: string; bar: ResourceBar | undefined }) {
  const b = props.bar;
  if (!b) return null;
  const pct = b.fraction === null ? null : Math.round(b.fraction * 100);
  return (
    <div class="rbar" data-testid="resource-bar" data-resource={props.name}>
      <span class="rbar-label">{props.name}</span>
      <span
        class={`rbar-track${pct === null ? ' unlimited' : ''}`}
        role="meter"
        aria-label={`${props.name} ${b.text}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
      >
        <span class={`rbar-fill${pct !== null && pct >= 90 ? ' hot' : ''}`} style={{ width: `${pct ?? 0}%` }} />
      </span>
      <span class="rbar-text">{b.text}</span>
    </div>
  );
}

function Container(props: { box: ContainerBox; live: ContainerBadge | undefined }) {
  const c = props.box;
  const live = props.live;
  const state = live?.state ?? (c.state === 'exited' ? 'terminated' : c.state);
  const reason = live ? live.reason : c.reason;
  return (
    <article
      class={`anat-container type-${c.type} st-${state}`}
      data-testid="anatomy-container"
      data-container={c.name}
      data-type={c.type}
      data-order={c.order}
      data-state={state}
      aria-label={`${c.type} container ${c.name}, started ${ordinal(c.order)}`}
    >
      <header>
        <span class="order" title="start order">{c.order}</span>
        <h4>{c.name}</h4>
        <span class={`cstate st-${state}`}>
          {state}
          {reason ? ` (${reason})` : ''}
          {c.exitCode !== undefined ? ` exit ${c.exitCode}` : ''}
        </span>
      </header>
      <p class="image" title={c.image}>{c.image}</p>
      <p class="facts">
        {c.pid !== undefined ? <span>pid {c.pid}</span> : null}
        <span>restarts {live?.restarts ?? c.restartCount}</span>
        {c.targetContainerName ? <span>target {c.targetContainerName}</span> : null}
      </p>
      {c.joined.length ? (
        <div class="ns-group">
          <span class="ns-title">joined</span>
          <ul class="ns-list">{c.joined.map((n) => <Chip key={n.kind} chip={n} />)}</ul>
        </div>
      ) : null}
      {c.own.length ? (
        <div class="ns-group">
          <span class="ns-title">own</span>
          <ul class="ns-list">{c.own.map((n) => <Chip key={n.kind} chip={n} />)}</ul>
        </div>
      ) : null}
      {c.borrowed.length ? (
        <div class="ns-group">
          <span class="ns-title">other</span>
          <ul class="ns-list">{c.borrowed.map((n) => <Chip key={n.kind} chip={n} />)}</ul>
        </div>
      ) : null}
      <Bar name="cpu" bar={c.cpu} />
      <Bar name="memory" bar={c.memory} />
      {c.processes.length ? (
        <details class="procs">
          <summary>{c.processes.length} processes</summary>
          <ul>
            {c.processes.map((p) => (
              <li key={p.pid}>
                <code>{p.pid}</code> {p.command}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </article>
  );
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${s}`;
}

export function AnatomyView(props: { anatomy: PodAnatomy; live: Map<string, ContainerBadge> }) {
  const a = props.anatomy;
  const L = anatomyLayout(a);
  const n = L.containers.length;
  return (
    <div class="anatomy" data-testid="anatomy">
      <section class="sandbox" data-testid="anatomy-sandbox" data-state={L.sandbox.state} aria-label="Pod sandbox (pause)">
        <header class="sandbox-head">
          <h3>sandbox (pause)</h3>
          <span class="facts">
            {L.sandbox.pid !== undefined ? <span>pid {L.sandbox.pid}</span> : null}
            <span>{L.sandbox.state}</span>
            <span title={L.sandbox.id}>id {L.sandbox.id.slice(0, 12)}</span>
            {a.podIPs.length ? <span>IP {a.podIPs.join(', ')}</span> : null}
            {L.sandbox.hostNetwork ? <span class="flag">hostNetwork</span> : null}
            {L.sandbox.hostPID ? <span class="flag">hostPID</span> : null}
            {L.sandbox.hostIPC ? <span class="flag">hostIPC</span> : null}
            {L.sandbox.shareProcessNamespace ? <span class="flag">shareProcessNamespace</span> : null}
          </span>
        </header>
        <ul class="ns-list sandbox-ns" aria-label="Namespaces the sandbox holds">
          {L.sandbox.namespaces.map((c) => (
            <Chip key={c.kind} chip={c} />
          ))}
        </ul>
        <div class="pod-bars">
          <Bar name="pod cpu" bar={L.pod.cpu} />
          <Bar name="pod memory" bar={L.pod.memory} />
        </div>
        <div class="stages" style={{ gridTemplateColumns: `repeat(${Math.max(1, n)}, minmax(13rem, 1fr))` }}>
          {L.stages.map((s) => (
            <div key={s.type} class={`stage stage-${s.type}`} style={{ gridColumn: `span ${s.containers.length}` }} data-testid="anatomy-stage" data-stage={s.type}>
              <h4 class="stage-title">{s.label}</h4>
              <div class="stage-boxes" style={{ gridTemplateColumns: `repeat(${s.containers.length}, 1fr)` }}>
                {s.containers.map((c) => (
                  <Container key={c.name} box={c} live={props.live.get(c.name)} />
                ))}
              </div>
            </div>
          ))}
        </div>
        {L.volumes.length ? (
          <>
            <svg class="connectors" viewBox="0 0 1000 60" preserveAspectRatio="none" aria-hidden="true" style={{ minWidth: `${Math.max(1, n) * 13}rem` }}>
              {L.connectors.map((c) => (
                <line
                  key={`${c.volume}-${c.container}`}
                  x1={c.fromX * 1000}
                  y1={60}
                  x2={c.toX * 1000}
                  y2={0}
                  class={c.readOnly ? 'ro' : 'rw'}
                  vector-effect="non-scaling-stroke"
                />
              ))}
            </svg>
            <div class="volumes" style={{ gridTemplateColumns: `repeat(${L.volumes.length}, minmax(12rem, 1fr))` }}>
              {L.volumes.map((v) => (
                <section key={v.name} class="volume" data-testid="anatomy-volume" data-volume={v.name} data-type={v.type} aria-label={`volume ${v.name}`}>
                  <h4>
                    {v.name} <span class="vtype">{v.type}{v.medium ? ` (${v.medium})` : ''}</span>
                  </h4>
                  {v.hostPath ? <p class="hostpath" title={v.hostPath}><code>{v.hostPath}</code></p> : null}
                  <ul class="mounts">
                    {v.mounts.map((m) => (
                      <li key={`${m.container}:${m.mountPath}`} data-testid="anatomy-mount" data-container={m.container} data-read-only={String(m.readOnly)}>
                        {m.container} → <code>{m.mountPath}</code>
                        {m.subPath ? <> (subPath {m.subPath})</> : null}
                        {m.readOnly ? <span class="ro-tag"> ro</span> : <span class="rw-tag"> rw</span>}
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
            </div>
          </>
        ) : null}
      </section>
      <div class="anatomy-lower">
        <section class="network" aria-labelledby="net-title" data-testid="anatomy-network">
          <h3 id="net-title">Network{a.network.namespace ? ` (net:[${a.network.namespace.inode}])` : ''}</h3>
          <ul>
            {a.network.interfaces.map((i) => (
              <li key={i.name}>
                <code>{i.name}</code> {i.up ? 'up' : 'down'} {i.addresses.join(', ')}
                {i.mtu ? ` mtu ${i.mtu}` : ''}
              </li>
            ))}
          </ul>
          {a.network.listening.length ? (
            <>
              <h4>Listening</h4>
              <ul>
                {a.network.listening.map((s) => (
                  <li key={`${s.protocol}${s.family}-${s.address}-${s.port}`}>
                    {s.protocol}
                    {s.family === 6 ? '6' : ''} <code>{s.family === 6 ? `[${s.address}]` : s.address}:{s.port}</code>
                    {s.container ? ` ${s.container}` : ''}
                    {s.pid ? ` (pid ${s.pid})` : ''}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
        <section class="timeline" aria-labelledby="tl-title" data-testid="anatomy-timeline">
          <h3 id="tl-title">Timeline</h3>
          <ol>
            {L.timeline.map((t, i) => (
              <li key={i} class={`tl tl-${t.type}`} data-type={t.type} data-container={t.container}>
                <span class="tl-offset" title={t.time}>{formatOffset(t.offsetMs)}</span> {t.text}
              </li>
            ))}
          </ol>
        </section>
      </div>
      {a.warnings?.length ? (
        <ul class="warnings" aria-label="What the node could not read">
          {a.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      ) : null}
      <p class="muted collected">collected {a.metadata.collectedAt} on {a.metadata.node}</p>
    </div>
  );
}
