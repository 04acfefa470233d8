/**
 * Runs one probe (kubelet pkg/kubelet/prober/prober.go runProbe): exec through the runtime's ExecSync with the
 * probe's timeout, httpGet to the pod IP (or `host`), tcpSocket connect. Named ports are resolved against the
 * container's ports. A timed-out exec probe is a failure (kubelet >= 1.20). gRPC probes are not supported and
 * fail with a message saying so.
 *
 * `network: 'assume-success'` is for simulated nodes, whose pod IPs route nowhere: httpGet and tcpSocket
 * probes then succeed without a connection (exec still goes to the runtime).
 */
import type { Container, IntOrString, Probe } from '../../shared/api/core-v1.ts';
import type { RuntimeService } from '../cri/services.ts';
import { isDeadlineExceeded } from '../cri/services.ts';
import { httpGetCheck, tcpCheck, type CheckResult } from '../util/net-check.ts';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

export interface ProbeTarget {
  container: Container;
  containerId: string;
  /** Pod IP (the node IP for host-network pods). */
  podIP: string;
}

/** kubelet probe defaults (pkg/apis/core/v1/defaults.go SetDefaults_Probe). */
export function probeDefaults(p: Probe): Required<Pick<Probe, 'initialDelaySeconds' | 'timeoutSeconds' | 'periodSeconds' | 'successThreshold' | 'failureThreshold'>> {
  return {
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    timeoutSeconds: p.timeoutSeconds && p.timeoutSeconds > 0 ? p.timeoutSeconds : 1,
    periodSeconds: p.periodSeconds && p.periodSeconds > 0 ? p.periodSeconds : 10,
    successThreshold: p.successThreshold && p.successThreshold > 0 ? p.successThreshold : 1,
    failureThreshold: p.failureThreshold && p.failureThreshold > 0 ? p.failureThreshold : 3,
  };
}

/** Resolves an IntOrString port against the container's named ports; -1 when it cannot. */
export function resolvePort(port: IntOrString, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  return named ? named.containerPort : -1;
}

export interface ProberOptions {
  runtime: RuntimeService;
  network?: 'real' | 'assume-success';
}

export class Prober {
  #runtime: RuntimeService;
  #assumeNetwork: boolean;

  constructor(options: ProberOptions) {
    this.#runtime = options.runtime;
    this.#assumeNetwork = options.network === 'assume-success';
  }

  async probe(probe: Probe, target: ProbeTarget, signal?: AbortSignal): Promise<CheckResult> {
    const { timeoutSeconds } = probeDefaults(probe);
    if (probe.exec) {
      const cmd = probe.exec.command ?? [];
      try {
        const r = await this.#runtime.execSync(target.containerId, cmd, { timeoutSeconds, timeoutMs: timeoutSeconds * 1000 + 5000, ...(signal ? { signal } : {}) });
        const output = Buffer.concat([r.stdout, r.stderr]).toString('utf8').slice(0, 1024);
        return r.exitCode === 0 ? { ok: true, output } : { ok: false, output };
      } catch (err) {
        if (isDeadlineExceeded(err)) return { ok: false, output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
        return { ok: false, output: (err as Error).message };
      }
    }
    if (probe.httpGet) {
      const port = resolvePort(probe.httpGet.port, target.container);
      if (port <= 0) return { ok: false, output: `invalid port ${JSON.stringify(probe.httpGet.port)}` };
      if (this.#assumeNetwork) return { ok: true, output: '' };
      return httpGetCheck({
        host: probe.httpGet.host || target.podIP,
        port,
        path: probe.httpGet.path ?? '/',
        scheme: probe.httpGet.scheme ?? 'HTTP',
        headers: probe.httpGet.httpHeaders ?? [],
        timeoutMs: timeoutSeconds * 1000,
        ...(signal ? { signal } : {}),
      });
    }
    if (probe.tcpSocket) {
      const port = resolvePort(probe.tcpSocket.port, target.container);
      if (port <= 0) return { ok: false, output: `invalid port ${JSON.stringify(probe.tcpSocket.port)}` };
      if (this.#assumeNetwork) return { ok: true, output: '' };
      return tcpCheck(probe.tcpSocket.host || target.podIP, port, timeoutSeconds * 1000);
    }
    if (probe.grpc) return { ok: false, output: 'gRPC probes are not supported by the kubelab node agent' };
    return { ok: false, output: 'missing probe handler' };
  }
}
