/**
 * The request as an AccessPolicy sees it. The keys are the reference's (Aidbox) so that existing
 * policies read the same here: `request-method` lowercase, `headers` lowercased, `params` the query
 * parameters plus the route's `resource/type` and `resource/id`.
 */
export interface PolicyRequest {
  'request-method': string;
  uri: string;
  'query-string'?: string;
  /** Query parameters (a repeated one as an array) plus `resource/type` and `resource/id`. */
  params: Record<string, unknown>;
  /** Lowercased header names. */
  headers: Record<string, string | undefined>;
  body?: unknown;
  /** The stored resource the request addresses, when it was loaded. */
  resource?: Record<string, unknown>;
  user?: Record<string, unknown>;
  client?: Record<string, unknown>;
  session?: Record<string, unknown>;
  /** Claims of the verified token. */
  jwt?: Record<string, unknown>;
  /** The RFC 7662 introspection answer of a foreign opaque token. */
  token?: Record<string, unknown>;
  /** For a policy found through its roleName: the caller's Role resource of that name. */
  role?: Record<string, unknown>;
  /** `FhirRead`, `FhirSearch`, …, or `Read`, `Search`, … on the stored-format paths. */
  operation?: { id: string };
  'remote-addr'?: string;
  scheme?: string;
  /** Only on an rpc call (POST /rpc): what is called. Never derived from a body or a query. */
  rpc?: PolicyRpcCall;
}

export interface PolicyRpcCall {
  method: string;
  params: Record<string, unknown>;
  /** The claims of the policy token the call carried, once its signature and expiry were checked. */
  policyToken?: PolicyTokenClaims;
}

/** What a policy token (signed by this server) grants: these methods, each with exactly these params. */
export interface PolicyTokenClaims {
  methods: Record<string, { params?: Record<string, unknown> }>;
}
