import { createPrivateKey } from 'node:crypto';
import { isPlainObject } from '../interactions/prepare-resource';

export interface SignInProblem {
  /** The field, relative to the IdentityProvider: `client.id`. */
  field: string;
  message: string;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** What create-client-assertion.ts can sign with: a PKCS #8 RSA or P-256 key (RS256, ES256). */
function privateKeyProblem(pem: unknown): string | undefined {
  if (!isText(pem)) return 'is required with auth-method asymmetric';
  if (!pem.includes('-----BEGIN PRIVATE KEY-----')) return 'must be a PKCS #8 PEM key (-----BEGIN PRIVATE KEY-----)';
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === 'rsa' || (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')) return undefined;
  } catch {
    return 'is not a readable private key';
  }
  return 'must be an RSA or P-256 key';
}

/** The URLs of the authorization code flow: where the person goes, where the code is exchanged, the id_token's keys. */
const ENDPOINTS = ['authorize_endpoint', 'token_endpoint', 'jwks_uri'] as const;

/**
 * What keeps an IdentityProvider from signing people in with the OIDC authorization code flow
 * (start-sign-in.ts, finish-sign-in.ts); empty when nothing does. A provider signs people in when
 * it has an authorize_endpoint: one without it serves token introspection and just-in-time users
 * only (reference 003, the tutorial's Keycloak) and needs none of this.
 */
export function signInProblems(resource: Record<string, unknown>): SignInProblem[] {
  if (resource.authorize_endpoint === undefined) return [];
  const problems: SignInProblem[] = [];
  const url = (field: string, value: unknown) => {
    if (!isHttpUrl(value)) problems.push({ field, message: value === undefined ? 'is required' : 'must be an http(s) URL' });
  };
  for (const field of ENDPOINTS) url(field, resource[field]);
  // The issuer an id_token's iss must equal (OIDC Core §3.1.3.7 item 2).
  url('base_url', resource.base_url);
  const client = isPlainObject(resource.client) ? resource.client : {};
  // Our client id at the provider, and the id_token's aud.
  if (!isText(client.id)) problems.push({ field: 'client.id', message: 'is required' });
  // The person's identity here is {system, sub}.
  if (!isText(resource.system)) problems.push({ field: 'system', message: 'is required' });
  if (client['auth-method'] === 'asymmetric') {
    const problem = privateKeyProblem(client['private-key']);
    if (problem) problems.push({ field: 'client.private-key', message: problem });
  }
  if (resource['userinfo-source'] === 'userinfo-endpoint') url('userinfo_endpoint', resource.userinfo_endpoint);
  // The schema says so for every write; a row written by SQL may say otherwise.
  if (resource.scopes !== undefined && !(Array.isArray(resource.scopes) && resource.scopes.every(isText))) problems.push({ field: 'scopes', message: 'must be a list of strings' });
  return problems;
}
