import { ASSERTION_ALGORITHMS } from '../oauth/check-client-assertion';

/**
 * What SMART says works here (conformance.html §Capabilities), each backed by the server:
 * both launch modes with patient and encounter context, public / secret / private_key_jwt
 * clients, banner and style launch parameters, refresh tokens for offline and online access,
 * patient- and user-level scopes in v1 and v2 syntax, OpenID Connect sign-in, and POST to the
 * authorization endpoint.
 */
export const SMART_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-standalone-encounter',
  'context-banner',
  'context-style',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
  'authorize-post',
];

/**
 * The `.well-known/smart-configuration` document (SMART App Launch 2.2 conformance.html
 * §Metadata). `issuer` and `jwks_uri` are there because `sso-openid-connect` is claimed; the
 * endpoints are the same ones OpenID discovery names, so a SMART client and an OpenID client meet
 * one server.
 */
export function smartConfiguration(issuer: string, options: { grantTypes: string[]; scopes: string[] }): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    authorization_endpoint: `${issuer}/auth/authorize`,
    token_endpoint: `${issuer}/auth/token`,
    introspection_endpoint: `${issuer}/auth/introspect`,
    revocation_endpoint: `${issuer}/auth/revoke`,
    userinfo_endpoint: `${issuer}/auth/userinfo`,
    // Where the person sees and revokes the apps they let in (src/oauth/account-endpoint.ts).
    management_endpoint: `${issuer}/auth/account`,
    grant_types_supported: options.grantTypes,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    // client-confidential-asymmetric: the algorithms a client assertion may be signed with.
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    scopes_supported: options.scopes,
    response_types_supported: ['code', 'token'],
    // PKCE: S256 SHALL be listed and `plain` SHALL NOT.
    code_challenge_methods_supported: ['S256'],
    capabilities: SMART_CAPABILITIES,
  };
}
