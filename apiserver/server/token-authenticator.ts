import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { newUnauthorized } from '../../shared/errors/status-error.ts';

import type { UserInfo } from '../authentication/user-info.ts';
import { anonymousUser } from '../authentication/user-info.ts';

/**
 * Static bearer tokens, kube-apiserver's --token-auth-file format: one CSV line per token,
 * `token,user,uid[,"group1,group2"]`. Lines starting with '#' and blank lines are ignored.
 */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = splitCsv(line);
    const [token, name, uid, groups] = fields;
    if (!token || !name) throw new Error(`token file line ${i + 1}: need at least token,user`);
    tokens.set(token, { name, uid: uid || undefined, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] });
  });
  return tokens;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Paths anyone may read without credentials (kube's system:public-info-viewer). */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

/**
 * A bearer-token authenticator: a request with a known token is that user; a request with an unknown token
 * is 401; a request without one is 401 except for the public health/version endpoints.
 */
export function tokenAuthenticator(file: string): (req: IncomingMessage) => Promise<UserInfo> {
  const tokens = parseTokenFile(readFileSync(file, 'utf8'));
  const entries = [...tokens.entries()].map(([t, u]) => [Buffer.from(t), u] as const);
  return async (req) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (PUBLIC_PATHS.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) return anonymousUser();
      throw newUnauthorized();
    }
    const given = Buffer.from(m[1] ?? '');
    for (const [token, user] of entries) {
      if (token.length === given.length && timingSafeEqual(token, given)) return user;
    }
    throw newUnauthorized();
  };
}
