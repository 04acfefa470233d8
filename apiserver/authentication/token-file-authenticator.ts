import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { UserInfo } from './user-info.ts';
import type { TokenAuthenticator } from './authenticator.ts';

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

/**
 * The static token authenticator (token/tokenfile): a known token is its user; an unknown one is not handled
 * (the bearer-token authenticator turns "nobody handled it" into 401). Compared in constant time.
 */
export function tokenFileAuthenticator(tokens: Map<string, UserInfo>): TokenAuthenticator {
  const entries = [...tokens.entries()].map(([t, u]) => [Buffer.from(t), u] as const);
  return (token) => {
    const given = Buffer.from(token);
    let found: UserInfo | null = null;
    for (const [t, user] of entries) {
      if (t.length === given.length && timingSafeEqual(t, given)) found = user;
    }
    return found ? { user: found } : null;
  };
}

/** Reads --token-auth-file. */
export function tokenFileAuthenticatorFromFile(file: string): TokenAuthenticator {
  return tokenFileAuthenticator(parseTokenFile(readFileSync(file, 'utf8')));
}
