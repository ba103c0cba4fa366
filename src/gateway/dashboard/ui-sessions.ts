import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdminCaller } from '../http/admin-caller.js';

/** How long a dashboard sign-in lasts. */
export const SESSION_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'sy_session';

interface Session extends AdminCaller {
  /** The session's own id: what sign-out revokes and what its CSRF token is made from. */
  readonly sid: string;
  /** Epoch ms it stops working. */
  readonly exp: number;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/**
 * Dashboard sessions: a signed cookie (`<payload>.<hmac>`), so every instance with the same admin keys accepts it
 * without shared state, expiring after 12 h. The signing key is derived from the admin keys, so changing them ends
 * every session. Sign-out revokes the session here until it would have expired anyway. The CSRF token of a session
 * is an HMAC of its id: the page sends it with every write.
 */
export class UiSessions {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly clock: { now(): number }) {}

  /** A new session for `who`: the cookie value and the CSRF token the page sends with writes. */
  issue(who: AdminCaller, secret: Buffer): { cookie: string; csrf: string } {
    const session: Session = { ...who, sid: randomBytes(16).toString('base64url'), exp: this.clock.now() + SESSION_MS };
    const payload = b64(JSON.stringify(session));
    return { cookie: `${payload}.${sign(secret, payload)}`, csrf: sign(secret, `csrf:${session.sid}`) };
  }

  /** The signed-in caller of a cookie, or undefined: unsigned, tampered, expired or signed out. */
  verify(cookie: string | undefined, secret: Buffer): (AdminCaller & { csrf: string; sid: string }) | undefined {
    if (!cookie) return undefined;
    const dot = cookie.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const payload = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1));
    const expected = Buffer.from(sign(secret, payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let session: Session;
    try {
      session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
    } catch {
      return undefined;
    }
    if (!(session.exp > this.clock.now()) || this.revoked.has(session.sid)) return undefined;
    return { name: session.name, role: session.role, sid: session.sid, csrf: sign(secret, `csrf:${session.sid}`) };
  }

  /** Signs a session out: its cookie stops working now. */
  revoke(sid: string): void {
    const now = this.clock.now();
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
    this.revoked.set(sid, now + SESSION_MS);
  }
}

function sign(secret: Buffer, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

/** The cookies' signing key: from the admin keys, so a change of them ends every session. */
export function sessionSecret(adminKeys: readonly string[]): Buffer {
  return createHmac('sha256', 'switchyard-ui-session').update(adminKeys.join('\n')).digest();
}
