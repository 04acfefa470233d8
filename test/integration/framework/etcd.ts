/**
 * Real etcd for integration tests (the k8s integration framework's `EtcdMain` idea): reuse `ETCD_URL` when set,
 * otherwise spawn `etcd` on free loopback ports with a temp data dir, wait until it is healthy, and kill + clean
 * up on stop(). A missing binary is a test failure with the install command, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { ensureEtcdPKI, type EtcdPKI } from '../../../deploy/cluster/pki.ts';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A TLS-enabled etcd's certificates, and what a client needs to talk to it (the API server's client pair). */
export interface EtcdTLS {
  pki: EtcdPKI;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface EtcdOptions {
  /**
   * Serve clients and peers over mutual TLS (`--cert-file --key-file --client-cert-auth --trusted-ca-file` and the
   * `--peer-*` equivalents), with an etcd CA and certificates generated for the test (deploy/cluster/pki.ts).
   */
  tls?: boolean;
}

export interface EtcdHandle {
  /** Client URL, e.g. `http://127.0.0.1:43121` (`https://` with TLS). */
  endpoint: string;
  /** Set when started with `tls: true`. */
  tls?: EtcdTLS;
  /** The member's data dir ('' when reusing ETCD_URL). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface EtcdMember {
  name: string;
  endpoint: string;
  dataDir: string;
  /** True while the member process runs. */
  readonly running: boolean;
  /** SIGKILLs the member (data dir kept) to simulate a crash. */
  kill(): Promise<void>;
  /** Starts a killed member again on the same ports and data dir; resolves when it serves requests. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  endpoints: string[];
  /** Set when started with `tls: true`. */
  tls?: EtcdTLS;
  members: EtcdMember[];
  /** The current raft leader (asks the running members; retries briefly during an election). */
  leader(): Promise<EtcdMember>;
  /** Kills every member and removes all data dirs. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "etcd not found: install it with 'apt-get install -y etcd-server'";
const HEALTH_TIMEOUT_MS = 30_000;

/**
 * Locates the etcd binary: $ETCD_BIN, then PATH, then the usual install locations. Throws the install hint
 * ("etcd not found: install it with 'apt-get install -y etcd-server'") when there is none.
 */
export function findEtcdBinary(
  env: NodeJS.ProcessEnv = process.env,
  fallbacks: string[] = ['/usr/bin/etcd', '/usr/local/bin/etcd'],
): string {
  const candidates: string[] = [];
  if (env.ETCD_BIN) candidates.push(env.ETCD_BIN);
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'etcd'));
  candidates.push(...fallbacks);
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      // keep looking
    }
  }
  throw new Error(INSTALL_HINT);
}

