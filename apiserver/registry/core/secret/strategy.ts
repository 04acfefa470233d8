import type { KubeObject } from '../../../../shared/api/meta.ts';
import { SECRET_TYPE_OPAQUE, type Secret } from '../../../../shared/api/core-v1.ts';
import { validateSecret, validateSecretUpdate } from '../../../../shared/api/validation/secret.ts';
import { Base64Error, decodeStdBase64 } from '../../../../shared/api/validation/base64.ts';
import { newBadRequest } from '../../../../shared/errors/status-error.ts';
import type { CreateStrategy, UpdateStrategy } from '../../rest/strategy.ts';

/**
 * Go decodes []byte map values from base64 before anything else: a bad value is a 400 in the decoder's words
 * (`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4`). Values are
 * re-encoded canonically (no line breaks), as the Go encoder writes them back.
 */
export function normalizeBytesMap(kind: string, m: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (m === undefined || m === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (v === null) {
      out[k] = '';
      continue;
    }
    try {
      out[k] = decodeStdBase64(String(v)).toString('base64');
    } catch (e) {
      if (e instanceof Base64Error) throw newBadRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

/**
 * Conversion from v1 (Convert_v1_Secret_To_core_Secret) and defaulting: stringData is written into data (its
 * values win) and never stored; type defaults to Opaque.
 */
function prepareSecret(obj: KubeObject): void {
  const s = obj as Secret;
  const data = normalizeBytesMap('Secret', s.data as Record<string, unknown> | undefined);
  if (s.stringData && typeof s.stringData === 'object') {
    const merged = data ?? {};
    for (const [k, v] of Object.entries(s.stringData)) merged[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
    s.data = merged;
  } else if (data) s.data = data;
  else delete s.data;
  delete s.stringData;
  if (!s.type) s.type = SECRET_TYPE_OPAQUE;
}

/** pkg/registry/core/secret/strategy.go. */
export const secretStrategy: CreateStrategy & UpdateStrategy = {
  prepareForCreate: prepareSecret,
  validate: validateSecret,
  prepareForUpdate: (obj) => prepareSecret(obj),
  validateUpdate: validateSecretUpdate,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
};
