/**
 * One certificate of the node agent, kept valid (client-go util/certificate manager.go + FileStore, as
 * kubelet runs it for its client certificate and its serving certificate):
 *
 * - the pair lives in `<certDir>/<name>-current.pem` (certificate then key, mode 0600, directory 0700) and
 *   is replaced atomically (write a temporary file, rename over);
 * - `ensure()` uses the pair on disk while it is valid, else generates an EC P-256 key, submits a CSR
 *   (request-certificate.ts) and waits until it is approved and issued;
 * - `start()` schedules rotation at a random point between 70% and 90% of the certificate's lifetime
 *   (jittered so that nodes do not renew together); a rotation submits a new CSR with the current identity,
 *   swaps the file and tells `onRotate` (the agent rebuilds its client TLS, or its listener's certificate).
 *   A failed rotation is retried with backoff (2 s doubling to 5 min) for as long as it fails.
 */
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyUsage } from '../../shared/api/certificates-v1.ts';
import type { Client } from '../../shared/client/interfaces.ts';
import { createCertificateRequest, type CertificateSubject } from '../../shared/pki/certificate-request.ts';
import { generateEcPrivateKey } from '../../shared/pki/keys.ts';
import { realClock, type Clock, type Timer } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';
import { requestCertificate, type WaitOptions } from './request-certificate.ts';

const MAX_TIMER_MS = 6 * 3600_000;

export interface KeyPair {
  certPem: string;
  keyPem: string;
  notBefore: number;
  notAfter: number;
}

/** Splits a combined PEM file into its certificate chain and its private key. */
export function parseKeyPair(text: string): KeyPair {
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\s*/g) ?? [];
  const key = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----\s*/.exec(text)?.[0];
  if (certs.length === 0 || !key) throw new Error('the file does not hold a certificate and a private key');
  const leaf = new X509Certificate(certs[0] as string);
  return { certPem: certs.join(''), keyPem: key, notBefore: Date.parse(leaf.validFrom), notAfter: Date.parse(leaf.validTo) };
}

