import type { JWTVerifyGetKey } from 'jose';
import type { Queryable } from '../db/database';
import type { Logger } from '../log/logger';
import { compileJwtKeys, type JwtKeys, type RemoteKeySetOptions, type TokenIntrospectorJwt } from './compile-jwt-keys';

type Obj = Record<string, unknown>;

export interface TokenIntrospectorResource {
  type?: 'jwt' | 'opaque' | 'aspxauth';
  jwks_uri?: string;
  jwt?: TokenIntrospectorJwt;
  introspection_endpoint?: { url?: string; authorization?: string };
  identity_provider?: { id?: string; resourceType?: string; reference?: string };
}

export interface IdentityProviderResource {
  system?: string;
  active?: boolean;
  userinfo_endpoint?: string;
  'userinfo-source'?: 'id-token' | 'userinfo-endpoint';
  [key: string]: unknown;
}

export interface Introspector {
  id: string;
  resource: TokenIntrospectorResource;
  identityProvider?: { id: string; resource: IdentityProviderResource };
  /** `type: jwt` only: keys imported at load time. */
  keys?: JwtKeys;
  /** Set when the resource cannot be used: verification refuses its tokens and says why. */
  problem?: string;
}

export interface IntrospectorIndex {
  /** `type: jwt` introspectors by their `jwt.iss`. */
  byIssuer: ReadonlyMap<string, Introspector>;
  /** `type: opaque` introspectors, in id order: an opaque token says nothing about its issuer. */
  opaque: readonly Introspector[];
}

export interface LoadIntrospectorsOptions extends RemoteKeySetOptions {
  logger?: Logger;
  /** Remote key sets by URI, kept across reloads. */
  remoteSets?: Map<string, JWTVerifyGetKey>;
}

/** Stored references are `{resourceType, id}`; a FHIR-form `{reference}` is accepted too. */
function referencedId(ref: TokenIntrospectorResource['identity_provider']): string | undefined {
  if (!ref) return undefined;
  if (ref.id) return ref.id;
  const match = /^(?:.*\/)?IdentityProvider\/([^/]+)$/.exec(ref.reference ?? '');
  return match?.[1];
}

/**
 * Reads every TokenIntrospector and the IdentityProviders they name, imports their keys, and
 * indexes them by issuer. Called at start and again whenever either resource type changes; the
 * result is immutable, so a request sees one consistent index.
 */
export async function loadIntrospectors(db: Queryable, options: LoadIntrospectorsOptions): Promise<IntrospectorIndex> {
  const { rows } = await db.query<{ id: string; resource: Obj }>('select id, resource from tokenintrospector order by id');
  const providerIds = [...new Set(rows.map((row) => referencedId(row.resource.identity_provider as never)).filter((id): id is string => !!id))];
  const providers = new Map<string, IdentityProviderResource>();
  if (providerIds.length) {
    const found = await db.query<{ id: string; resource: IdentityProviderResource }>('select id, resource from identityprovider where id = any($1::text[])', [providerIds]);
    for (const row of found.rows) providers.set(row.id, row.resource);
  }

  const remoteSets = options.remoteSets ?? new Map();
  const byIssuer = new Map<string, Introspector>();
  const opaque: Introspector[] = [];
  for (const row of rows) {
    const resource = row.resource as TokenIntrospectorResource;
    const providerId = referencedId(resource.identity_provider);
    const providerResource = providerId ? providers.get(providerId) : undefined;
    const introspector: Introspector = { id: row.id, resource, identityProvider: providerResource && { id: providerId!, resource: providerResource } };
    if (providerId && !providerResource) introspector.problem = `its identity_provider IdentityProvider/${providerId} does not exist`;

    if (resource.type === 'jwt') {
      const iss = resource.jwt?.iss;
      if (!iss) {
        options.logger?.log('warn', 'TokenIntrospector without jwt.iss is ignored', { introspector: row.id });
        continue;
      }
      if (byIssuer.has(iss)) {
        options.logger?.log('warn', 'two TokenIntrospectors trust one issuer; the first by id is used', { introspector: row.id, used: byIssuer.get(iss)!.id, iss });
        continue;
      }
      try {
        introspector.keys = await compileJwtKeys(resource, remoteSets, options);
      } catch (error) {
        introspector.problem ??= (error as Error).message;
      }
      byIssuer.set(iss, introspector);
    } else if (resource.type === 'opaque') {
      if (!resource.introspection_endpoint?.url) introspector.problem ??= 'has no introspection_endpoint.url';
      opaque.push(introspector);
    }
    if (introspector.problem) options.logger?.log('warn', 'TokenIntrospector is misconfigured', { introspector: row.id, problem: introspector.problem });
  }
  return { byIssuer, opaque };
}
