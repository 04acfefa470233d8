/**
 * PodCidrManager: the node agent owns its CNI configuration, as kubelet + a CNI daemon (flannel's
 * subnet.env + conflist writer) would. Given the Node's spec.podCIDR it keeps the node's pod network on that
 * block and nothing else:
 *
 *   const m = new PodCidrManager({ runtime, confDir, ipamDir, networkName: 'kubelab', bridge: 'kubelab0' });
 *   m.setPodCidr('10.244.2.0/24');          // first known, or changed: rewrites the config
 *   await m.waitReady(signal, 10_000);      // undefined once containerd has loaded it, else kubelet's error text
 *
 * On every new CIDR, in order (serialized; a newer CIDR arriving mid-way supersedes the older one):
 * 1. The conflist for the CURRENT CIDR is written atomically (a dot-file without a CNI extension, then
 *    rename(2) over `<confDir>/10-kubelab.conflist`), so containerd never reads half a file.
 * 2. host-local's reservations outside the new CIDR are dropped (`<ipamDir>/<network>/<ip>` files and a
 *    `last_reserved_ip.0` pointing outside), so nothing of the old range lingers in IPAM state.
 * 3. The manager waits until containerd has loaded exactly this config: containerd reloads conf_dir on
 *    filesystem events, and CRI Status(verbose) reports the loaded networks under `cniconfig`. Until then the
 *    network is not ready (NetworkReady=false in kubelet's wording) and no pod sandbox is created (the runtime
 *    manager asks `waitReady` before RunPodSandbox). A reload not seen within `loadTimeoutMs` is logged and
 *    polled further at a slower pace; the network stays not ready.
 * 4. Addresses outside the new CIDR are removed from the bridge (the bridge plugin only ever adds the new
 *    gateway; the old one would keep a connected route to a block that now belongs to another node).
 * 5. Pod sandboxes still holding an address outside the CIDR are stopped: the pod workers then create a new
 *    sandbox (a new address inside the CIDR) for pods that may restart, as after a node reboot; pods with
 *    restartPolicy Never end Failed. Keeping them would leave pod IPs that overlap another node's pods and
 *    that no route leads to. (Upstream, a deleted node's pods are removed by the pod GC after a 40 s
 *    quarantine, which a node re-registering within seconds escapes; so the agent must deal with them.)
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipCommand } from '../../shared/net/ip-command.ts';
import { cidrContainsIp, parseIpv4 } from '../../shared/net/ipv4-cidr.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import type { RuntimeService } from '../cri/services.ts';
import { podNetworkConflist } from './cni-conflist.ts';

export const DEFAULT_CNI_CONF_FILE = '10-kubelab.conflist';
export const DEFAULT_CNI_NETWORK_NAME = 'kubelab';
export const DEFAULT_CNI_BRIDGE = 'kubelab0';

/** containerd's NetworkReady message before any CNI config is loaded. */
const NOT_INITIALIZED = 'Network plugin returns error: cni plugin not initialized';
/** kubelet's historical wording for a config that is not (yet) in effect. */
const CONFIG_UNINITIALIZED = 'Network plugin returns error: cni config uninitialized';

export interface PodCidrManagerOptions {
  /** Asked for Status(verbose) to see the loaded CNI config, and to list/stop out-of-range sandboxes. */
  runtime: RuntimeService;
  /** containerd's CNI conf_dir (--cni-conf-dir). */
  confDir: string;
  /** @default '10-kubelab.conflist' */
  confFileName?: string;
  /** host-local's dataDir (--cni-ipam-dir). */
  ipamDir: string;
  /** @default 'kubelab' (--cni-network-name) */
  networkName?: string;
  /** @default 'kubelab0' (--cni-bridge) */
  bridge?: string;
  /** Remove addresses outside the CIDR from the bridge (needs the node's network namespace). @default true */
  manageBridge?: boolean;
  /** Stop sandboxes whose address is outside the CIDR. @default true */
  stopOutOfRangeSandboxes?: boolean;
  /** Called with a pod UID whose sandbox was stopped (the agent syncs that pod). */
  onSandboxStopped?: (uid: string) => void;
  /** How long containerd gets to load a new config before that is logged as an error. @default 30000 */
  loadTimeoutMs?: number;
  /** @default 100 */
  pollMs?: number;
  clock?: Clock;
  log?: Logger;
}

interface LoadedState {
  cidr: string;
  conflist: string;
  loaded: boolean;
}

/** The networks containerd reports as loaded (CRI Status verbose `cniconfig`), as their source texts. */
export function loadedCniSources(info: Record<string, string>): string[] {
  const raw = info['cniconfig'];
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as { Networks?: { Config?: { Source?: unknown } }[] };
    return (parsed.Networks ?? []).map((n) => n.Config?.Source).filter((s): s is string => typeof s === 'string');
  } catch {
    return [];
  }
}