/** Asks the kernel for a free loopback port (closed again immediately; etcd binds it right after). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Children still alive at process exit are killed synchronously so a failed test never leaks an etcd. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  initialCluster: string;
  clusterToken: string;
  state: 'new' | 'existing';
  tls?: EtcdTLS;
}

class Member implements EtcdMember {
  readonly name: string;
  readonly endpoint: string;
  readonly dataDir: string;
  #spec: MemberSpec;
  #bin: string;
  #child: ChildProcess | null = null;
  #stderrTail = '';

  constructor(bin: string, spec: MemberSpec) {
    this.#bin = bin;
    this.#spec = spec;
    this.name = spec.name;
    this.dataDir = spec.dataDir;
    this.endpoint = `${spec.tls ? 'https' : 'http'}://127.0.0.1:${spec.clientPort}`;
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Spawns the process; does not wait for health. */
  spawn(): void {
    const s = this.#spec;
    const peerUrl = `${s.tls ? 'https' : 'http'}://127.0.0.1:${s.peerPort}`;
    const tlsArgs = s.tls
      ? [
          '--cert-file', s.tls.pki.serverCert, '--key-file', s.tls.pki.serverKey,
          '--client-cert-auth', '--trusted-ca-file', s.tls.pki.caCert,
          '--peer-cert-file', s.tls.pki.peerCert, '--peer-key-file', s.tls.pki.peerKey,
          '--peer-client-cert-auth', '--peer-trusted-ca-file', s.tls.pki.caCert,
        ]
      : [];
    const args = [
      '--name', s.name,
      '--data-dir', s.dataDir,
      '--listen-client-urls', this.endpoint,
      '--advertise-client-urls', this.endpoint,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', s.initialCluster,
      '--initial-cluster-state', s.state,
      '--initial-cluster-token', s.clusterToken,
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--log-level', 'error',
      ...tlsArgs,
    ];
    const child = spawn(this.#bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-4000);
    });
    child.on('error', (err) => {
      this.#stderrTail += `\nspawn error: ${err.message}`;
    });
    // Do not keep the test process alive because of etcd; the exit hook kills stragglers.
    child.unref();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    track(child);
    this.#child = child;
    // After the first start, a restart joins the existing cluster from its data dir.
    this.#spec = { ...s, state: 'existing' };
  }

  /** This member's raft id and the leader id it knows, from the v3 JSON gateway (ids are uint64 decimal strings). */
  async status(): Promise<{ memberId: string; leaderId: string }> {
    const body = JSON.parse(await etcdHttp(`${this.endpoint}/v3/maintenance/status`, this.#spec.tls, '{}')) as { header?: { member_id?: string }; leader?: string };
    return { memberId: body.header?.member_id ?? '', leaderId: body.leader ?? '' };
  }

  /** Polls /health until it answers {"health":"true"}; fails early when the process dies. */
  async waitHealthy(timeoutMs = HEALTH_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`etcd ${this.name} exited during startup: ${this.#stderrTail.trim()}`);
      try {
        const body = JSON.parse(await etcdHttp(`${this.endpoint}/health`, this.#spec.tls)) as { health?: string };
        if (body.health === 'true') return;
        last = JSON.stringify(body);
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`etcd ${this.name} at ${this.endpoint} not healthy after ${timeoutMs} ms (${last}): ${this.#stderrTail.trim()}`);
  }

  async kill(): Promise<void> {
    await this.#terminate('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.running) throw new Error(`etcd ${this.name} is still running`);
    this.spawn();
    await this.waitHealthy();
  }

  async #terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Keep the event loop alive until the exit is observed (the child is unref'd while running).
    child.ref();
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the member for good; its data dir is about to be removed, so there is nothing to flush gracefully. */
  async stop(): Promise<void> {
    await this.#terminate('SIGKILL');
  }
}

/**
 * Starts one etcd (or reuses `ETCD_URL`). Ports that turn out to be taken between the probe and etcd's bind are
 * retried with fresh ports.
 */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdHandle> {
  const reuse = process.env.ETCD_URL;
  if (reuse && !options.tls) {
    return { endpoint: reuse.split(',')[0] ?? reuse, dataDir: '', stop: async () => {} };
  }
  const cluster = await startEtcdCluster(1, options);
  const member = cluster.members[0];
  if (!member) throw new Error('etcd cluster has no members');
  return { endpoint: member.endpoint, dataDir: member.dataDir, tls: cluster.tls, stop: () => cluster.stop() };
}

/** Starts an n-member etcd cluster on loopback (ETCD_URL is not consulted). */
export async function startEtcdCluster(size: number, options: EtcdOptions = {}): Promise<EtcdCluster> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`Cannot start an etcd cluster of size ${size}`);
  const bin = findEtcdBinary();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const root = await mkdtemp(join(tmpdir(), 'kubelab-etcd-'));
    let tls: EtcdTLS | undefined;
    if (options.tls) {
      const pki = ensureEtcdPKI(join(root, 'pki'), { ips: ['127.0.0.1'], dns: ['localhost'] });
      tls = { pki, ca: readFileSync(pki.caCert), cert: readFileSync(pki.apiserverClientCert), key: readFileSync(pki.apiserverClientKey) };
    }
    const ports: { client: number; peer: number }[] = [];
    for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
    const initialCluster = ports.map((p, i) => `m${i}=${tls ? 'https' : 'http'}://127.0.0.1:${p.peer}`).join(',');
    const members = ports.map(
      (p, i) =>
        new Member(bin, {
          name: `m${i}`,
          clientPort: p.client,
          peerPort: p.peer,
          dataDir: join(root, `m${i}`),
          initialCluster,
          clusterToken: `kubelab-test-${ports[0]?.peer ?? 0}`,
          state: 'new',
          tls,
        }),
    );
    const stop = async (): Promise<void> => {
      await Promise.all(members.map((m) => m.stop()));
      await rm(root, { recursive: true, force: true });
    };
    try {
      for (const m of members) m.spawn();
      await Promise.all(members.map((m) => m.waitHealthy()));
      const leader = async (): Promise<EtcdMember> => {
        const deadline = Date.now() + HEALTH_TIMEOUT_MS;
        let last = '';
        while (Date.now() < deadline) {
          const statuses = await Promise.all(
            members.filter((m) => m.running).map(async (m) => ({ m, st: await m.status().catch(() => null) })),
          );
          const ids = new Map(statuses.flatMap(({ m, st }) => (st ? [[st.memberId, m] as const] : [])));
          const leaderId = statuses.find(({ st }) => st && st.leaderId !== '0' && ids.has(st.leaderId))?.st?.leaderId;
          const found = leaderId !== undefined ? ids.get(leaderId) : undefined;
          if (found) return found;
          last = JSON.stringify(statuses.map(({ st }) => st));
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`etcd cluster has no leader after ${HEALTH_TIMEOUT_MS} ms: ${last}`);
      };
      return { endpoints: members.map((m) => m.endpoint), members, leader, stop, tls };
    } catch (e) {
      lastError = e;
      await stop();
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** GET (or POST `body` to) one of etcd's HTTP endpoints, over mutual TLS when `tls` is given; the body text. */
async function etcdHttp(url: string, tls: EtcdTLS | undefined, body?: string): Promise<string> {
  if (!tls) {
    const res = await fetch(url, { method: body === undefined ? 'GET' : 'POST', body, signal: AbortSignal.timeout(2000) });
    return await res.text();
  }
  return await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(url, { method: body === undefined ? 'GET' : 'POST', ca: tls.ca, cert: tls.cert, key: tls.key, timeout: 2000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 2000 ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
