/**
 * The console's test hooks the browser tests and the benchmark rely on (data-testid and data-* attributes of
 * console/web, documented in docs/design/console.md). One place, so a renamed hook is a one-line change here.
 */
export const CONSOLE_SELECTORS = Object.freeze({
  /** The app shell, present once signed in. */
  app: '[data-testid="app"]',
  /** One card per node. */
  nodeCard: '[data-testid="node-card"]',
  nodeCardOf: (name: string) => `[data-testid="node-card"][data-node="${name}"]`,
  /** A pod row (cluster page): data-pod="NS/NAME", data-phase="Running". */
  podRow: (ns: string, name: string) => `[data-pod="${ns}/${name}"]`,
  podRowInPhase: (ns: string, name: string, phase: string) => `[data-pod="${ns}/${name}"][data-phase="${phase}"]`,
  /** The pod page's container badges/boxes: data-container="NAME". */
  container: (name: string) => `[data-testid="container"][data-container="${name}"]`,
  /** The anatomy drawing's sandbox box, and a shared namespace mark in it: data-ns="net". */
  sandbox: '[data-testid="anatomy-sandbox"]',
  sharedNamespace: (ns: string) => `[data-testid="shared-namespace"][data-ns="${ns}"]`,
  /** The log view of the pod page. */
  logView: '[data-testid="log-view"]',
  /** One event row (side panel or pod page). */
  eventRow: '[data-testid="event-row"]',
});
