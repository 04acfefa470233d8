/** Small pieces shared by the pages: status pills and container badges. */
import type { ContainerBadge } from '../lib/pod-summary.ts';

/** The tone of a kubectl STATUS / phase: ok, progress, warn, bad, done. */
export function statusTone(status: string): string {
  if (status === 'Running' || status === 'Ready') return 'ok';
  if (status === 'Succeeded' || status === 'Completed') return 'done';
  if (status === 'Pending' || status === 'ContainerCreating' || status === 'PodInitializing' || status.startsWith('Init:') || status === 'Terminating')
    return status.startsWith('Init:') && /Err|BackOff|ExitCode|Signal|Error/.test(status) ? 'bad' : 'progress';
  if (status === 'Unknown' || status === 'NotReady' || status.includes('SchedulingDisabled')) return 'warn';
  return 'bad';
}

export function StatusPill(props: { status: string; testId?: string }) {
  return (
    <span class={`pill tone-${statusTone(props.status)}`} data-testid={props.testId}>
      {props.status}
    </span>
  );
}

const STATE_GLYPH: Record<ContainerBadge['state'], string> = { running: '●', waiting: '◌', terminated: '■', unknown: '?' };

export function ContainerBadges(props: { containers: readonly ContainerBadge[] }) {
  return (
    <span class="badges">
      {props.containers.map((c) => {
        const title = `${c.kind} container ${c.name}: ${c.state}${c.reason ? ` (${c.reason})` : ''}${c.ready ? ', ready' : ''}${c.restarts ? `, ${c.restarts} restarts` : ''}`;
        return (
          <span
            key={c.name}
            class={`cbadge st-${c.state}${c.ready ? ' ready' : ''} kind-${c.kind}`}
            title={title}
            aria-label={title}
            data-testid="container-badge"
            data-container={c.name}
            data-state={c.state}
            data-ready={String(c.ready)}
          >
            <span aria-hidden="true">{STATE_GLYPH[c.state]}</span>
            {c.name}
          </span>
        );
      })}
    </span>
  );
}
