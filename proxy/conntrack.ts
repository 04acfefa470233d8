/**
 * Stale UDP conntrack entries (upstream pkg/proxy/conntrack/cleanup.go): UDP has no connection to end, so a
 * flow NATed to an endpoint that went away keeps going there until its entry times out. The proxier deletes
 * them with the conntrack tool after the rules changed.
 */
import type { CommandRunner } from './command-runner.ts';
import type { Logger } from '../shared/util/log.ts';

/** One `conntrack -D` filter, as arguments. */
export type ConntrackFilter = string[];

/** Entries of a UDP flow to serviceIP (any port) that were DNATed to endpointIP. */
export function flowsToServiceIPViaEndpoint(serviceIP: string, endpointIP: string): ConntrackFilter {
  return ['-D', '-p', 'udp', '--orig-dst', serviceIP, '--dst-nat', endpointIP];
}

/** Entries of a UDP flow to a NodePort DNATed to endpointIP. */
export function flowsToNodePortViaEndpoint(nodePort: number, endpointIP: string): ConntrackFilter {
  return ['-D', '-p', 'udp', '--orig-port-dst', String(nodePort), '--dst-nat', endpointIP];
}

/** Every UDP entry towards serviceIP (a Service that had no endpoints: its packets were rejected). */
export function flowsToServiceIP(serviceIP: string): ConntrackFilter {
  return ['-D', '-p', 'udp', '--orig-dst', serviceIP];
}

/** Every UDP entry towards a NodePort. */
export function flowsToNodePort(nodePort: number): ConntrackFilter {
  return ['-D', '-p', 'udp', '--orig-port-dst', String(nodePort)];
}

export class Conntrack {
  readonly #runner: CommandRunner;
  readonly #log: Logger;

  constructor(runner: CommandRunner, log: Logger) {
    this.#runner = runner;
    this.#log = log;
  }

  /** Runs the deletions; "0 flow entries" (exit 1) is not an error. Failures are logged, never thrown. */
  async clear(filters: ConntrackFilter[]): Promise<void> {
    for (const f of filters) {
      try {
        const r = await this.#runner.run('conntrack', f, { timeoutMs: 10_000 });
        if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) this.#log.warn('Failed to delete conntrack entries', { args: f.join(' '), stderr: r.stderr.trim() });
        else this.#log.debug('Deleted stale conntrack entries', { args: f.join(' '), output: r.stderr.trim() });
      } catch (err) {
        this.#log.warn('Failed to run conntrack', { err });
      }
    }
  }
}
