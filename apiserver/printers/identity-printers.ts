import type { KubeObject } from '../../shared/api/meta.ts';
import type { ConfigMap, Secret, ServiceAccount } from '../../shared/api/core-v1.ts';
import type { CertificateSigningRequest } from '../../shared/api/certificates-v1.ts';
import {
  CONFIG_MAP_DATA,
  CSR_SPEC_EXPIRATION_SECONDS,
  CSR_SPEC_REQUEST,
  CSR_SPEC_SIGNER_NAME,
  CSR_STATUS_CONDITIONS,
  OBJECT_META_CREATION_TIMESTAMP,
  OBJECT_META_NAME,
  SECRET_DATA,
  SECRET_TYPE,
  SERVICE_ACCOUNT_SECRETS,
} from './column-descriptions.ts';
import { humanDuration, translateTimestampSince } from './human-duration.ts';
import { column, type PrintedRow, type ResourcePrinter } from './table.ts';

/**
 * `kubectl get secrets|configmaps|serviceaccounts|csr`: printSecret, printConfigMap, printServiceAccount and
 * printCertificateSigningRequest in pkg/printers/internalversion/printers.go. Counts are integers on the wire.
 */

const NAME = column('Name', 'string', OBJECT_META_NAME, { format: 'name' });
const AGE = column('Age', 'string', OBJECT_META_CREATION_TIMESTAMP);

const count = (m: unknown): number => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export const secretPrinter: ResourcePrinter = {
  columns: [NAME, column('Type', 'string', SECRET_TYPE), column('Data', 'string', SECRET_DATA), AGE],
  print: (obj: KubeObject, now: number): PrintedRow => {
    const s = obj as Secret;
    return { cells: [obj.metadata.name ?? '', s.type ?? '', count(s.data), translateTimestampSince(obj.metadata.creationTimestamp, now)] };
  },
};

export const configMapPrinter: ResourcePrinter = {
  columns: [NAME, column('Data', 'string', CONFIG_MAP_DATA), AGE],
  print: (obj: KubeObject, now: number): PrintedRow => {
    const cm = obj as ConfigMap;
    return { cells: [obj.metadata.name ?? '', count(cm.data) + count(cm.binaryData), translateTimestampSince(obj.metadata.creationTimestamp, now)] };
  },
};

export const serviceAccountPrinter: ResourcePrinter = {
  columns: [NAME, column('Secrets', 'string', SERVICE_ACCOUNT_SECRETS), AGE],
  print: (obj: KubeObject, now: number): PrintedRow => {
    const sa = obj as ServiceAccount;
    return { cells: [obj.metadata.name ?? '', Array.isArray(sa.secrets) ? sa.secrets.length : 0, translateTimestampSince(obj.metadata.creationTimestamp, now)] };
  },
};

/** extractCSRStatus: Denied over Approved over Pending, then ,Failed and ,Issued. */
export function csrCondition(csr: CertificateSigningRequest): string {
  let approved = false;
  let denied = false;
  let failed = false;
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Approved') approved = true;
    else if (c.type === 'Denied') denied = true;
    else if (c.type === 'Failed') failed = true;
  }
  let status = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

export const certificateSigningRequestPrinter: ResourcePrinter = {
  columns: [
    NAME,
    AGE,
    column('SignerName', 'string', CSR_SPEC_SIGNER_NAME),
    column('Requestor', 'string', CSR_SPEC_REQUEST),
    column('RequestedDuration', 'string', CSR_SPEC_EXPIRATION_SECONDS),
    column('Condition', 'string', CSR_STATUS_CONDITIONS),
  ],
  print: (obj: KubeObject, now: number): PrintedRow => {
    const csr = obj as CertificateSigningRequest;
    const exp = csr.spec?.expirationSeconds;
    return {
      cells: [
        obj.metadata.name ?? '',
        translateTimestampSince(obj.metadata.creationTimestamp, now),
        csr.spec?.signerName || '<none>',
        csr.spec?.username ?? '',
        typeof exp === 'number' ? humanDuration(exp * 1000) : '<none>',
        csrCondition(csr),
      ],
    };
  },
};
