import { Base64Error, decodeStdBase64 } from '../../../../shared/api/validation/base64.ts';
import { newBadRequest } from '../../../../shared/errors/status-error.ts';

/** A []byte field of a CertificateSigningRequest: 400 in the decoder's words when not base64; canonical form. */
export function normalizeBytesField(holder: Record<string, unknown>, field: string): void {
  const v = holder[field];
  if (v === undefined) return;
  if (v === null || v === '') {
    delete holder[field];
    return;
  }
  try {
    holder[field] = decodeStdBase64(String(v)).toString('base64');
  } catch (e) {
    if (e instanceof Base64Error) {
      throw newBadRequest(`CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: ${e.message}`);
    }
    throw e;
  }
}
