import { describe, expect, it } from '@jest/globals';
import { discoveryDocument } from '../../src/oauth/discovery-document';
import { GRANTS } from '../../src/oauth/grant-registry';
import { renderPage } from '../../src/pages/render-page';
import { ROUTES } from '../../src/pipeline/route-table';
import { smartConfiguration } from '../../src/smart/smart-configuration';
import { SMART_STYLE } from '../../src/smart/smart-style';

const issuer = 'https://ehr.example.org';
const grantTypes = [...GRANTS.map((grant) => grant.type), 'implicit'];
const scopes = ['openid', 'fhirUser', 'launch', 'launch/patient', 'patient/*.rs', 'user/*.rs', 'offline_access'];
const document = smartConfiguration(issuer, { grantTypes, scopes });

/** Every capability SMART App Launch 2.2 defines (conformance.html §Capabilities). */
const DEFINED_CAPABILITIES = [
  'launch-ehr', 'launch-standalone', 'authorize-post',
  'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-banner', 'context-style',
  'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'context-standalone-encounter',
  'permission-offline', 'permission-online', 'permission-patient', 'permission-user', 'permission-v1', 'permission-v2',
];

describe('.well-known/smart-configuration (SMART App Launch 2.2 conformance.html)', () => {
  it('names the endpoints under the issuer', () => {
    expect(document).toMatchObject({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      authorization_endpoint: `${issuer}/auth/authorize`,
      token_endpoint: `${issuer}/auth/token`,
      introspection_endpoint: `${issuer}/auth/introspect`,
      revocation_endpoint: `${issuer}/auth/revoke`,
      userinfo_endpoint: `${issuer}/auth/userinfo`,
      management_endpoint: `${issuer}/auth/account`,
    });
  });

  it('names the same endpoints as OpenID discovery, so one client meets one server', () => {
    const openid = discoveryDocument(issuer);
    for (const field of ['issuer', 'jwks_uri', 'authorization_endpoint', 'token_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'token_endpoint_auth_methods_supported', 'token_endpoint_auth_signing_alg_values_supported', 'code_challenge_methods_supported', 'response_types_supported'])
      expect([field, document[field]]).toEqual([field, openid[field]]);
  });

  it('names only paths the server serves', () => {
    const served = new Set(ROUTES.map((route) => `${route.method} /${route.segments.join('/')}`));
    const path = (field: string) => new URL(document[field] as string).pathname;
    for (const [field, method] of [
      ['jwks_uri', 'GET'],
      ['authorization_endpoint', 'GET'],
      ['authorization_endpoint', 'POST'],
      ['token_endpoint', 'POST'],
      ['introspection_endpoint', 'POST'],
      ['revocation_endpoint', 'POST'],
      ['userinfo_endpoint', 'GET'],
      ['management_endpoint', 'GET'],
    ] as const)
      expect([field, served.has(`${method} ${path(field)}`)]).toEqual([field, true]);
  });

  it('lists the grant types and scopes it is given', () => {
    expect(document.grant_types_supported).toEqual(grantTypes);
    expect(document.scopes_supported).toEqual(scopes);
  });

  it('lists secret, private_key_jwt and public client authentication, and the algorithms of client assertions', () => {
    expect(document.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
    expect([...(document.token_endpoint_auth_signing_alg_values_supported as string[])].sort()).toEqual(['ES256', 'ES384', 'PS256', 'RS256', 'RS384', 'RS512']);
  });

  it('requires PKCE with S256, never plain', () => {
    expect(document.code_challenge_methods_supported).toEqual(['S256']);
    expect(document.response_types_supported).toEqual(['code', 'token']);
  });

  it('claims the capabilities of the issue, each one SMART defines, once', () => {
    const capabilities = document.capabilities as string[];
    expect(capabilities).toEqual([
      'launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric',
      'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'context-standalone-encounter',
      'context-banner', 'context-style', 'permission-offline', 'permission-online', 'permission-patient', 'permission-user',
      'permission-v1', 'permission-v2', 'sso-openid-connect', 'authorize-post',
    ]);
    expect(capabilities.filter((capability) => !DEFINED_CAPABILITIES.includes(capability))).toEqual([]);
    expect(new Set(capabilities).size).toBe(capabilities.length);
  });

  it('satisfies the four Capability Sets of conformance.html', () => {
    const has = (capability: string) => (document.capabilities as string[]).includes(capability);
    const aClientType = has('client-public') || has('client-confidential-symmetric');
    // Patient Access for Standalone Apps; Patient Access for EHR Launch.
    expect(has('launch-standalone') && aClientType && has('context-standalone-patient') && has('permission-patient')).toBe(true);
    expect(has('launch-ehr') && aClientType && has('context-ehr-patient') && has('permission-patient')).toBe(true);
    // Clinician Access for Standalone; Clinician Access for EHR Launch.
    expect(has('launch-standalone') && aClientType && has('permission-user') && has('permission-patient')).toBe(true);
    expect(has('launch-ehr') && aClientType && has('context-ehr-patient') && has('context-ehr-encounter') && has('permission-user') && has('permission-patient')).toBe(true);
  });

  it('is plain JSON, the same on every call', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
    expect(smartConfiguration(issuer, { grantTypes, scopes })).toEqual(document);
  });
});

describe('the SMART Style document (scopes-and-launch-context.html §SMART App Styling)', () => {
  it('has exactly the properties the specification lists, all strings', () => {
    expect(Object.keys(SMART_STYLE).sort()).toEqual([
      'color_background', 'color_error', 'color_highlight', 'color_modal_backdrop', 'color_success', 'color_text',
      'dim_border_radius', 'dim_font_size', 'dim_spacing_size', 'font_family_body', 'font_family_heading',
    ]);
    for (const value of Object.values(SMART_STYLE)) expect(typeof value).toBe('string');
  });

  it('gives CSS colours and lengths', () => {
    for (const [name, value] of Object.entries(SMART_STYLE)) {
      if (name.startsWith('color_')) expect([name, /^(#[0-9a-f]{6}|rgba\(\d{1,3}, \d{1,3}, \d{1,3}, (0|1|0?\.\d+)\))$/.test(value)]).toEqual([name, true]);
      if (name.startsWith('dim_')) expect([name, /^\d+px$/.test(value)]).toEqual([name, true]);
    }
  });

  it('matches the colours and fonts of the sign-in pages', () => {
    const html = renderPage({ heading: 'Sign in', body: '', theme: {} });
    for (const name of ['color_background', 'color_error', 'color_highlight', 'color_text'] as const) expect([name, html.includes(SMART_STYLE[name])]).toEqual([name, true]);
    expect(html).toContain(`font-family:${SMART_STYLE.font_family_body.replaceAll(', ', ',')}`);
  });

  it('cannot be changed at run time (its URL is its version key)', () => {
    expect(Object.isFrozen(SMART_STYLE)).toBe(true);
  });
});
