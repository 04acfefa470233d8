/**
 * Runs postStart / preStop lifecycle handlers (kubelet pkg/kubelet/lifecycle/handlers.go): exec through the
 * runtime's ExecSync, httpGet to the pod IP (or `host`), sleep on the injected clock. tcpSocket handlers are
 * deprecated and do nothing (kubelet logs and ignores them). Resolves with '' on success, else the failure
 * message; never throws (except for an aborted signal).
 */
import type { Container, LifecycleHandler } from '../../shared/api/core-v1.ts';
import type { RuntimeService } from '../cri/services.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { resolvePort } from '../prober/prober.ts';
import { httpGetCheck } from '../util/net-check.ts';

export interface HandlerRunnerOptions {
  runtime: RuntimeService;
  clock?: Clock;
  network?: 'real' | 'assume-success';
}

export class HandlerRunner {
  #runtime: RuntimeService;
  #clock: Clock;
  #assumeNetwork: boolean;

  constructor(options: HandlerRunnerOptions) {
    this.#runtime = options.runtime;
    this.#clock = options.clock ?? realClock;
    this.#assumeNetwork = options.network === 'assume-success';
  }

  /** `timeoutSeconds` bounds the handler (the remaining grace period for preStop; 0 = none). */
  async run(handler: LifecycleHandler, container: Container, containerId: string, podIP: string, timeoutSeconds: number, signal?: AbortSignal): Promise<string> {
    if (handler.exec) {
      const cmd = handler.exec.command ?? [];
      try {
        const r = await this.#runtime.execSync(containerId, cmd, {
          timeoutSeconds,
          ...(timeoutSeconds > 0 ? { timeoutMs: timeoutSeconds * 1000 + 5000 } : {}),
          ...(signal ? { signal } : {}),
        });
        if (r.exitCode === 0) return '';
        const out = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
        return `command '${cmd.join(' ')}' exited with ${r.exitCode}: ${out}`;
      } catch (err) {
        signal?.throwIfAborted();
        return `command '${cmd.join(' ')}' failed: ${(err as Error).message}`;
      }
    }
    if (handler.httpGet) {
      const port = resolvePort(handler.httpGet.port, container);
      if (port <= 0) return `invalid port ${JSON.stringify(handler.httpGet.port)}`;
      if (this.#assumeNetwork) return '';
      const r = await httpGetCheck({
        host: handler.httpGet.host || podIP,
        port,
        path: handler.httpGet.path ?? '/',
        scheme: handler.httpGet.scheme ?? 'HTTP',
        headers: handler.httpGet.httpHeaders ?? [],
        timeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : 30_000,
        ...(signal ? { signal } : {}),
      });
      return r.ok ? '' : r.output;
    }
    if (handler.sleep) {
      const ms = Math.max(0, handler.sleep.seconds) * 1000;
      await this.#clock.sleep(timeoutSeconds > 0 ? Math.min(ms, timeoutSeconds * 1000) : ms, signal);
      return '';
    }
    return '';
  }
}