/** Writes `<dir>/<file>` atomically with mode 0600; the directory is created 0700 (and made 0700 when `ownDir`). */
export function writeSecretFileAtomic(dir: string, file: string, data: string, ownDir = true): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (ownDir) chmodSync(dir, 0o700);
  const path = join(dir, file);
  const tmp = join(dir, `.${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return path;
}

export interface CertificateManagerOptions {
  /** File name stem: `kubelet-client` or `kubelet-server`. */
  name: string;
  certDir: string;
  signerName: string;
  usages: KeyUsage[];
  subject: CertificateSubject;
  /** SANs (serving certificates), read at each request. */
  sans?: () => { dnsNames: string[]; ipAddresses: string[] };
  /** The client new CSRs are submitted with (the current identity). */
  client: () => Client;
  /** Called after a new pair is written (not for the pair found on disk). */
  onRotate?: (pair: KeyPair) => void;
  /** metadata.generateName of the CSRs. @default 'csr-' */
  generateName?: string;
  /** spec.expirationSeconds of the CSRs (kubelet leaves it unset). */
  expirationSeconds?: number;
  wait?: Omit<WaitOptions, 'clock' | 'log' | 'signal'>;
  clock?: Clock;
  log?: Logger;
  /** @default Math.random */
  random?: () => number;
}

export class CertificateManager {
  readonly path: string;
  readonly #o: CertificateManagerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  #current: KeyPair | undefined;
  #timer: Timer | undefined;
  #ac = new AbortController();
  #rotating: Promise<void> | undefined;
  #retryDelayMs = 2000;

  constructor(options: CertificateManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ component: 'certificate-manager', certificate: options.name });
    this.path = join(options.certDir, `${options.name}-current.pem`);
  }

  /** The pair in use (undefined before ensure()). */
  current(): KeyPair | undefined {
    return this.#current;
  }

  /** The valid pair on disk, if any. */
  loadFromDisk(): KeyPair | undefined {
    let pair: KeyPair;
    try {
      pair = parseKeyPair(readFileSync(this.path, 'utf8'));
    } catch {
      return undefined;
    }
    const now = this.#clock.now();
    if (now < pair.notBefore || now >= pair.notAfter) {
      this.#log.info('The certificate on disk is not valid now, requesting a new one', { notBefore: new Date(pair.notBefore).toISOString(), notAfter: new Date(pair.notAfter).toISOString() });
      return undefined;
    }
    return pair;
  }

  /** The valid pair on disk, else a new one from a CSR submitted with `client` (default: options.client()). */
  async ensure(client?: Client, signal?: AbortSignal): Promise<KeyPair> {
    const onDisk = this.loadFromDisk();
    if (onDisk) {
      this.#current = onDisk;
      return onDisk;
    }
    const pair = await this.#request(client ?? this.#o.client(), signal ?? this.#ac.signal);
    this.#current = pair;
    return pair;
  }

  async #request(client: Client, signal: AbortSignal): Promise<KeyPair> {
    const key = generateEcPrivateKey();
    const sans = this.#o.sans?.() ?? { dnsNames: [], ipAddresses: [] };
    const request = await createCertificateRequest(this.#o.subject, key.pem, sans);
    const { certificatePem } = await requestCertificate(
      client,
      {
        request,
        signerName: this.#o.signerName,
        usages: this.#o.usages,
        generateName: this.#o.generateName ?? 'csr-',
        ...(this.#o.expirationSeconds ? { expirationSeconds: this.#o.expirationSeconds } : {}),
      },
      { ...(this.#o.wait ?? {}), clock: this.#clock, log: this.#log, signal },
    );
    const text = `${certificatePem.trimEnd()}\n${key.pem.trimEnd()}\n`;
    const pair = parseKeyPair(text);
    writeSecretFileAtomic(this.#o.certDir, `${this.#o.name}-current.pem`, text);
    this.#log.info('Wrote the new certificate', { path: this.path, notAfter: new Date(pair.notAfter).toISOString() });
    return pair;
  }

  /** When the current certificate should be renewed: notBefore + (70%..90%) of its lifetime. */
  rotationDeadline(pair: KeyPair = this.#current as KeyPair): number {
    const total = pair.notAfter - pair.notBefore;
    return pair.notBefore + Math.floor(total * (0.7 + 0.2 * (this.#o.random ?? Math.random)()));
  }

  /** Schedules rotations until stop(). */
  start(): void {
    if (!this.#current) throw new Error(`Cannot start rotating ${this.#o.name} as there is no certificate yet (call ensure first)`);
    this.#schedule(this.rotationDeadline());
  }

  #schedule(at: number): void {
    if (this.#ac.signal.aborted) return;
    this.#timer?.cancel();
    const delay = Math.max(0, at - this.#clock.now());
    this.#log.info('Certificate rotation scheduled', { at: new Date(at).toISOString(), inMs: delay });
    this.#arm(at);
  }

  /** Timers longer than ~24 days fire at once in Node: wake at most every 6 hours until the deadline. */
  #arm(at: number): void {
    const delay = Math.max(0, at - this.#clock.now());
    if (delay > MAX_TIMER_MS) {
      this.#timer = this.#clock.setTimeout(() => this.#arm(at), MAX_TIMER_MS);
      this.#timer.unref?.();
      return;
    }
    this.#timer = this.#clock.setTimeout(() => {
      this.#rotating = this.rotate().then(
        () => {
          this.#retryDelayMs = 2000;
          if (this.#current) this.#schedule(this.rotationDeadline());
        },
        (err: unknown) => {
          if (this.#ac.signal.aborted) return;
          this.#log.error('Certificate rotation failed, retrying', { err, retryInMs: this.#retryDelayMs });
          const next = this.#clock.now() + this.#retryDelayMs;
          this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, 5 * 60_000);
          this.#schedule(next);
        },
      );
    }, delay);
    this.#timer.unref?.();
  }

  /** Requests a new certificate with the current identity and swaps it in. */
  async rotate(): Promise<void> {
    this.#log.info('Rotating certificate');
    const pair = await this.#request(this.#o.client(), this.#ac.signal);
    this.#current = pair;
    this.#o.onRotate?.(pair);
  }

  /** Resolves when an in-progress rotation (if any) settles. For tests. */
  async settled(): Promise<void> {
    await this.#rotating?.catch(() => undefined);
  }

  stop(): void {
    this.#ac.abort(new Error('certificate manager stopped'));
    this.#timer?.cancel();
  }
}
