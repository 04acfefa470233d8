import { randomBytes } from 'node:crypto';
import { realClock, type Clock } from '../../shared/util/clock.ts';

/** Who a session acts as: the user the API server named in the SelfSubjectReview, and the token forwarded for it. */
export interface Session {
  /** 256 random bits, base64url: the cookie value. */
  id: string;
  /** The Kubernetes bearer token every forwarded request of this session carries. */
  token: string;
  user: string;
  groups: string[];
  /** Milliseconds since the epoch. */
  createdAt: number;
  expiresAt: number;
}

export interface SessionStoreOptions {
  /** Longest a session lives, whatever the token's own expiry. @default 8 h */
  maxLifetimeMs?: number;
  /** Sessions held at once; creating one more drops the oldest. @default 1000 */
  maxSessions?: number;
  /** @default realClock */
  clock?: Clock;
  /** Random bytes source (tests). @default crypto.randomBytes */
  randomBytes?: (n: number) => Buffer;
}

export const DEFAULT_SESSION_LIFETIME_MS = 8 * 3600_000;

/**
 * The console's sessions, in memory only (a restart signs everyone out; nothing is written to disk). A session
 * lives until logout, its lifetime (min of maxLifetimeMs and the token's own expiry), whichever comes first.
 * Expired sessions are never returned; they are swept lazily on access and on create.
 */
export class SessionStore {
  #sessions = new Map<string, Session>();
  #clock: Clock;
  #maxLifetimeMs: number;
  #maxSessions: number;
  #random: (n: number) => Buffer;

  constructor(opts: SessionStoreOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#maxLifetimeMs = opts.maxLifetimeMs ?? DEFAULT_SESSION_LIFETIME_MS;
    this.#maxSessions = opts.maxSessions ?? 1000;
    this.#random = opts.randomBytes ?? randomBytes;
  }

  /**
   * Starts a session for a token the API server accepted. `tokenExpiresAt` (ms since the epoch, e.g. a JWT's exp)
   * shortens the lifetime; a token already expired starts no session (undefined).
   */
  create(token: string, who: { user: string; groups: string[] }, tokenExpiresAt?: number): Session | undefined {
    const now = this.#clock.now();
    this.#sweep(now);
    const expiresAt = Math.min(now + this.#maxLifetimeMs, tokenExpiresAt ?? Infinity);
    if (expiresAt <= now) return undefined;
    while (this.#sessions.size >= this.#maxSessions) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done) break;
      this.#sessions.delete(oldest.value);
    }
    const session: Session = { id: this.#random(32).toString('base64url'), token, user: who.user, groups: [...who.groups], createdAt: now, expiresAt };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or undefined (unknown, ended or expired). */
  get(id: string): Session | undefined {
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.#clock.now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return s;
  }

  /** Ends a session; true when it existed. */
  delete(id: string): boolean {
    return this.#sessions.delete(id);
  }

  /** Live sessions. */
  get size(): number {
    this.#sweep(this.#clock.now());
    return this.#sessions.size;
  }

  #sweep(now: number): void {
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id);
  }
}

/**
 * The expiry (ms since the epoch) a JWT bearer token states in its `exp` claim, read without verifying it (the API
 * server verifies it; this only bounds the session). Undefined for tokens that are not JWTs or carry no exp.
 */
export function tokenExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
