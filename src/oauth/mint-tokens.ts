import { createHash, randomUUID } from 'node:crypto';
import { hashSecret, newRandomToken } from '../auth/hash-secret';
import type { Services } from '../interactions/interaction-context';
import type { GrantSettings } from './grant-settings';
import { userClaims } from './user-claims';
import type { LaunchContext } from '../smart/launch-context';

/**
 * A JWT must carry `exp`; when the client sets no access_token_expiration, this is its lifetime.
 * (Opaque tokens then never expire on their own, as in the reference product.)
 */
export const DEFAULT_JWT_LIFETIME_SECONDS = 3600;
/** id_tokens are read once by the client at sign-in; they need not outlive that. */
const ID_TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenSubject {
  sessionId: string;
  client: { id: string; resource: Record<string, unknown> };
  user?: { id: string; resource: Record<string, unknown> };
  scope: string[];
  audience?: string;
  settings: GrantSettings;
  /** When the person last signed in (the login), in seconds since the epoch. */
  authTime: number;
  /** The authorization request's nonce, returned in the id_token (OpenID Connect Core §3.1.2.1). */
  nonce?: string;
  /** Whether to issue a refresh token (the implicit grant never does, RFC 6749 §4.2.2). */
  noRefresh?: boolean;
  /** SMART launch context, returned beside the tokens. */
  launch?: LaunchContext;
}

/** SMART: the User's fhirUser as an absolute URL on our FHIR base. */
function fhirUserUrl(user: Record<string, unknown>, issuer: string): string | undefined {
  const ref = user.fhirUser as { id?: string; resourceType?: string } | undefined;
  return ref?.id && ref.resourceType ? `${issuer}/fhir/${ref.resourceType}/${ref.id}` : undefined;
}

/** The launch context beside the tokens (SMART App Launch, "Launch context arrives with your access_token"). */
function launchFields(launch: LaunchContext, issuer: string): Partial<TokenResponse> {
  return {
    ...(launch.patient ? { patient: launch.patient } : {}),
    ...(launch.encounter ? { encounter: launch.encounter } : {}),
    ...(launch.fhirContext ? { fhirContext: launch.fhirContext } : {}),
    need_patient_banner: launch.need_patient_banner ?? Boolean(launch.patient),
    smart_style_url: `${issuer}/.well-known/smart-style.json`,
  };
}

/** OpenID Connect Core §3.1.3.6: the left half of the access token's SHA-256, base64url. */
function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
  /** RFC 8693 §2.2.1: token exchange responses say what they issued. */
  issued_token_type?: string;
  /** SMART App Launch launch context. */
  patient?: string;
  encounter?: string;
  fhirContext?: unknown[];
  need_patient_banner?: boolean;
  smart_style_url?: string;
}

export interface MintedTokens {
  response: TokenResponse;
  /** What the Session stores about these tokens: hashes and expiry times, never the tokens. */
  sessionFields: Record<string, unknown>;
}

/** New access (and refresh, id) tokens for a session; used on every grant and on every refresh. */
export async function mintTokens(services: Services, subject: TokenSubject): Promise<MintedTokens> {
  const { settings, client, user, scope } = subject;
  const now = Math.floor(Date.now() / 1000);
  const jwt = settings.token_format === 'jwt';
  const lifetime = settings.access_token_expiration ?? (jwt ? DEFAULT_JWT_LIFETIME_SECONDS : undefined);
  const exp = lifetime === undefined ? undefined : now + lifetime;
  const jti = randomUUID();
  const issuer = services.config.baseUrl;
  const accessToken = jwt
    ? await services.auth.keys.sign({
        iss: issuer,
        sub: user?.id ?? client.id,
        aud: subject.audience ?? issuer,
        exp,
        iat: now,
        jti,
        client_id: client.id,
        scope: scope.join(' ') || undefined,
        sid: subject.sessionId,
      })
    : newRandomToken();
  const refreshToken = settings.refresh_token === true && !subject.noRefresh ? newRandomToken() : undefined;
  const refreshExp = refreshToken && settings.refresh_token_expiration !== undefined ? now + settings.refresh_token_expiration : undefined;
  // OpenID Connect Core §3.1.3.3: an id_token is about an end-user, so only user grants get one.
  const idToken = user && scope.includes('openid')
    ? await services.auth.keys.sign({
        iss: issuer,
        sub: user.id,
        aud: client.id,
        exp: now + ID_TOKEN_LIFETIME_SECONDS,
        iat: now,
        auth_time: subject.authTime,
        nonce: subject.nonce,
        at_hash: atHash(accessToken),
        sid: subject.sessionId,
        ...userClaims(user.resource, scope),
        ...(scope.includes('fhirUser') ? { fhirUser: fhirUserUrl(user.resource, issuer) } : {}),
      })
    : undefined;
  const launch = subject.launch;
  return {
    response: {
      access_token: accessToken,
      token_type: 'Bearer',
      ...(lifetime !== undefined ? { expires_in: lifetime } : {}),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(scope.length ? { scope: scope.join(' ') } : {}),
      ...(idToken ? { id_token: idToken } : {}),
      ...(launch ? launchFields(launch, issuer) : {}),
    },
    sessionFields: {
      access_token: hashSecret(accessToken),
      jti,
      exp,
      refresh_token: refreshToken ? hashSecret(refreshToken) : undefined,
      refresh_token_exp: refreshExp,
    },
  };
}