/**
 * host-local reservation files of `dir` (`<ipamDir>/<network>`) to delete for `cidr`: addresses outside it,
 * and `last_reserved_ip.*` when it points outside it.
 */
export function staleReservations(dir: string, cidr: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    if (parseIpv4(name) !== undefined) {
      if (!cidrContainsIp(cidr, name)) out.push(join(dir, name));
    } else if (name.startsWith('last_reserved_ip')) {
      let ip = '';
      try {
        ip = readFileSync(join(dir, name), 'utf8').trim();
      } catch {
        continue;
      }
      if (!cidrContainsIp(cidr, ip)) out.push(join(dir, name));
    }
  }
  return out;
}

export class PodCidrManager {
  readonly #o: PodCidrManagerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #confPath: string;
  readonly #networkName: string;
  #state: LoadedState | undefined;
  /** Resolved whenever the state changes (a new CIDR, or the current one loaded). */
  #waiters: (() => void)[] = [];
  #running: Promise<void> = Promise.resolve();
  #ac = new AbortController();

  constructor(options: PodCidrManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ component: 'pod-cidr-manager' });
    this.#confPath = join(options.confDir, options.confFileName ?? DEFAULT_CNI_CONF_FILE);
    this.#networkName = options.networkName ?? DEFAULT_CNI_NETWORK_NAME;
  }

  /** The CIDR the configuration is (being) written for; '' before the Node has one. */
  get podCidr(): string {
    return this.#state?.cidr ?? '';
  }

  /** Whether the runtime has loaded the config of the current CIDR. */
  get ready(): boolean {
    return this.#state?.loaded === true;
  }

  /** Whether a pod IP belongs to the current CIDR (false while there is none). */
  ipAllowed(ip: string): boolean {
    return this.#state !== undefined && cidrContainsIp(this.#state.cidr, ip);
  }

  /** kubelet's runtime network error while the config is not in effect; undefined once it is. */
  networkError(): string | undefined {
    if (!this.#state) return `NetworkReady=false reason:NetworkPluginNotReady message:${NOT_INITIALIZED}`;
    if (!this.#state.loaded) return `NetworkReady=false reason:NetworkPluginNotReady message:${CONFIG_UNINITIALIZED}`;
    return undefined;
  }

  /** Takes the Node's pod CIDR; a new value rewrites the configuration (in the background; see waitReady). */
  setPodCidr(cidr: string): void {
    if (!cidr || cidr === this.#state?.cidr) return;
    const old = this.#state?.cidr ?? '';
    const conflist = podNetworkConflist({ name: this.#networkName, bridge: this.#o.bridge ?? DEFAULT_CNI_BRIDGE, subnet: cidr, ipamDir: this.#o.ipamDir });
    const state: LoadedState = { cidr, conflist, loaded: false };
    this.#state = state;
    this.#wake();
    this.#log.info('Writing the CNI configuration for the pod CIDR', { originalPodCIDR: old, newPodCIDR: cidr, conf: this.#confPath });
    this.#enqueue(state);
  }

  #enqueue(state: LoadedState): void {
    this.#running = this.#running.then(() => this.#apply(state)).catch((err: unknown) => {
      // E.g. the conf dir is not writable: retried while this CIDR is current.
      this.#log.error('Cannot apply the pod CIDR, retrying', { podCIDR: state.cidr, err });
      this.#clock.setTimeout(() => {
        if (this.#current(state) && !state.loaded) this.#enqueue(state);
      }, 2000);
    });
  }

  /**
   * The Node has no pod CIDR any more (deleted and registered again: its old block was released and may be
   * another node's by now). Not ready until a CIDR arrives; the config file stays until it is rewritten.
   */
  clearPodCidr(): void {
    if (!this.#state) return;
    this.#log.info('The Node has no pod CIDR any more; no pod sandbox until it gets one', { originalPodCIDR: this.#state.cidr });
    this.#state = undefined;
    this.#wake();
  }

  /** Resolves when the current CIDR's config is loaded (undefined), or with the network error after `timeoutMs`. */
  async waitReady(signal?: AbortSignal, timeoutMs = 10_000): Promise<string | undefined> {
    const deadline = this.#clock.now() + timeoutMs;
    for (;;) {
      const err = this.networkError();
      if (!err) return undefined;
      const left = deadline - this.#clock.now();
      if (left <= 0 || signal?.aborted || this.#ac.signal.aborted) return err;
      await new Promise<void>((resolve) => {
        const done = () => {
          timer.cancel();
          signal?.removeEventListener('abort', done);
          this.#waiters = this.#waiters.filter((w) => w !== done);
          resolve();
        };
        const timer = this.#clock.setTimeout(done, left);
        this.#waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Waits for the work queued so far (tests). */
  async settled(): Promise<void> {
    for (;;) {
      const p = this.#running;
      await p;
      if (p === this.#running) return;
    }
  }

  stop(): void {
    this.#ac.abort();
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #current(state: LoadedState): boolean {
    return this.#state === state && !this.#ac.signal.aborted;
  }

  async #apply(state: LoadedState): Promise<void> {
    if (!this.#current(state)) return;
    // 1. The config, atomically.
    mkdirSync(this.#o.confDir, { recursive: true });
    const tmp = join(this.#o.confDir, `.${this.#o.confFileName ?? DEFAULT_CNI_CONF_FILE}.tmp`);
    writeFileSync(tmp, state.conflist, { mode: 0o644 });
    renameSync(tmp, this.#confPath);
    // 2. host-local's reservations of other ranges.
    const dropped = staleReservations(join(this.#o.ipamDir, this.#networkName), state.cidr);
    for (const f of dropped) rmSync(f, { force: true });
    if (dropped.length) this.#log.info('Released host-local reservations outside the pod CIDR', { podCIDR: state.cidr, count: dropped.length });
    // 3. containerd has loaded it.
    await this.#waitLoaded(state);
    if (!this.#current(state)) return;
    state.loaded = true;
    this.#wake();
    this.#log.info('CNI configuration loaded by the container runtime', { podCIDR: state.cidr });
    // 4. The bridge keeps no address of another block.
    if (this.#o.manageBridge ?? true) await this.#cleanBridge(state.cidr).catch((err: unknown) => this.#log.warn('Cannot clean up the bridge addresses', { err }));
    // 5. Sandboxes with an address outside the block.
    if (this.#o.stopOutOfRangeSandboxes ?? true) await this.#stopOutOfRange(state).catch((err: unknown) => this.#log.warn('Cannot check pod sandboxes against the pod CIDR', { err }));
  }

  async #waitLoaded(state: LoadedState): Promise<void> {
    const start = this.#clock.now();
    const timeoutMs = this.#o.loadTimeoutMs ?? 30_000;
    let reported = false;
    let rewritten = false;
    while (this.#current(state)) {
      try {
        const st = await this.#o.runtime.status({ verbose: true, timeoutMs: 5000 });
        if (loadedCniSources(st.info).includes(state.conflist)) return;
      } catch (err) {
        this.#log.debug('Cannot read the runtime status', { err });
      }
      const waited = this.#clock.now() - start;
      if (!rewritten && waited > timeoutMs / 2) {
        // A lost filesystem event: touching the file again makes containerd reload.
        rewritten = true;
        const tmp = join(this.#o.confDir, `.${this.#o.confFileName ?? DEFAULT_CNI_CONF_FILE}.tmp`);
        writeFileSync(tmp, state.conflist, { mode: 0o644 });
        renameSync(tmp, this.#confPath);
      }
      if (!reported && waited > timeoutMs) {
        reported = true;
        this.#log.error('The container runtime has not loaded the CNI configuration; pods wait', { podCIDR: state.cidr, conf: this.#confPath, waitedMs: waited });
      }
      await this.#clock.sleep(reported ? 2000 : (this.#o.pollMs ?? 100), this.#ac.signal).catch(() => undefined);
    }
  }

  async #cleanBridge(cidr: string): Promise<void> {
    const bridge = this.#o.bridge ?? DEFAULT_CNI_BRIDGE;
    let out: string;
    try {
      out = await ipCommand(['-4', '-j', 'addr', 'show', 'dev', bridge]);
    } catch {
      return; // no bridge yet: the first pod creates it
    }
    const links = (out.trim() ? JSON.parse(out) : []) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
    for (const link of links) {
      for (const a of link.addr_info ?? []) {
        if (!a.local || cidrContainsIp(cidr, a.local)) continue;
        this.#log.info('Removing an address outside the pod CIDR from the bridge', { bridge, address: `${a.local}/${a.prefixlen}`, podCIDR: cidr });
        await ipCommand(['addr', 'del', `${a.local}/${a.prefixlen}`, 'dev', bridge]);
      }
    }
  }

  async #stopOutOfRange(state: LoadedState): Promise<void> {
    const sandboxes = await this.#o.runtime.listPodSandbox({ state: 'SANDBOX_READY' });
    for (const sb of sandboxes) {
      if (!this.#current(state)) return;
      let ip = '';
      let mode: string | undefined;
      try {
        const st = await this.#o.runtime.podSandboxStatus(sb.id);
        ip = st.status.network.ip;
        mode = st.status.namespaceOptions.network;
      } catch {
        continue;
      }
      if (!ip || mode === 'NODE' || cidrContainsIp(state.cidr, ip)) continue;
      this.#log.info('Stopping a pod sandbox whose IP is outside the pod CIDR', { pod: `${sb.metadata.namespace}/${sb.metadata.name}`, podIP: ip, podCIDR: state.cidr });
      await this.#o.runtime.stopPodSandbox(sb.id);
      this.#o.onSandboxStopped?.(sb.metadata.uid);
    }
  }
}
