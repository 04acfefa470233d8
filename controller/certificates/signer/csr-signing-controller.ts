/**
 * The CSR signing controller (kube-controller-manager pkg/controller/certificates/signer/signer.go,
 * "csrsigning"): signs approved CSRs of the signers kubernetes.io/kube-apiserver-client,
 * kubernetes.io/kube-apiserver-client-kubelet and kubernetes.io/kubelet-serving with the cluster CA
 * (`--cluster-signing-cert-file`, `--cluster-signing-key-file`) and writes the PEM to status.certificate
 * through the status subresource.
 *
 * - Ignored: not approved (or denied), already Failed, already issued, or another signer's.
 * - A request the signer does not allow (kubelet client/serving checks, client usages) gets the condition
 *   Failed / SignerValidationFailure with the reason as message, and is never signed.
 * - Lifetime: spec.expirationSeconds capped to `--cluster-signing-duration` (default 8760h), at least 10 min.
 */
import type { CertificateSigningRequest } from '../../../shared/api/certificates-v1.ts';
import { KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME, KUBE_APISERVER_CLIENT_SIGNER_NAME, KUBELET_SERVING_SIGNER_NAME } from '../../../shared/api/certificates-v1.ts';
import type { SharedInformerFactory } from '../../../shared/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../../../shared/cache/shared-informer.ts';
import { certificateSigningRequestsResource, type Clientset } from '../../../shared/client/clientset.ts';
import { parseCertificateRequest, type ParsedCertificateRequest } from '../../../shared/pki/certificate-request.ts';
import { realClock, type Clock } from '../../../shared/util/clock.ts';
import { log as rootLog, type Logger } from '../../../shared/util/log.ts';
import { rfc3339 } from '../../framework/time-format.ts';
import { Controller } from '../../framework/controller.ts';
import { enqueueHandler } from '../../framework/handlers.ts';
import { TerminalError, type Reconciler } from '../../framework/reconciler.ts';
import type { CertificateAuthority } from '../authority/certificate-authority.ts';
import {
  hasTrueCondition,
  isApproved,
  newCSRClient,
  requestPem,
  usageSet,
  validateAPIServerClientUsages,
  validateKubeletClientCSR,
  validateKubeletServingCSR,
  withCondition,
  type CSRClient,
} from '../csr-helpers.ts';

export const SIGNED_SIGNER_NAMES = [KUBE_APISERVER_CLIENT_SIGNER_NAME, KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME, KUBELET_SERVING_SIGNER_NAME] as const;

/** @default --cluster-signing-duration 8760h */
export const DEFAULT_CLUSTER_SIGNING_DURATION_MS = 8760 * 3600_000;
const MIN_DURATION_MS = 10 * 60_000;

/** The signer's check of a request for one of its signer names: an error message, or undefined when allowed. */
export function validateForSigner(signerName: string, req: ParsedCertificateRequest, usages: readonly string[]): string | undefined {
  switch (signerName) {
    case KUBELET_SERVING_SIGNER_NAME:
      return validateKubeletServingCSR(req, usageSet(usages as never));
    case KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME:
      return validateKubeletClientCSR(req, usageSet(usages as never));
    case KUBE_APISERVER_CLIENT_SIGNER_NAME:
      return validateAPIServerClientUsages(usages);
    default:
      return `unrecognized signerName: ${JSON.stringify(signerName)}`;
  }
}

/** The certificate lifetime for a request (signer.duration). */
export function signingDuration(expirationSeconds: number | undefined, maxMs: number): number {
  if (expirationSeconds === undefined || expirationSeconds === null) return maxMs;
  const requested = expirationSeconds * 1000;
  if (requested > maxMs) return maxMs;
  if (requested < MIN_DURATION_MS) return MIN_DURATION_MS;
  return requested;
}

export interface CSRSigningControllerOptions {
  clientset: Clientset;
  informerFactory: SharedInformerFactory;
  authority: CertificateAuthority;
  /** --cluster-signing-duration. @default 8760h */
  durationMs?: number;
  csrClient?: CSRClient;
  /** @default 5 */
  workers?: number;
  clock?: Clock;
  log?: Logger;
}

export class CSRSigningController implements Reconciler {
  readonly controller: Controller;
  readonly #csrs: SharedIndexInformer<CertificateSigningRequest>;
  readonly #ca: CertificateAuthority;
  readonly #durationMs: number;
  readonly #client: CSRClient;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(options: CSRSigningControllerOptions) {
    this.#clock = options.clock ?? realClock;
    this.#log = (options.log ?? rootLog).with({ controller: 'csrsigning' });
    this.#csrs = options.informerFactory.informerFor<CertificateSigningRequest>(certificateSigningRequestsResource);
    this.#ca = options.authority;
    this.#durationMs = options.durationMs ?? DEFAULT_CLUSTER_SIGNING_DURATION_MS;
    this.#client = options.csrClient ?? newCSRClient(options.clientset.client);
    this.controller = new Controller({ name: 'csrsigning', reconciler: this, workers: options.workers ?? 5, clock: this.#clock, log: options.log ?? rootLog });
    this.#csrs.addEventHandler(enqueueHandler<CertificateSigningRequest>((key) => this.controller.enqueue(key)));
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.controller.run(signal, { hasSynced: [() => this.#csrs.hasSynced()] });
  }

  async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const csr = this.#csrs.lister.get(key);
    if (!csr) return;
    if (csr.status?.certificate) return;
    if (!isApproved(csr) || hasTrueCondition(csr, 'Failed')) return;
    if (!(SIGNED_SIGNER_NAMES as readonly string[]).includes(csr.spec.signerName)) return;
    let req: ParsedCertificateRequest;
    try {
      req = parseCertificateRequest(requestPem(csr));
    } catch (err) {
      throw new TerminalError(`unable to parse csr ${JSON.stringify(csr.metadata.name)}: ${(err as Error).message}`);
    }
    const usages = csr.spec.usages ?? [];
    const invalid = validateForSigner(csr.spec.signerName, req, usages);
    if (invalid) {
      const failed = withCondition(csr, { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: invalid, lastUpdateTime: rfc3339(this.#clock.now()) });
      try {
        await this.#client.updateStatus(failed, signal);
      } catch (err) {
        throw new Error(`error adding failure condition for csr: ${(err as Error).message}`, { cause: err });
      }
      this.#log.info('Refused to sign CSR', { csr: csr.metadata.name, signer: csr.spec.signerName, reason: invalid });
      return;
    }
    let pem: string;
    try {
      pem = await this.#ca.sign(req, { ttlMs: signingDuration(csr.spec.expirationSeconds, this.#durationMs), usages });
    } catch (err) {
      throw new Error(`error auto signing csr: ${(err as Error).message}`, { cause: err });
    }
    const signed: CertificateSigningRequest = { ...csr, status: { ...(csr.status ?? {}), certificate: Buffer.from(pem, 'utf8').toString('base64') } };
    try {
      await this.#client.updateStatus(signed, signal);
    } catch (err) {
      throw new Error(`error updating signature for csr: ${(err as Error).message}`, { cause: err });
    }
    this.#log.info('Signed CSR', { csr: csr.metadata.name, signer: csr.spec.signerName, subject: req.commonName });
  }
}
