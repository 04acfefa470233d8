/**
 * Asks the cluster for a certificate (client-go util/certificate/csr RequestCertificate + WaitForCertificate):
 * creates a CertificateSigningRequest for a PKCS#10 request and waits, with backoff and a deadline, until it
 * is approved and issued. Denied or Failed ends the wait with kube's error text.
 *
 *   const pem = await requestCertificate(client, { request, signerName, usages, generateName: 'node-csr-' }, { clock, log });
 */
import type { CertificateSigningRequest, KeyUsage } from '../../shared/api/certificates-v1.ts';
import { certificateSigningRequestsResource } from '../../shared/client/clientset.ts';
import type { Client } from '../../shared/client/interfaces.ts';
import { realClock, type Clock } from '../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../shared/util/log.ts';

export interface CertificateRequestSpec {
  /** PEM "CERTIFICATE REQUEST". */
  request: string;
  signerName: string;
  usages: KeyUsage[];
  /** metadata.generateName. */
  generateName: string;
  expirationSeconds?: number;
}

export interface WaitOptions {
  clock?: Clock;
  log?: Logger;
  signal?: AbortSignal;
  /** How long to wait for approval and issuance. @default 15 min (kubelet's bootstrap wait) */
  timeoutMs?: number;
  /** First poll delay, doubled up to maxDelayMs. @default 500 */
  initialDelayMs?: number;
  /** @default 8000 */
  maxDelayMs?: number;
}

export class CertificateRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateRequestError';
  }
}

/** Creates the CSR and returns the issued certificate chain (PEM). */
export async function requestCertificate(client: Client, spec: CertificateRequestSpec, options: WaitOptions = {}): Promise<{ certificatePem: string; csrName: string }> {
  const clock = options.clock ?? realClock;
  const log = (options.log ?? rootLog).with({ component: 'certificate-request' });
  const csrs = client.resource<CertificateSigningRequest>(certificateSigningRequestsResource);
  const created = await csrs.create(
    {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: spec.generateName },
      spec: {
        request: Buffer.from(spec.request, 'utf8').toString('base64'),
        signerName: spec.signerName,
        usages: spec.usages,
        ...(spec.expirationSeconds ? { expirationSeconds: spec.expirationSeconds } : {}),
      },
    },
    options.signal ? { signal: options.signal } : {},
  );
  const name = created.metadata.name ?? '';
  log.info('Waiting for the certificate signing request to be approved and issued', { csr: name, signer: spec.signerName });
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const deadline = clock.now() + timeoutMs;
  let delay = options.initialDelayMs ?? 500;
  let csr: CertificateSigningRequest = created;
  let said = '';
  for (;;) {
    for (const c of csr.status?.conditions ?? []) {
      if (c.type === 'Denied' && c.status !== 'False') throw new CertificateRequestError(`certificate signing request is denied, reason: ${c.reason ?? ''}, message: ${c.message ?? ''}`);
      if (c.type === 'Failed' && c.status !== 'False') throw new CertificateRequestError(`certificate signing request failed, reason: ${c.reason ?? ''}, message: ${c.message ?? ''}`);
    }
    const approved = (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' && c.status !== 'False');
    if (approved && csr.status?.certificate) {
      log.info('Certificate signing request is issued', { csr: name });
      return { certificatePem: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), csrName: name };
    }
    const state = approved ? 'approved, waiting to be issued' : 'pending approval';
    if (state !== said) {
      log.info(`Certificate signing request is ${state}`, { csr: name });
      said = state;
    }
    if (clock.now() >= deadline) throw new CertificateRequestError(`timed out waiting for certificate signing request ${name} to be ${approved ? 'issued' : 'approved'} (${Math.round(timeoutMs / 1000)}s)`);
    await clock.sleep(Math.min(delay, Math.max(0, deadline - clock.now())), options.signal);
    delay = Math.min(delay * 2, options.maxDelayMs ?? 8000);
    try {
      csr = await csrs.get('', name, options.signal ? { signal: options.signal } : {});
    } catch (err) {
      options.signal?.throwIfAborted();
      log.warn('Cannot read the certificate signing request, retrying', { csr: name, err });
    }
  }
}
