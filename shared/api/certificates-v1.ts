/** certificates.k8s.io/v1 wire types (k8s.io/api/certificates/v1/types.go). */
import type { KubeList, KubeObject, ObjectMeta } from './meta.ts';

export type KeyUsage =
  | 'signing'
  | 'digital signature'
  | 'content commitment'
  | 'key encipherment'
  | 'key agreement'
  | 'data encipherment'
  | 'cert sign'
  | 'crl sign'
  | 'encipher only'
  | 'decipher only'
  | 'any'
  | 'server auth'
  | 'client auth'
  | 'code signing'
  | 'email protection'
  | 's/mime'
  | 'ipsec end system'
  | 'ipsec tunnel'
  | 'ipsec user'
  | 'timestamping'
  | 'ocsp signing'
  | 'microsoft sgc'
  | 'netscape sgc';

export interface CertificateSigningRequestSpec {
  /** base64 of a PEM `CERTIFICATE REQUEST` block (Go []byte in JSON). */
  request: string;
  signerName: string;
  expirationSeconds?: number;
  usages?: KeyUsage[];
  /** Set by the server from the requesting user; ignored on create. */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export type RequestConditionType = 'Approved' | 'Denied' | 'Failed' | string;

export interface CertificateSigningRequestCondition {
  type: RequestConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface CertificateSigningRequestStatus {
  conditions?: CertificateSigningRequestCondition[];
  /** base64 of PEM `CERTIFICATE` blocks (Go []byte in JSON). */
  certificate?: string;
}

export interface CertificateSigningRequest extends KubeObject {
  apiVersion?: 'certificates.k8s.io/v1';
  kind?: 'CertificateSigningRequest';
  metadata: ObjectMeta;
  spec: CertificateSigningRequestSpec;
  status?: CertificateSigningRequestStatus;
}

export type CertificateSigningRequestList = KubeList<CertificateSigningRequest>;

/** Well-known signers (k8s.io/api/certificates/v1). */
export const KUBE_APISERVER_CLIENT_SIGNER_NAME = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER_NAME = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN_SIGNER_NAME = 'kubernetes.io/legacy-unknown';
