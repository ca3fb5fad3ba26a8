import { timingSafeEqual } from 'node:crypto';
import { readCookie } from '../auth/read-cookie';
import { newRandomToken } from '../auth/hash-secret';
import { HttpError } from '../errors/http-error';

const COOKIE = 'lockbox_csrf';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface CsrfToken {
  /** The value of the form's hidden `csrf` field. */
  token: string;
  /** A Set-Cookie to send with the form, when the browser had no token yet. */
  cookie?: string;
}

/**
 * Double-submit tokens (OWASP CSRF Prevention Cheat Sheet): the form carries the same random value
 * as an HttpOnly cookie. Another site can make the browser send the cookie, but cannot read it to
 * put it in the form. SameSite=Lax keeps it on the top-level navigations that lead to our forms.
 */
export function csrfToken(cookieHeader: string | undefined, secure: boolean): CsrfToken {
  const existing = readCookie(cookieHeader, COOKIE);
  if (existing && TOKEN.test(existing)) return { token: existing };
  const token = newRandomToken();
  return { token, cookie: `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}` };
}

/** A form post whose `csrf` field is missing or differs from the cookie is refused, before anything is done. */
export function checkCsrf(cookieHeader: string | undefined, field: string | undefined): void {
  const expected = readCookie(cookieHeader, COOKIE);
  const ok = expected !== undefined && field !== undefined && TOKEN.test(expected) && field.length === expected.length
    && timingSafeEqual(Buffer.from(field), Buffer.from(expected));
  if (!ok) throw new HttpError(403, 'forbidden', 'This form has expired or did not come from this site. Go back, reload the page and try again.');
}
