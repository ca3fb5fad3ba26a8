import { ASSERTION_ALGORITHMS } from './check-client-assertion';
import { GRANTS } from './grant-registry';

/**
 * RFC 8414 / OpenID Connect Discovery 1.0 metadata, listing only what this server implements:
 * no authorization endpoint (so no response types), the grants in /auth/token's registry (RFC 8693
 * token exchange among them), Basic, post and private_key_jwt client authentication, RS256.
 */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  const authMethods = ['client_secret_basic', 'client_secret_post'];
  return {
    issuer,
    token_endpoint: `${issuer}/auth/token`,
    userinfo_endpoint: `${issuer}/auth/userinfo`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    revocation_endpoint: `${issuer}/auth/revoke`,
    introspection_endpoint: `${issuer}/auth/introspect`,
    grant_types_supported: GRANTS.map((grant) => grant.type),
    response_types_supported: [],
    // RFC 7523 §2.2 client assertions (src/oauth/check-client-assertion.ts), asymmetric only.
    token_endpoint_auth_methods_supported: [...authMethods, 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    revocation_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_methods_supported: authMethods,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'sid', 'preferred_username', 'email'],
  };
}
