import { HttpError } from '../errors/http-error';
import type { Services } from '../interactions/interaction-context';
import { checkAudience } from './check-audience';
import { parseScope } from './check-scope';
import { registeredRedirectUris, type BrowserGrant } from './client-redirect-uris';
import { grantSettingsOf, grantTypesOf, isPublicClient } from './grant-settings';
import { invalidRequest, OAuthError } from './oauth-error';
import { isResourceScope, parseSmartScope } from '../smart/smart-scope';

/** The parameters a consent form carries back unchanged: the authorization request itself. */
export const REQUEST_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'max_age', 'aud', 'id_token_hint', 'login_hint', 'launch'];

export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** Where an answer of the authorization endpoint goes, once the client and redirect URI are known good. */
export interface RedirectTarget {
  client: { id: string; resource: Record<string, unknown> };
  redirectUri: string;
  /** Whether the request named the redirect URI (then the token request must name it too, RFC 6749 §4.1.3). */
  redirectUriSent: boolean;
  responseMode: ResponseMode;
  state?: string;
}

export interface AuthorizationRequest extends RedirectTarget {
  grant: BrowserGrant;
  /** What the client asked for, as it asked. */
  requestedScope: string[];
  /** What it asked for and may have: requested ∩ the Client's `scope` and `allowed-scopes`. */
  scope: string[];
  nonce?: string;
  codeChallenge?: string;
  prompt: Set<string>;
  maxAge?: number;
  loginHint?: string;
  idTokenHint?: string;
  audience?: string;
  /** SMART EHR launch: the `launch` value of aidbox.smart/get-launch-uri. */
  launch?: string;
  /** Whether this is a SMART App Launch request (SMART scopes): `aud` must then name our FHIR base. */
  smart: boolean;
}

const RESPONSE_TYPES: Record<string, BrowserGrant> = { code: 'authorization_code', token: 'implicit' };
const DEFAULT_MODE: Record<BrowserGrant, ResponseMode> = { authorization_code: 'query', implicit: 'fragment' };
/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

const refuse = (message: string) => new HttpError(400, 'invalid', message);

/**
 * The checks whose failure cannot be sent back to the client, because the client or the place to
 * send it to is not known good (RFC 6749 §4.1.2.1, §10.15 — no open redirector): the person sees
 * an error page instead.
 */
export async function checkRedirectTarget(services: Services, params: Record<string, string>): Promise<{ target: RedirectTarget; grant: BrowserGrant | undefined }> {
  if (!params.client_id) throw refuse('The request does not say which application is asking (client_id is missing).');
  const client = await services.auth.cache.client(services.db, params.client_id);
  if (!client || client.resource.active === false) throw refuse('The application that sent you here is not known to this server.');
  const grant = RESPONSE_TYPES[params.response_type ?? ''];
  // An unknown response_type is reported to the client, but only at an address it registered.
  const registered = grant ? registeredRedirectUris(client.resource, grant) : [...registeredRedirectUris(client.resource, 'authorization_code'), ...registeredRedirectUris(client.resource, 'implicit')];
  let redirectUri = params.redirect_uri;
  const redirectUriSent = redirectUri !== undefined;
  // RFC 6749 §3.1.2.3: the parameter may be left out only when exactly one URI is registered.
  if (redirectUri === undefined) {
    if (registered.length !== 1) throw refuse('The application did not say where to send you back to (redirect_uri is missing).');
    redirectUri = registered[0];
  }
  if (!registered.includes(redirectUri)) throw refuse('The address the application asked to send you back to is not registered for it.');
  if (grant && !grantTypesOf(client.resource).includes(grant)) throw refuse(`The application is not allowed to sign people in this way (grant type ${grant}).`);
  const mode = params.response_mode;
  let responseMode: ResponseMode = mode === 'query' || mode === 'fragment' || mode === 'form_post' ? mode : grant ? DEFAULT_MODE[grant] : 'query';
  // Even the refusal of response_mode=query for a token goes back in the fragment.
  if (grant === 'implicit' && responseMode === 'query') responseMode = 'fragment';
  return { target: { client, redirectUri, redirectUriSent, responseMode, state: params.state }, grant };
}

/** What the client may ask for: its `scope` list and the Scopes its `allowed-scopes` name; undefined = no limit. */
async function loadAllowedScopes(services: Services, client: Record<string, unknown>): Promise<Set<string> | undefined> {
  const listed = Array.isArray(client.scope) ? (client.scope as string[]) : undefined;
  const refs = Array.isArray(client['allowed-scopes']) ? (client['allowed-scopes'] as { id?: string }[]).map((ref) => ref?.id).filter((id): id is string => typeof id === 'string') : [];
  if (!listed && refs.length === 0) return undefined;
  const allowed = new Set(['openid', ...(listed ?? [])]);
  if (refs.length) {
    const { rows } = await services.db.query<{ scope: string }>("select resource->>'scope' as scope from scope where id = any($1)", [refs]);
    for (const row of rows) if (row.scope) allowed.add(row.scope);
  }
  return allowed;
}

