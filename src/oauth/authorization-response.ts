import { randomBytes } from 'node:crypto';
import type { ResourceResponse } from '../interactions/interaction-context';
import { renderFormPostPage } from '../pages/form-post-page';
import { pageHeaders } from '../pages/page-headers';
import type { RedirectTarget } from './authorization-request';
import type { OAuthError } from './oauth-error';

/**
 * The answer to the client, at its redirect URI, in the response mode it asked for: the query
 * (RFC 6749 §4.1.2, keeping the URI's own query), the fragment (§4.2.2), or a self-posting form
 * (OAuth 2.0 Form Post Response Mode). Always with `state` when one was sent and `iss` (RFC 9207,
 * so the client can tell which server answered). A form post is answered 303 so the browser GETs.
 */
export function authorizationResponse(target: RedirectTarget, issuer: string, fields: Record<string, string | undefined>, method: string): ResourceResponse {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...fields, state: target.state, iss: issuer })) if (value !== undefined) values[name] = value;
  if (target.responseMode === 'form_post') {
    const nonce = randomBytes(16).toString('base64');
    return { status: 200, html: renderFormPostPage(target.redirectUri, values, nonce), headers: pageHeaders({}, { scriptNonce: nonce, formTargets: [target.redirectUri] }) };
  }
  let location: string;
  if (target.responseMode === 'fragment') {
    location = `${target.redirectUri.split('#')[0]}#${new URLSearchParams(values)}`;
  } else {
    const url = new URL(target.redirectUri);
    for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
    location = url.toString();
  }
  return { status: method === 'POST' ? 303 : 302, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } };
}

/** An error the client should hear of (RFC 6749 §4.1.2.1), sent where answers go. */
export function authorizationError(target: RedirectTarget, issuer: string, error: OAuthError, method: string): ResourceResponse {
  return authorizationResponse(target, issuer, { error: error.error, error_description: error.description }, method);
}
