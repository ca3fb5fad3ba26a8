/**
 * How far ahead of our clock a token's `nbf` may be: several processes (or hosts) mint our tokens,
 * and their clocks may differ by a little. `exp` gets no allowance: the Session's own `exp`, which
 * every JWT's matches, is checked without one.
 */
const NBF_CLOCK_SKEW_SECONDS = 30;

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** RFC 7519 §4.1.3: one of the token's audiences must be one of ours. */
function isForUs(aud: unknown, audiences: readonly string[]): boolean {
  const listed = Array.isArray(aud) ? aud : [aud];
  return listed.some((entry) => typeof entry === 'string' && audiences.includes(entry));
}

/**
 * Why a JWT we signed is not (or no longer) an access token for this server, or undefined. Every
 * token we mint has `iss`, a numeric `exp` and an `aud` (RFC 7519 §4.1), so a token without them,
 * or with them in another type, is refused rather than read leniently.
 */
export function whyJwtIsInvalid(
  claims: Record<string, unknown>,
  expected: { issuer: string; audiences: readonly string[] },
  nowSeconds = Date.now() / 1000,
): string | undefined {
  if (claims.iss !== expected.issuer) return 'The token is not valid';
  if (!isNumericDate(claims.exp)) return 'The token has no valid expiry';
  if (claims.exp <= nowSeconds) return 'The token has expired';
  if (claims.iat !== undefined && !isNumericDate(claims.iat)) return 'The token is not valid';
  if (claims.nbf !== undefined) {
    if (!isNumericDate(claims.nbf)) return 'The token is not valid';
    if (claims.nbf > nowSeconds + NBF_CLOCK_SKEW_SECONDS) return 'The token is not valid yet';
  }
  if (!isForUs(claims.aud, expected.audiences)) return 'The token is meant for another audience';
  return undefined;
}
