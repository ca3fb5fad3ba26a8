import { createClientAssertion } from './create-client-assertion';
import type { SignInProvider } from './load-identity-provider';
import { SignInError } from './sign-in-error';

export interface ProviderTokens {
  id_token: string;
  access_token?: string;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined for Basic. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * The token request of OIDC Core §3.1.3.1 (RFC 6749 §4.1.3) with the PKCE verifier (RFC 7636 §4.5),
 * authenticated with the client secret, or a signed client assertion for `auth-method: asymmetric`.
 */
export async function exchangeCode(provider: SignInProvider, grant: { code: string; redirectUri: string; codeVerifier: string }, timeoutMs: number): Promise<ProviderTokens> {
  const { token_endpoint: endpoint, client = {} } = provider.resource;
  if (!endpoint || !client.id) throw new SignInError(500, 'misconfigured', `IdentityProvider ${provider.id} needs token_endpoint and client.id`);
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri, code_verifier: grant.codeVerifier });
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
  if (client['auth-method'] === 'asymmetric') {
    form.set('client_id', client.id);
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', await createClientAssertion(provider));
  } else if (client.secret) {
    headers.authorization = basic(client.id, client.secret);
  } else {
    form.set('client_id', client.id);
  }

  let response: Response;
  let body: Record<string, unknown>;
  try {
    response = await fetch(endpoint, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(timeoutMs) });
    body = (await response.json()) as Record<string, unknown>;
  } catch (error) {
    const why = (error as Error).name === 'TimeoutError' ? `did not answer within ${timeoutMs / 1000} s` : `failed: ${(error as Error).message}`;
    throw new SignInError(502, 'provider-unavailable', `the identity provider's token endpoint ${why}`);
  }
  if (!response.ok) {
    const detail = [body?.error, body?.error_description].filter(Boolean).join(': ');
    throw new SignInError(502, 'token-exchange', `the identity provider refused the code exchange${detail ? ` (${detail})` : ` (HTTP ${response.status})`}`);
  }
  if (typeof body.id_token !== 'string') throw new SignInError(502, 'token-exchange', 'the identity provider answered without an id_token');
  return { id_token: body.id_token, access_token: typeof body.access_token === 'string' ? body.access_token : undefined };
}
