/**
 * The nftables proxier: level-based. Every sync reads all Services and EndpointSlices from the informer caches,
 * computes the whole desired ruleset (build-ruleset.ts) and applies the difference to what its last successful
 * transaction left, as ONE `nft -f -` transaction. The first sync (and any sync after a failure or after the
 * table was damaged) recreates the table whole.
 *
 * Sync triggers: any Service/EndpointSlice event (at once, or minSyncPeriod after the previous sync started);
 * every syncPeriod (a check that the table is intact, then the same diff); a `nft monitor` child process that
 * reports the table's deletion (`nft flush ruleset`) at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Service } from '../../shared/api/core-v1.ts';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../shared/api/discovery-v1.ts';
import type { SharedIndexInformer } from '../../shared/cache/shared-informer.ts';
import { unwrapTombstone } from '../../shared/cache/store.ts';
import { cidrContainsIp } from '../../shared/net/ipv4-cidr.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import type { CommandRunner } from '../command-runner.ts';
import { Conntrack, flowsToNodePort, flowsToNodePortViaEndpoint, flowsToServiceIP, flowsToServiceIPViaEndpoint, type ConntrackFilter } from '../conntrack.ts';
import { buildEndpointsMap, categorizeEndpoints, endpointsKey, type EndpointInfo } from '../endpoints-map.ts';
import { LAST_CHANGE_TRIGGER_TIME_ANNOTATION, NetworkProgrammingLatency } from '../network-programming-latency.ts';
import { servicePortsFor, type ServicePortInfo } from '../service-port.ts';
import { buildRuleset, KUBE_PROXY_TABLE, newRulesetCache } from './build-ruleset.ts';
import { NftRunner } from './nft-runner.ts';
import { renderDiff, renderFull, type Ruleset } from './ruleset.ts';

export interface ProxierOptions {
  /** The node name: endpoints with this nodeName are local. */
  hostname: string;
  runner: CommandRunner;
  /** --cluster-cidr (may be empty). */
  clusterCIDRs: string[];
  /** --nodeport-addresses CIDRs; empty: every local address. */
  nodePortAddresses: string[];
  masqueradeAll: boolean;
  /** Periodic sync (ms). */
  syncPeriodMs: number;
  /** Least time between the starts of two syncs (ms). */
  minSyncPeriodMs: number;
  /** Watch `nft monitor` to repair a deleted table at once. @default true */
  monitor?: boolean;
  nodeIP?: string;
  table?: string;
  clock?: Clock;
  log?: Logger;
}

export interface SyncResult {
  /** 'full': the table was (re)created; 'diff': a partial transaction; 'none': nothing to change. */
  mode: 'full' | 'diff' | 'none';
  lines: number;
}

export class NftablesProxier {
  readonly #services: SharedIndexInformer<Service>;
  readonly #slices: SharedIndexInformer<EndpointSlice>;
  readonly #o: ProxierOptions;
  readonly #nft: NftRunner;
  readonly #conntrack: Conntrack;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly latency = new NetworkProgrammingLatency();

  #applied: Ruleset | null = null;
  readonly #cache = newRulesetCache();
  /** Per Service ("ns/name"): its proxied ports, and the endpoints of its slices (upstream's change trackers). */
  #portsBySvc = new Map<string, ServicePortInfo[]>();
  #endpointsBySvc = new Map<string, Map<string, EndpointInfo[]>>();
  #sourceRangesBySvc = new Map<string, string[]>();
  /** Services whose objects or slices changed since the last sync; null: recompute all. */
  #dirtyServices: Set<string> | null = null;
  /** Endpoints and service ports of the last applied sync (for stale UDP flows). */
  #lastEndpoints = new Map<string, EndpointInfo[]>();
  #lastServicePorts = new Map<string, ServicePortInfo>();
  /** Trigger times of EndpointSlice changes not yet applied, keyed by slice. */
  #pendingTriggers = new Map<string, number[]>();
  /** Last trigger time seen per slice (a resync or unrelated update does not count twice). */
  #seenTrigger = new Map<string, string>();
  #nodePortIPs: string[] | null = null;

  #running: Promise<void> | null = null;
  #dirty = false;
  #forceCheck = false;
  #lastSyncStart = 0;
  #timer: Timer | null = null;
  #periodicTimer: Timer | null = null;
  #monitor: ChildProcess | null = null;
  #stopped = false;
  #lastSuccess = 0;
  #syncCount = 0;
  #failures = 0;

