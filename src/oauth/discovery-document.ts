import { ASSERTION_ALGORITHMS } from './check-client-assertion';
import { GRANTS } from './grant-registry';
import { USER_CLAIMS } from './user-claims';

/**
 * RFC 8414 / OpenID Connect Discovery 1.0 metadata, listing only what this server implements:
 * the authorization endpoint (code with PKCE S256, implicit token; query, fragment and form_post),
 * the grants in /auth/token's registry (RFC 8693 token exchange among them), Basic, post, none
 * (public clients) and private_key_jwt client authentication, RS256, RP-initiated logout.
 */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  const authMethods = ['client_secret_basic', 'client_secret_post'];
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth/authorize`,
    token_endpoint: `${issuer}/auth/token`,
    userinfo_endpoint: `${issuer}/auth/userinfo`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    revocation_endpoint: `${issuer}/auth/revoke`,
    introspection_endpoint: `${issuer}/auth/introspect`,
    end_session_endpoint: `${issuer}/auth/logout`,
    // implicit is served by the authorization endpoint, not /auth/token.
    grant_types_supported: [...GRANTS.map((grant) => grant.type), 'implicit'],
    response_types_supported: ['code', 'token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent'],
    // RFC 7523 §2.2 client assertions (src/oauth/check-client-assertion.ts), asymmetric only.
    token_endpoint_auth_methods_supported: [...authMethods, 'private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    revocation_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_methods_supported: authMethods,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'phone', 'address'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'sid', ...USER_CLAIMS],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}
