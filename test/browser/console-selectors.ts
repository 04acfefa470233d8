/**
 * The console's test hooks the browser tests and the benchmark rely on (data-testid and data-* attributes of
 * console/web/app, documented in docs/design/console.md). One place, so a renamed hook is a one-line change here.
 */
export const CONSOLE_SELECTORS = Object.freeze({
  /** The app shell, rendered once signed in (the login page has none). */
  app: '[data-testid="app"]',
  /** One card per node: data-node="NAME". */
  nodeCard: '[data-testid="node-card"]',
  nodeCardOf: (name: string) => `[data-testid="node-card"][data-node="${name}"]`,
  /** A pod row (cluster page): data-pod="NS/NAME", data-phase="Running". The list is virtualized: rows on screen only. */
  podRow: (ns: string, name: string) => `[data-testid="pod-row"][data-pod="${ns}/${name}"]`,
  podRowInPhase: (ns: string, name: string, phase: string) => `[data-testid="pod-row"][data-pod="${ns}/${name}"][data-phase="${phase}"]`,
  /** A container on the pod page: its badge (from the live pod) or its box in the anatomy drawing. */
  container: (name: string) =>
    `[data-testid="pod-page"] [data-testid="container-badge"][data-container="${name}"], [data-testid="pod-page"] [data-testid="anatomy-container"][data-container="${name}"]`,
  /** The anatomy drawing's sandbox (pause) box. */
  sandbox: '[data-testid="anatomy-sandbox"]',
  /** A namespace chip of a container's anatomy box: shared with the sandbox, or its own. */
  sharedNamespace: (container: string, ns: string) =>
    `[data-testid="anatomy-container"][data-container="${container}"] [data-testid="anatomy-namespace"][data-ns="${ns}"][data-shared="sandbox"]`,
  ownNamespace: (container: string, ns: string) =>
    `[data-testid="anatomy-container"][data-container="${container}"] [data-testid="anatomy-namespace"][data-ns="${ns}"][data-shared="own"]`,
  /** The log view of the pod page (data-container = the container followed). */
  logView: '[data-testid="log-view"]',
  /** One event row (side panel or pod page). */
  eventRow: '[data-testid="event-row"]',
});