/**
 * The rest of the request, every failure an OAuthError that goes back to the redirect URI:
 * response type, response mode, prompt, PKCE (S256 only; required of public clients and of clients
 * with `pkce: true`), scope, max_age and audience.
 */
export async function checkAuthorizationRequest(services: Services, params: Record<string, string>, target: RedirectTarget, grant: BrowserGrant | undefined): Promise<AuthorizationRequest> {
  if (!params.response_type) throw invalidRequest('response_type is required');
  if (!grant) throw new OAuthError(400, 'unsupported_response_type', `response_type '${params.response_type}' is not supported; use code or token`);
  const mode = params.response_mode;
  if (mode !== undefined && mode !== 'query' && mode !== 'fragment' && mode !== 'form_post') throw invalidRequest(`response_mode '${mode}' is not supported`);
  // OAuth 2.0 Multiple Response Types §2.1: a token must never travel in the query string.
  if (grant === 'implicit' && mode === 'query') throw invalidRequest('response_mode query cannot carry an access token');
  const client = target.client.resource;

  const prompt = new Set((params.prompt ?? '').split(' ').filter((value) => PROMPTS.has(value)));
  if (prompt.has('none') && prompt.size > 1) throw invalidRequest('prompt=none cannot be combined with other prompt values');

  let codeChallenge: string | undefined;
  if (grant === 'authorization_code') {
    const method = params.code_challenge_method;
    if (params.code_challenge !== undefined || method !== undefined) {
      // RFC 7636 §4.3: a missing method means plain, which we refuse (RFC 9700 §2.1.1).
      if (method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
      if (!params.code_challenge || !S256_CHALLENGE.test(params.code_challenge)) throw invalidRequest('code_challenge must be the 43-character BASE64URL S256 challenge');
      codeChallenge = params.code_challenge;
    }
    const required = isPublicClient(client) || grantSettingsOf(client, 'authorization_code').pkce === true;
    if (required && !codeChallenge) throw invalidRequest('code_challenge (PKCE, S256) is required for this client');
  }

  const requestedScope = parseScope(params.scope);
  const isType = (type: string) => services.registry.isResourceType(type);
  // Malformed SMART scopes are invalid_scope; system/ scopes are for clients acting as themselves,
  // never for a token issued to a person (SMART 2 scopes-and-launch-context).
  const wellFormed = requestedScope.filter((entry) => {
    const parsed = parseSmartScope(entry, isType);
    return !(parsed.kind === 'resource' && parsed.scope.context === 'system');
  });
  const allowed = await loadAllowedScopes(services, client);
  const scope = allowed ? wellFormed.filter((entry) => allowed.has(entry)) : wellFormed;
  const smart = requestedScope.some((entry) => isResourceScope(entry) || entry === 'launch' || entry.startsWith('launch/') || entry === 'fhirUser') || params.launch !== undefined;

  let maxAge: number | undefined;
  if (params.max_age !== undefined) {
    if (!/^\d{1,9}$/.test(params.max_age)) throw invalidRequest('max_age must be a whole number of seconds');
    maxAge = Number(params.max_age);
  }

  const audience = params.aud;
  // SMART App Launch: the app names the FHIR server it means to call, and it must be ours, so a
  // token meant for one server is never handed to an app that asked on behalf of another.
  if (smart && (audience === undefined || audience.replace(/\/+$/, '') !== `${services.config.baseUrl}/fhir`)) {
    throw invalidRequest(`aud must be this server's FHIR base URL, ${services.config.baseUrl}/fhir`);
  }
  if (audience !== undefined && !isOwnAudience(audience, services.config.baseUrl)) {
    try {
      checkAudience(audience, grantSettingsOf(client, grant).audience);
    } catch {
      throw invalidRequest(`aud '${audience}' is neither this server nor an audience allowed for the client`);
    }
  }

  return {
    ...target,
    grant,
    requestedScope,
    scope,
    nonce: params.nonce,
    codeChallenge,
    prompt,
    maxAge,
    loginHint: params.login_hint,
    idTokenHint: params.id_token_hint,
    audience,
    launch: params.launch,
    smart,
  };
}

/** SMART's `aud` names the FHIR server the app means to call: ours, at its base or at /fhir. */
function isOwnAudience(audience: string, baseUrl: string): boolean {
  const trimmed = audience.replace(/\/+$/, '');
  return trimmed === baseUrl || trimmed === `${baseUrl}/fhir`;
}
