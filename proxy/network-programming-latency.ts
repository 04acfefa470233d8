/**
 * The network programming latency SLI (upstream kubeproxy_network_programming_duration_seconds): for every
 * EndpointSlice change a sync applied, now minus the slice's endpoints.kubernetes.io/last-change-trigger-time.
 * Keeps the most recent samples for percentiles.
 */
export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

export interface LatencySummary {
  count: number;
  /** Seconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class NetworkProgrammingLatency {
  readonly #samples: number[] = [];
  readonly #capacity: number;
  #next = 0;
  #count = 0;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  observe(seconds: number): void {
    this.#count++;
    if (this.#samples.length < this.#capacity) this.#samples.push(seconds);
    else {
      this.#samples[this.#next] = seconds;
      this.#next = (this.#next + 1) % this.#capacity;
    }
  }

  /** Percentiles over the kept samples; count is every observation since start. */
  summary(): LatencySummary {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0 : 0);
    return { count: this.#count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1] ?? 0 : 0 };
  }

  /** The kept samples (seconds), oldest first when the buffer has not wrapped. */
  samples(): number[] {
    return [...this.#samples.slice(this.#next), ...this.#samples.slice(0, this.#next)];
  }

  reset(): void {
    this.#samples.length = 0;
    this.#next = 0;
    this.#count = 0;
  }
}
