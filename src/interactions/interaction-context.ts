import type { Restriction } from '../search/parse-search-query';
import type { AccessPolicies } from '../access/access-policies';
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

/** Facts of the HTTP connection a request (or its bundle) came on. */
export interface EdgeFacts {
  remoteAddr?: string;
  scheme: string;
}

/**
 * One request's context, from the HTTP edge to every stage, interaction, bundle entry, log line
 * and error: who is calling, on which database handle, in which path style, under which id.
 */
export interface RequestContext {
  readonly services: Services;
  /** The database, or the open transaction when the request is an entry of a bundle. */
  readonly q: Queryable;
  readonly format: ResourceFormat;
  readonly auth: AuthContext;
  /** Facts of the HTTP connection (remote address, scheme), for bundle entries' authorization. */
  readonly edge: EdgeFacts;
  /** The X-Request-Id echoed on the response; bundle entries share their bundle's. */
  readonly requestId: string;
  /** The services' logger, with requestId on every line. */
  readonly logger: Logger;
  /** Runs a bundle entry through the same pipeline as a request (bundles never see HTTP). */
  readonly dispatch: (ctx: RequestContext, entry: EntryRequest) => Promise<ResourceResponse>;
  /** What a SMART token's scopes confine this request to: searches and written bodies keep to it. */
  readonly smart?: { readonly restriction: Restriction };
}

/** A bundle entry as the pipeline takes it: the body already parsed, the caller the bundle's. */
export interface EntryRequest {
  method: string;
  /** Relative (Patient/1?x=y) or absolute under the bundle's base. */
  url: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** A request as the handlers see it: no sockets. */
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
  /** Named path segments of the route (`:id` of /auth/redirect/:id). */
  pathParams?: Record<string, string>;
  /** The OAuth endpoints' parameters: the form or JSON body and the query, each given once. */
  params?: Record<string, string>;
}

export interface ResourceResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A page for a person: written as text/html instead of serializing body. */
  html?: string;
  /** Text of another media type, written as is (the Prometheus exposition of GET /metrics). */
  text?: { contentType: string; value: string };
  /** Set-Cookie values, one header each. */
  cookies?: string[];
}
