/**
 * What the CSR approving and signing controllers share (kube-controller-manager pkg/controller/certificates
 * certificate_controller_utils.go, and the kubelet CSR checks of pkg/apis/certificates/helpers.go):
 * conditions, the recognizers of kubelet client and serving requests, and the client calls a CSR controller
 * makes (the approval and status subresources, SubjectAccessReview).
 */
import type { CertificateSigningRequest, CertificateSigningRequestCondition, KeyUsage } from '../../shared/api/certificates-v1.ts';
import { certificateSigningRequestsResource, subjectAccessReviewsResource } from '../../shared/client/clientset.ts';
import type { Client } from '../../shared/client/interfaces.ts';
import { RestClient } from '../../shared/client/rest-client.ts';
import type { ParsedCertificateRequest } from '../../shared/pki/certificate-request.ts';

/** Whether the CSR has a condition of this type with status True (an absent status counts as True, as kube reads it). */
export function hasTrueCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && (c.status === undefined || (c.status as string) === '' || c.status === 'True'));
}

/** GetCertApprovalCondition: (approved, denied). */
export function approvalState(csr: CertificateSigningRequest): { approved: boolean; denied: boolean } {
  return { approved: hasTrueCondition(csr, 'Approved'), denied: hasTrueCondition(csr, 'Denied') };
}

/** IsCertificateRequestApproved: approved and not denied. */
export function isApproved(csr: CertificateSigningRequest): boolean {
  const s = approvalState(csr);
  return s.approved && !s.denied;
}

export function usageSet(usages: readonly KeyUsage[] | undefined): Set<string> {
  return new Set(usages ?? []);
}

function sameSet(a: Set<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}

const KUBELET_CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const KUBELET_CLIENT_USAGES_NO_RSA = ['digital signature', 'client auth'];
const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];
const KUBELET_SERVING_USAGES_NO_RSA = ['digital signature', 'server auth'];

function sorted(x: string[]): string {
  return `[${[...x].sort().join(' ')}]`;
}

/** ValidateKubeletClientCSR: the error, or undefined when the request is a kubelet client certificate request. */
export function validateKubeletClientCSR(req: ParsedCertificateRequest, usages: Set<string>): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (req.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, KUBELET_CLIENT_USAGES) && !sameSet(usages, KUBELET_CLIENT_USAGES_NO_RSA)) return `usages did not match ${sorted(KUBELET_CLIENT_USAGES)}`;
  return undefined;
}

/** ValidateKubeletServingCSR. */
export function validateKubeletServingCSR(req: ParsedCertificateRequest, usages: Set<string>): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, KUBELET_SERVING_USAGES) && !sameSet(usages, KUBELET_SERVING_USAGES_NO_RSA)) return `usages did not match ${sorted(KUBELET_SERVING_USAGES)}`;
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** validAPIServerClientUsages (signer kubernetes.io/kube-apiserver-client). */
export function validateAPIServerClientUsages(usages: readonly string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'digital signature' || u === 'key encipherment') continue;
    if (u === 'client auth') clientAuth = true;
    else return `invalid usage for client certificate: ${u}`;
  }
  if (!clientAuth) return 'missing required usage for client certificate: client auth';
  return undefined;
}

/** The request's PEM text (spec.request is base64 of the PEM on the wire). */
export function requestPem(csr: CertificateSigningRequest): string {
  return Buffer.from(csr.spec.request ?? '', 'base64').toString('utf8');
}

/** The writes a CSR controller makes, and the access review the approver asks. */
export interface CSRClient {
  /** PUT certificatesigningrequests/{name}/approval. */
  updateApproval(csr: CertificateSigningRequest, signal?: AbortSignal): Promise<CertificateSigningRequest>;
  /** PUT certificatesigningrequests/{name}/status. */
  updateStatus(csr: CertificateSigningRequest, signal?: AbortSignal): Promise<CertificateSigningRequest>;
}

/** The approval/status writes over a Client (the approval subresource needs the REST client's raw request). */
export function newCSRClient(client: Client): CSRClient {
  const csrs = client.resource<CertificateSigningRequest>(certificateSigningRequestsResource);
  return {
    async updateApproval(csr, signal) {
      if (!(client instanceof RestClient)) throw new Error('Cannot update the approval of a CertificateSigningRequest through this client (it has no approval subresource)');
      return client.request<CertificateSigningRequest>({
        method: 'PUT',
        path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${encodeURIComponent(csr.metadata.name ?? '')}/approval`,
        body: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', ...csr },
        ...(signal ? { signal } : {}),
      });
    },
    updateStatus: (csr, signal) => csrs.updateStatus(csr, signal ? { signal } : {}),
  };
}

/** What a SubjectAccessReview asks (authorizationv1.SubjectAccessReviewSpec, resource attributes only). */
export interface AccessReviewSpec {
  user: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  resourceAttributes: { group: string; resource: string; subresource?: string; verb: string; version?: string; name?: string; namespace?: string };
}

/** Answers whether the subject may do what the spec asks. */
export type AccessReviewer = (spec: AccessReviewSpec, signal?: AbortSignal) => Promise<boolean>;

/** SubjectAccessReviews through the API (POST authorization.k8s.io/v1 subjectaccessreviews). */
export function subjectAccessReviewer(client: Client): AccessReviewer {
  const sars = client.resource(subjectAccessReviewsResource);
  return async (spec, signal) => {
    const out = await sars.create(
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec } as never,
      signal ? { signal } : {},
    );
    return (out as { status?: { allowed?: boolean } }).status?.allowed === true;
  };
}

/** Appends a condition (conditions are append-only in the CSR API). */
export function withCondition(csr: CertificateSigningRequest, condition: CertificateSigningRequestCondition): CertificateSigningRequest {
  return {
    ...csr,
    status: { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), condition] },
  };
}
