import type { Theme } from './load-theme';

export interface PagePolicy {
  /** Where the page's forms may lead, redirects included (CSP form-action checks every hop). */
  formTargets?: string[];
  /** A nonce for the page's one inline script, when it needs one (form_post). */
  scriptNonce?: string;
}

const originOf = (url: string) => {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The headers of every page for a person: never cached (they carry CSRF tokens and who is signed
 * in), never framed by another site (clickjacking: X-Frame-Options and CSP frame-ancestors), no
 * script unless the page names its nonce, styles only our own and the theme's.
 */
export function pageHeaders(theme: Theme, policy: PagePolicy = {}): Record<string, string> {
  const styleOrigin = theme.styleUrl ? originOf(theme.styleUrl) : undefined;
  const formTargets = [...new Set((policy.formTargets ?? []).map(originOf).filter((origin): origin is string => origin !== undefined))];
  const csp = [
    "default-src 'none'",
    `style-src 'unsafe-inline'${styleOrigin ? ` ${styleOrigin}` : ''}`,
    "img-src 'self' data:",
    policy.scriptNonce ? `script-src 'nonce-${policy.scriptNonce}'` : undefined,
    `form-action 'self'${formTargets.length ? ` ${formTargets.join(' ')}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].filter(Boolean).join('; ');
  return {
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}
