import type { AccessPolicies } from '../access/access-policies';
import type { EdgeFacts } from '../access/to-policy-request';
import type { AuthContext } from '../auth/auth-context';
import type { AuthRuntime } from '../auth/auth-runtime';
import type { Config } from '../config/load-config';
import type { Database, Queryable } from '../db/database';
import type { ForeignTokenVerifier } from '../identity/create-foreign-token-verifier';
import type { Logger } from '../log/logger';
import type { ResourceRegistry } from '../schema/resource-registry';
import type { ResourceValidator } from '../schema/validate-resource';
import type { StoredVersion } from '../store/resource-store';
import type { ResourceHooks } from './resource-hooks';

/** Long-lived parts of a running server, made once at start and passed in explicitly. */
export interface Services {
  readonly config: Config;
  readonly db: Database;
  readonly registry: ResourceRegistry;
  readonly validator: ResourceValidator;
  readonly logger: Logger;
  readonly hooks: ResourceHooks;
  /** Signing keys and login throttling. */
  readonly auth: AuthRuntime;
  /** The live AccessPolicies and Roles. */
  readonly access: AccessPolicies;
  /** Tokens of external identity providers (TokenIntrospector), and just-in-time users. */
  readonly foreignTokens: ForeignTokenVerifier;
}

/**
 * How resources look on the wire for one path style: FHIR (`/fhir/*`, references as
 * {"reference": "Type/id"}) or the stored format (`/<Type>`, references as {"id", "resourceType"}).
 */
export interface ResourceFormat {
  readonly name: 'fhir' | 'stored';
  /** Absolute base URL of this path style, e.g. http://localhost:8080/fhir */
  readonly base: string;
  /** Wire body → stored format (references converted); the input is not modified. */
  toStored(body: Record<string, unknown>): Record<string, unknown>;
  /** A stored version → the wire representation with id, resourceType and meta. */
  present(version: StoredVersion): Record<string, unknown>;
}

export interface InteractionContext {
  readonly services: Services;
  /** The database, or the open transaction when the interaction runs inside a bundle. */
  readonly q: Queryable;
  readonly format: ResourceFormat;
  readonly auth: AuthContext;
  /** Facts of the HTTP connection (remote address, scheme), for bundle entries' authorization. */
  readonly edge: EdgeFacts;
}

/** A request as the interactions see it: no Express, no sockets. */
export interface ResourceRequest {
  method: string;
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** `Patient/<id>/<Type>`: the compartment a search is limited to (resourceType is the searched type). */
  compartment?: { resourceType: string; id: string };
  /** Query parameters; a repeated parameter has several values. */
  query: Record<string, string[]>;
  /** Lowercased header names. */
  headers: Record<string, string | undefined>;
  body: unknown;
  /** Media type of the body without parameters, e.g. application/json-patch+json. */
  contentType?: string;
  /** The path as the client wrote it (what policies see as `uri`); derived from the route when absent. */
  uri?: string;
}

export interface ResourceResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
