import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';

/**
 * What a route is for, which decides the stages it goes through and how its errors look:
 *  - resource: the FHIR / stored-format API; authenticated, authorized by AccessPolicy, body JSON or YAML,
 *    errors as OperationOutcome;
 *  - oauth: OAuth and OpenID endpoints; they authenticate clients themselves, errors as RFC 6749 JSON;
 *  - rpc: POST /rpc; authenticated, authorized per method by the rpc engines, errors as `{error}`;
 *  - page: pages for a person; errors as an HTML page;
 *  - health: the liveness probe.
 */
export type RouteKind = 'resource' | 'oauth' | 'rpc' | 'page' | 'health';

/** How the body is read: parsed as a resource (JSON/YAML), as OAuth parameters, or not at all. */
export type BodyKind = 'resource' | 'params' | 'none';

export type Handler = (ctx: RequestContext, req: ResourceRequest) => Promise<ResourceResponse>;

/** Where a route shows in the CapabilityStatement (FHIR capabilitystatement.html). */
export interface CapabilityEntry {
  level: 'system' | 'type' | 'instance';
  /** The interaction code (read, search-type, history-system, transaction, …). */
  interaction?: string;
  /** An $operation's name, without the $. */
  operation?: string;
}

export interface Route {
  method: string;
  /**
   * Path segments: literals (`_history`, `$validate`, `auth`), `:type` (a resource type of the
   * registry) or another `:name` (any one segment, given to the handler as pathParams.name).
   */
  segments: readonly string[];
  kind: RouteKind;
  handler: Handler;
  /** The operation policies see (`FhirRead`, `Read`, …); resource routes only. */
  operation?: string;
  /** Answered to anyone: no caller is authenticated, nothing is authorized (the handler may do its own). */
  public?: boolean;
  /** Authenticated, but the handler decides who may call it (the policy tester: administrators). */
  selfAuthorized?: boolean;
  body: BodyKind;
  /** The largest body this route reads; the configured limit when absent. */
  bodyLimit?: number;
  /** Refuses a caller before the body is read, when nothing in a body could admit it (rpc calls). */
  beforeBody?: (ctx: RequestContext, req: ResourceRequest) => Promise<void>;
  /** Only when this holds too (DELETE /Session without a query string is a logout). */
  when?: (req: { query: Record<string, string[]> }) => boolean;
  /** `<Compartment>/:id/:type`: a search of :type within the compartment of that id (compartment search). */
  compartment?: string;
  /** Takes a whole Bundle (transaction, batch): never an entry of another bundle. */
  bundle?: boolean;
  /** POST _search: a form-encoded body carries search parameters (FHIR search.html#search). */
  searchForm?: boolean;
  /** The path style of a resource route: FHIR (`/fhir/*`) or stored. */
  format?: 'fhir' | 'stored';
  /** What the route serves, as the CapabilityStatement lists it. */
  capabilities?: readonly CapabilityEntry[];
}