  constructor(services: SharedIndexInformer<Service>, slices: SharedIndexInformer<EndpointSlice>, options: ProxierOptions) {
    this.#services = services;
    this.#slices = slices;
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ component: 'proxy' });
    this.#nft = new NftRunner(options.runner, { table: options.table ?? KUBE_PROXY_TABLE });
    this.#conntrack = new Conntrack(options.runner, this.#log);
    slices.addIndexers({ [SLICE_SERVICE_INDEX]: sliceServiceIndex });
    services.addEventHandler({
      onAdd: (svc) => this.#serviceChanged(svc),
      onUpdate: (a, b) => {
        if (a.metadata.resourceVersion !== b.metadata.resourceVersion) this.#serviceChanged(b);
      },
      onDelete: (svc) => this.#serviceChanged(unwrapTombstone(svc)),
    });
    slices.addEventHandler({
      onAdd: (s) => this.#sliceChanged(s),
      onUpdate: (a, b) => {
        if (a.metadata.resourceVersion !== b.metadata.resourceVersion) this.#sliceChanged(b);
      },
      onDelete: (s) => {
        const slice = unwrapTombstone(s);
        this.#seenTrigger.delete(sliceKey(slice));
        this.#markDirty(sliceServiceIndex(slice)[0]);
        this.requestSync();
      },
    });
  }

  get nft(): NftRunner {
    return this.#nft;
  }

  /** Time of the last successful sync (ms since the epoch), 0 before the first. */
  get lastSuccess(): number {
    return this.#lastSuccess;
  }

  get syncCount(): number {
    return this.#syncCount;
  }

  #markDirty(svcKey: string | undefined): void {
    if (svcKey && this.#dirtyServices) this.#dirtyServices.add(svcKey);
  }

  #serviceChanged(svc: Service): void {
    this.#markDirty(`${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`);
    this.requestSync();
  }

  #sliceChanged(slice: EndpointSlice): void {
    this.#markDirty(sliceServiceIndex(slice)[0]);
    const key = sliceKey(slice);
    const raw = slice.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
    if (raw && this.#seenTrigger.get(key) !== raw) {
      this.#seenTrigger.set(key, raw);
      const t = Date.parse(raw);
      if (Number.isFinite(t)) {
        const list = this.#pendingTriggers.get(key) ?? [];
        list.push(t);
        this.#pendingTriggers.set(key, list);
      }
    }
    this.requestSync();
  }

  /** Starts syncing (the informers must be running); resolves after the first sync was attempted. */
  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.stop(), { once: true });
    await Promise.all([this.#services.whenSynced(signal), this.#slices.whenSynced(signal)]);
    if (signal.aborted) return;
    if (this.#o.monitor !== false) this.#startMonitor();
    this.#armPeriodic();
    this.requestSync();
    await this.#running;
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#periodicTimer?.cancel();
    this.#monitor?.kill('SIGTERM');
    this.#monitor = null;
    this.#nft.close();
  }

  /** Waits for the sync in flight (and the one queued behind it). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Asks for a sync: at once if none runs and minSyncPeriod allows, otherwise as soon as it does. */
  requestSync(): void {
    if (this.#stopped) return;
    this.#dirty = true;
    if (this.#running || this.#timer) return;
    const wait = Math.max(0, this.#lastSyncStart + this.#o.minSyncPeriodMs - this.#clock.now());
    if (wait > 0) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = null;
        this.#kick();
      }, wait);
      this.#timer.unref?.();
      return;
    }
    this.#kick();
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#dirty = false;
    this.#lastSyncStart = this.#clock.now();
    this.#running = this.syncProxyRules()
      .then(
        () => {
          this.#failures = 0;
        },
        (err: unknown) => {
          this.#failures++;
          const retry = Math.min(this.#o.syncPeriodMs, 1000 * 2 ** Math.min(this.#failures - 1, 5));
          this.#log.error('Failed to sync the nftables rules; retrying', { err: err instanceof Error ? err.message : String(err), retryInMs: retry });
          const t = this.#clock.setTimeout(() => this.requestSync(), retry);
          t.unref?.();
        },
      )
      .finally(() => {
        this.#running = null;
        // What arrived during the sync: one more sync (after minSyncPeriod).
        if (this.#dirty && !this.#stopped) this.requestSync();
      });
  }

  #armPeriodic(): void {
    if (this.#stopped) return;
    this.#periodicTimer = this.#clock.setTimeout(() => {
      this.#forceCheck = true;
      this.requestSync();
      this.#armPeriodic();
    }, this.#o.syncPeriodMs);
    this.#periodicTimer.unref?.();
  }

  /** `nft monitor tables`: our table deleted -> resync now. */
  #startMonitor(): void {
    const table = this.#o.table ?? KUBE_PROXY_TABLE;
    let child: ChildProcess;
    try {
      const [file, argv] = this.#o.runner.command('nft', ['monitor', 'tables']);
      child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      this.#log.warn('Cannot watch nft monitor; relying on the periodic check', { err });
      return;
    }
    this.#monitor = child;
    let buf = '';
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line.startsWith(`delete table ip ${table}`)) {
          // Our own recreate deletes the table too: the sync checks whether it is really gone.
          this.#log.debug('The nftables table was deleted; checking it', { table });
          this.#forceCheck = true;
          this.requestSync();
        }
      }
    });
    child.on('error', (err) => this.#log.warn('nft monitor failed; relying on the periodic check', { err: err.message }));
    child.on('exit', () => {
      if (this.#monitor === child) this.#monitor = null;
      if (!this.#stopped) {
        const t = this.#clock.setTimeout(() => {
          if (!this.#stopped && !this.#monitor) this.#startMonitor();
        }, 1000);
        t.unref?.();
      }
    });
  }

  /** One sync: compute, apply (diff, or the whole table), record latencies, clear stale UDP flows. */
  async syncProxyRules(): Promise<SyncResult> {
    if (!this.#services.hasSynced() || !this.#slices.hasSynced()) {
      this.#log.debug('Not syncing nftables until Services and EndpointSlices have been received');
      return { mode: 'none', lines: 0 };
    }
    const start = this.#clock.now();
    const check = this.#forceCheck;
    this.#forceCheck = false;
    const triggers = this.#pendingTriggers;
    this.#pendingTriggers = new Map();

    if (check && this.#applied && !(await this.#nft.intact())) {
      this.#log.info('The nftables table is missing or damaged; recreating it');
      this.#applied = null;
    }
    if (this.#o.nodePortAddresses.length > 0 && (this.#nodePortIPs === null || check || !this.#applied)) {
      this.#nodePortIPs = await this.#localAddresses(this.#o.nodePortAddresses);
    }

    // Recompute the ports and endpoints of the Services that changed (all of them on the first sync and on
    // periodic checks), then build: unchanged service ports reuse their cached fragments.
    const dirty = check || this.#dirtyServices === null ? null : this.#dirtyServices;
    this.#dirtyServices = new Set();
    const keys = dirty ?? new Set([...this.#services.indexer.listKeys(), ...this.#slices.indexer.listIndexFuncValues(SLICE_SERVICE_INDEX), ...this.#portsBySvc.keys()]);
    if (!dirty) {
      this.#portsBySvc.clear();
      this.#endpointsBySvc.clear();
      this.#sourceRangesBySvc.clear();
    }
    for (const key of keys) {
      const svc = this.#services.indexer.getByKey(key);
      const ports = svc ? servicePortsFor(svc) : [];
      if (ports.length) this.#portsBySvc.set(key, ports);
      else this.#portsBySvc.delete(key);
      const ranges = svc?.spec?.loadBalancerSourceRanges;
      if (ranges?.length) this.#sourceRangesBySvc.set(key, ranges);
      else this.#sourceRangesBySvc.delete(key);
      const eps = buildEndpointsMap(this.#slices.indexer.byIndex(SLICE_SERVICE_INDEX, key), this.#o.hostname);
      if (eps.size) this.#endpointsBySvc.set(key, eps);
      else this.#endpointsBySvc.delete(key);
    }
    const servicePorts: ServicePortInfo[] = [];
    for (const ports of this.#portsBySvc.values()) servicePorts.push(...ports);
    const endpoints = new Map<string, EndpointInfo[]>();
    for (const m of this.#endpointsBySvc.values()) for (const [k, v] of m) endpoints.set(k, v);
    const sourceRanges = this.#sourceRangesBySvc;
    const desired = buildRuleset(
      { servicePorts, endpoints, sourceRanges, ...(dirty ? { changedServices: dirty } : {}) },
      {
        masqueradeAll: this.#o.masqueradeAll,
        clusterCIDRs: this.#o.clusterCIDRs,
        nodePortIPs: this.#o.nodePortAddresses.length > 0 ? this.#nodePortIPs ?? [] : 'all',
        ...(this.#o.nodeIP ? { nodeIP: this.#o.nodeIP } : {}),
        ...(this.#o.table ? { table: this.#o.table } : {}),
      },
      this.#cache,
    );

    let result: SyncResult;
    try {
      result = await this.#apply(desired);
    } catch (err) {
      // Recompute everything next time, and put the trigger times back: the change is not programmed yet.
      this.#dirtyServices = null;
      for (const [k, v] of triggers) this.#pendingTriggers.set(k, [...v, ...(this.#pendingTriggers.get(k) ?? [])]);
      throw err;
    }
    const now = this.#clock.now();
    this.#lastSuccess = now;
    this.#syncCount++;
    for (const [slice, times] of triggers) {
      for (const t of times) {
        const seconds = Math.max(0, (now - t) / 1000);
        this.latency.observe(seconds);
        this.#log.debug('Network programming', { endpointSlice: slice, elapsedSeconds: seconds });
      }
    }
    this.#log.debug('Synced nftables rules', { mode: result.mode, lines: result.lines, servicePorts: servicePorts.length, elapsedMs: now - start });

    const portsByKey = new Map(servicePorts.map((sp) => [endpointsKey(sp.name, sp.protocol), sp]));
    const stale = staleUDPFlows(this.#lastServicePorts, this.#lastEndpoints, portsByKey, endpoints);
    this.#lastEndpoints = endpoints;
    this.#lastServicePorts = portsByKey;
    if (stale.length) await this.#conntrack.clear(stale);
    return result;
  }

  async #apply(desired: Ruleset): Promise<SyncResult> {
    if (this.#applied) {
      const diff = renderDiff(this.#applied, desired);
      if (!diff) {
        // Same content; keeping the newer object lets the next diff look at the fragments changed since it only.
        this.#applied = desired;
        return { mode: 'none', lines: 0 };
      }
      try {
        await this.#nft.apply(diff);
        this.#applied = desired;
        return { mode: 'diff', lines: countLines(diff) };
      } catch (err) {
        this.#log.warn('Partial nftables update refused; recreating the table', { err: err instanceof Error ? err.message : String(err) });
        this.#applied = null;
      }
    }
    const full = renderFull(desired, { recreate: true });
    await this.#nft.apply(full);
    this.#applied = desired;
    return { mode: 'full', lines: countLines(full) };
  }

  async #localAddresses(cidrs: string[]): Promise<string[]> {
    const r = await this.#o.runner.run('ip', ['-4', '-o', 'addr', 'show']);
    const out: string[] = [];
    for (const m of r.stdout.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)) {
      const ip = m[1] as string;
      if (cidrs.some((c) => cidrContainsIp(c, ip))) out.push(ip);
    }
    return out;
  }

  /** Deletes the proxy's table (--cleanup, or shutdown in tests). */
  async cleanup(): Promise<boolean> {
    this.#applied = null;
    return this.#nft.deleteTable();
  }
}

const SLICE_SERVICE_INDEX = 'service';

/** EndpointSlices by "ns/service-name" (their kubernetes.io/service-name label). */
function sliceServiceIndex(s: EndpointSlice): string[] {
  const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? [`${s.metadata.namespace ?? ''}/${svc}`] : [];
}

function sliceKey(s: EndpointSlice): string {
  return `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;
}

function countLines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function servingSet(sp: ServicePortInfo, eps: EndpointInfo[] | undefined): Set<string> {
  return new Set(categorizeEndpoints(eps ?? [], sp).allReachableEndpoints.map((e) => e.ip));
}

/**
 * Conntrack deletions for UDP service ports (upstream conntrack.CleanStaleEntries): flows NATed to an endpoint
 * this node no longer routes to, and every flow to a Service that had no endpoints before (its packets were
 * rejected, and the reject may be cached in conntrack).
 */
export function staleUDPFlows(
  oldPorts: Map<string, ServicePortInfo>,
  oldEndpoints: Map<string, EndpointInfo[]>,
  newPorts: Map<string, ServicePortInfo>,
  newEndpoints: Map<string, EndpointInfo[]>,
): ConntrackFilter[] {
  const out: ConntrackFilter[] = [];
  for (const [key, oldSp] of oldPorts) {
    if (oldSp.protocol !== 'udp') continue;
    const before = servingSet(oldSp, oldEndpoints.get(key));
    const newSp = newPorts.get(key);
    const after = newSp ? servingSet(newSp, newEndpoints.get(key)) : new Set<string>();
    for (const ip of before) {
      if (after.has(ip)) continue;
      for (const vip of [oldSp.clusterIP, ...oldSp.externalIPs, ...oldSp.loadBalancerIPs]) out.push(flowsToServiceIPViaEndpoint(vip, ip));
      if (oldSp.nodePort) out.push(flowsToNodePortViaEndpoint(oldSp.nodePort, ip));
    }
  }
  for (const [key, sp] of newPorts) {
    if (sp.protocol !== 'udp') continue;
    const had = oldPorts.has(key) ? servingSet(oldPorts.get(key) as ServicePortInfo, oldEndpoints.get(key)).size > 0 : false;
    const has = servingSet(sp, newEndpoints.get(key)).size > 0;
    if (has && !had) {
      for (const vip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) out.push(flowsToServiceIP(vip));
      if (sp.nodePort) out.push(flowsToNodePort(sp.nodePort));
    }
  }
  return out;
}
