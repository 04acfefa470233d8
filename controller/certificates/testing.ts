/**
 * Fixtures for the certificate controllers' tests: CSR objects built from real PKCS#10 requests, a fake
 * clientset that knows CertificateSigningRequests, and a CSRClient that writes approval and status into it.
 */
import type { CertificateSigningRequest, KeyUsage } from '../../shared/api/certificates-v1.ts';
import type { KubeObject } from '../../shared/api/meta.ts';
import { SharedInformerFactory } from '../../shared/cache/informer-factory.ts';
import { settle } from '../../shared/cache/testing.ts';
import { FakeClientset } from '../../shared/client/fake/clientset.ts';
import { createCertificateRequest, type CertificateRequestOptions, type CertificateSubject } from '../../shared/pki/certificate-request.ts';
import { generateEcPrivateKey } from '../../shared/pki/keys.ts';
import { FakeClock } from '../../shared/util/clock.ts';
import { silentLogger } from '../../shared/util/log.ts';
import { T0 } from '../framework/testing.ts';
import { certificateSigningRequestsResource } from '../../shared/client/clientset.ts';
import type { CSRClient } from './csr-helpers.ts';

export interface CSRFixtureOptions extends CertificateRequestOptions {
  subject: CertificateSubject;
  signerName: string;
  usages: KeyUsage[];
  username: string;
  groups: string[];
  expirationSeconds?: number;
  /** PEM key (default: a fresh EC P-256 key). */
  keyPem?: string;
}

export async function newCSR(name: string, o: CSRFixtureOptions): Promise<CertificateSigningRequest> {
  const pem = await createCertificateRequest(o.subject, o.keyPem ?? generateEcPrivateKey().pem, o);
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: o.signerName,
      usages: o.usages,
      username: o.username,
      groups: o.groups,
      ...(o.expirationSeconds !== undefined ? { expirationSeconds: o.expirationSeconds } : {}),
    },
  };
}

export interface CertFixture {
  clientset: FakeClientset;
  informerFactory: SharedInformerFactory;
  clock: FakeClock;
  csrClient: CSRClient;
  /** Approval / status writes, as "approval <name>" / "status <name>". */
  writes: string[];
  get(name: string): Promise<CertificateSigningRequest>;
  start(): Promise<AbortSignal>;
  stop(): Promise<void>;
}

export function newCertFixture(objects: KubeObject[]): CertFixture {
  const clock = new FakeClock(T0);
  const clientset = new FakeClientset({ clock, objects, resources: [certificateSigningRequestsResource], hasStatusSubresource: () => true });
  const informerFactory = new SharedInformerFactory(clientset.client, { clock, log: silentLogger() });
  const csrs = clientset.resource<CertificateSigningRequest>(certificateSigningRequestsResource);
  const writes: string[] = [];
  const ac = new AbortController();
  return {
    clientset,
    informerFactory,
    clock,
    writes,
    csrClient: {
      async updateApproval(csr) {
        writes.push(`approval ${csr.metadata.name ?? ''}`);
        const cur = await csrs.get('', csr.metadata.name ?? '');
        return csrs.updateStatus({ ...cur, status: { ...(cur.status ?? {}), conditions: csr.status?.conditions ?? [] } });
      },
      async updateStatus(csr) {
        writes.push(`status ${csr.metadata.name ?? ''}`);
        return csrs.updateStatus(csr);
      },
    },
    get: (name) => csrs.get('', name),
    async start() {
      informerFactory.start(ac.signal);
      await informerFactory.waitForCacheSync(ac.signal);
      await settle();
      return ac.signal;
    },
    async stop() {
      ac.abort();
      await informerFactory.shutdown();
    },
  };
}
