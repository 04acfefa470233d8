import { newBadRequest } from '../../../shared/errors/status-error.ts';

/**
 * Continue tokens in kube-apiserver's shape (storage/etcd3 continue.go): base64 of
 * {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the prefix>"}. Ours carries the last key returned
 * (exclusive start), relative to the list prefix so tokens cannot reach outside it.
 */
interface TokenBody {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(prefix: string, lastKey: string, revision: number): string {
  const start = lastKey.startsWith(prefix) ? lastKey.slice(prefix.length) : lastKey;
  const body: TokenBody = { v: 'meta.k8s.io/v1', rv: revision, start };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeContinue(prefix: string, token: string): { revision: number; startKey: string } {
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    throw newBadRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (!body || body.v !== 'meta.k8s.io/v1') throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof body.rv !== 'number' || !Number.isSafeInteger(body.rv) || body.rv <= 0) {
    throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof body.start !== 'string' || body.start.includes('..') || body.start.startsWith('/')) {
    throw newBadRequest('continue key is not valid: start key is not valid');
  }
  return { revision: body.rv, startKey: prefix + body.start };
}
