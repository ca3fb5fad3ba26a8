import { processBundle } from '../bundles/process-bundle';
import { createCapabilityHandler } from '../capability/read-capability-statement';
import { signInCallbackPage, signInRedirectPage } from '../identity/sign-in-pages';
import { conditionalDelete } from '../interactions/conditional-delete';
import { conditionalUpdate } from '../interactions/conditional-update';
import { createResource } from '../interactions/create-resource';
import { deleteOne } from '../interactions/delete-resource';
import type { ResourceResponse } from '../interactions/interaction-context';
import { patchOne } from '../interactions/patch-resource';
import { readHistoryBundle } from '../interactions/read-history';
import { readOne, readOneVersion } from '../interactions/read-resource';
import { readSystemHistoryBundle } from '../interactions/read-system-history';
import { searchCompartment } from '../interactions/search-compartment';
import { validateOperation } from '../interactions/validate-operation';
import { searchResources } from '../interactions/search-resources';
import { updateOne } from '../interactions/update-resource';
import type { AuthRequest, AuthResponse } from '../oauth/auth-request';
import { deleteSessionEndpoint } from '../oauth/delete-session-endpoint';
import { discoveryDocument } from '../oauth/discovery-document';
import { smartConfiguration } from '../smart/smart-configuration';
import { SMART_STYLE } from '../smart/smart-style';
import { introspectEndpoint } from '../oauth/introspect-endpoint';
import { accountEndpoint, revokeAppEndpoint } from '../oauth/account-endpoint';
import { authorizeEndpoint } from '../oauth/authorize-endpoint';
import { isFormPost, loginEndpoint, loginFormEndpoint, loginPageEndpoint } from '../oauth/login-endpoint';
import { endSessionEndpoint, logoutEndpoint } from '../oauth/logout-endpoint';
import { revokeEndpoint } from '../oauth/revoke-endpoint';
import { tokenEndpoint } from '../oauth/token-endpoint';
import { userinfoEndpoint } from '../oauth/userinfo-endpoint';
import { rpcAccessBeforeBody, rpcEndpoint, testPolicyAlias } from '../rpc/rpc-handlers';
import { METRICS_OPERATION, metricsEndpoint } from '../metrics/metrics-endpoint';
import type { CapabilityEntry, Handler, Route } from './route';

/**
 * Every route of the server, as data: one line per route. The resource API's routes are written
 * once, relative to a base, and exist twice — under /fhir (FHIR format, operations `Fhir<Name>`)
 * and under / (stored format, operations `<Name>`). The CapabilityStatement is derived from this
 * table; adding an interaction or an $operation is adding a line here.
 */

/** [method, path under the base, operation name, handler, capability, options] */
type ResourceLine = [string, string, string, Handler, CapabilityEntry[] | undefined, Partial<Route>?];

const I = (interaction: string, level: CapabilityEntry['level'] = 'type'): CapabilityEntry[] => [{ level, interaction }];

/** Filled below: the metadata handler reads the table it belongs to. */
const capability = createCapabilityHandler(() => ROUTES);

const RESOURCE_LINES: ResourceLine[] = [
  ['POST', '', 'Transaction', processBundle, [...I('transaction', 'system'), ...I('batch', 'system')], { bundle: true }],
  ['GET', 'metadata', 'Metadata', capability, undefined, { public: true }],
  ['GET', ':type', 'Search', searchResources, I('search-type')],
  ['POST', ':type', 'Create', createResource, I('create')],
  ['PUT', ':type', 'ConditionalUpdate', conditionalUpdate, undefined],
  ['DELETE', ':type', 'ConditionalDelete', conditionalDelete, undefined],
  ['POST', ':type/_search', 'Search', searchResources, undefined, { searchForm: true }],
  ['GET', ':type/_history', 'History', readHistoryBundle, I('history-type')],
  ['GET', ':type/:id', 'Read', readOne, I('read', 'instance')],
  ['PUT', ':type/:id', 'Update', updateOne, I('update', 'instance')],
  ['PATCH', ':type/:id', 'Patch', patchOne, I('patch', 'instance')],
  ['DELETE', ':type/:id', 'Delete', deleteOne, I('delete', 'instance')],
  ['GET', ':type/:id/_history', 'History', readHistoryBundle, I('history-instance', 'instance')],
  ['GET', ':type/:id/_history/:vid', 'Vread', readOneVersion, I('vread', 'instance')],
  // Every type's history at once: an operation of its own, never granted by a policy for one type's History.
  ['GET', '_history', 'SystemHistory', readSystemHistoryBundle, I('history-system', 'system')],
  ['POST', ':type/$validate', 'Validate', validateOperation, [{ level: 'type', operation: 'validate' }]],
  ['POST', ':type/:id/$validate', 'Validate', validateOperation, [{ level: 'instance', operation: 'validate' }]],
  // An operation of its own: a policy written for Patient paths (`uri: #^/fhir/Patient/`) or for
  // the type's Search must not start admitting another type's resources through this path.
  ['GET', 'Patient/:id/:type', 'CompartmentSearch', searchCompartment, undefined, { compartment: 'Patient' }],
];

const split = (path: string) => path.split('/').filter(Boolean);

function resourceRoutes(): Route[] {
  const routes: Route[] = [];
  for (const [method, path, name, handler, entries, options] of RESOURCE_LINES) {
    for (const format of ['fhir', 'stored'] as const) {
      routes.push({
        method,
        segments: format === 'fhir' ? ['fhir', ...split(path)] : split(path),
        kind: 'resource',
        handler,
        operation: format === 'fhir' ? `Fhir${name}` : name,
        // Only writes and POST _search carry a body; any other is never read (nor parsed).
        body: method === 'POST' || method === 'PUT' || method === 'PATCH' ? 'resource' : 'none',
        format,
        // Only the /fhir twin speaks for the server in its CapabilityStatement.
        capabilities: format === 'fhir' ? entries : undefined,
        ...options,
      });
    }
  }
  return routes;
}

/** An OAuth endpoint (src/oauth) as a route handler: it sees its parameters and headers, never the socket. */
function oauth(endpoint: (req: AuthRequest) => Promise<AuthResponse>): Handler {
  return async (ctx, req): Promise<ResourceResponse> => {
    const response = await endpoint({ services: ctx.services, method: req.method, params: req.params ?? {}, headers: req.headers, address: ctx.edge.remoteAddr });
    return { status: response.status, body: response.body, html: response.html, headers: response.headers };
  };
}

/** The SMART configuration lists the same grants and scopes as OpenID discovery does. */
function smartDiscovery(issuer: string): unknown {
  const openid = discoveryDocument(issuer);
  return smartConfiguration(issuer, { grantTypes: openid.grant_types_supported as string[], scopes: SMART_SCOPES });
}

/** The scopes apps may ask for by name (resource scopes are a grammar, shown by example). */
const SMART_SCOPES = ['openid', 'profile', 'email', 'fhirUser', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access', 'patient/*.rs', 'user/*.rs', 'system/*.rs', 'patient/*.cruds', 'user/*.cruds', 'system/*.cruds', 'patient/*.read', 'user/*.read', 'system/*.read', 'patient/*.*', 'user/*.*', 'system/*.*'];

/** Metadata and keys: public, cacheable, no body. */
const wellKnown = (build: (ctx: Parameters<Handler>[0]) => unknown, cache?: string): Handler => async (ctx) => ({
  status: 200,
  body: build(ctx),
  ...(cache ? { headers: { 'cache-control': cache } } : {}),
});

/**
 * What an OAuth endpoint may be sent: form parameters, a client assertion, a subject token. Far
 * below the resource API's limit, since these endpoints take anyone's request.
 */
const OAUTH_BODY_LIMIT = 256 * 1024;

const edge = (method: string, path: string, kind: Route['kind'], handler: Handler, options: Partial<Route> = {}): Route => ({
  method,
  segments: split(path),
  kind,
  handler,
  body: kind === 'oauth' ? 'params' : 'none',
  ...(kind === 'oauth' ? { public: true, bodyLimit: OAUTH_BODY_LIMIT } : {}),
  ...options,
});

const EDGE_ROUTES: Route[] = [
  edge('GET', '/health', 'health', async () => ({ status: 200, body: { status: 'pass' } }), { public: true }),
  edge('GET', '/metrics', 'resource', metricsEndpoint, { operation: METRICS_OPERATION, selfAuthorized: true }),
  edge('GET', '/.well-known/openid-configuration', 'oauth', wellKnown((ctx) => discoveryDocument(ctx.services.config.baseUrl))),
  edge('GET', '/.well-known/oauth-authorization-server', 'oauth', wellKnown((ctx) => discoveryDocument(ctx.services.config.baseUrl))),
  edge('GET', '/.well-known/jwks.json', 'oauth', wellKnown((ctx) => ctx.services.auth.keys.jwks(), 'public, max-age=300')),
  // SMART App Launch discovery, at the server and at its FHIR base (where apps look: `iss` + path).
  edge('GET', '/.well-known/smart-configuration', 'oauth', wellKnown((ctx) => smartDiscovery(ctx.services.config.baseUrl))),
  edge('GET', '/fhir/.well-known/smart-configuration', 'oauth', wellKnown((ctx) => smartDiscovery(ctx.services.config.baseUrl))),
  edge('GET', '/.well-known/smart-style.json', 'oauth', wellKnown(() => SMART_STYLE, 'public, max-age=3600')),
  // Pages for a person: sign-in, authorization and consent, the account, sign-out. They read the
  // browser's cookie themselves and are never answered to another origin (see cors.ts).
  edge('GET', '/auth/login', 'page', loginPageEndpoint, { public: true }),
  // JSON for scripts (RFC 6749 errors); a form post from the page (the page again on failure).
  edge('POST', '/auth/login', 'oauth', async (ctx, req) => (isFormPost(req) ? loginFormEndpoint(ctx, req) : oauth(loginEndpoint)(ctx, req))),
  edge('GET', '/auth/authorize', 'page', authorizeEndpoint, { public: true, body: 'params', bodyLimit: OAUTH_BODY_LIMIT }),
  edge('POST', '/auth/authorize', 'page', authorizeEndpoint, { public: true, body: 'params', bodyLimit: OAUTH_BODY_LIMIT }),
  edge('GET', '/auth/account', 'page', accountEndpoint, { public: true }),
  edge('POST', '/auth/account', 'page', revokeAppEndpoint, { public: true, body: 'params', bodyLimit: OAUTH_BODY_LIMIT }),
  edge('GET', '/auth/logout', 'page', endSessionEndpoint, { public: true, body: 'params', bodyLimit: OAUTH_BODY_LIMIT }),
  edge('POST', '/auth/logout', 'page', logoutEndpoint, { public: true, body: 'params', bodyLimit: OAUTH_BODY_LIMIT }),
  edge('POST', '/auth/token', 'oauth', oauth(tokenEndpoint)),
  edge('GET', '/auth/userinfo', 'oauth', oauth(userinfoEndpoint)),
  edge('POST', '/auth/userinfo', 'oauth', oauth(userinfoEndpoint)),
  edge('POST', '/auth/revoke', 'oauth', oauth(revokeEndpoint)),
  edge('POST', '/auth/introspect', 'oauth', oauth(introspectEndpoint)),
  // The reference product's logout; with a query string it is the resource API's conditional delete.
  edge('DELETE', '/Session', 'oauth', oauth(deleteSessionEndpoint), { when: (req) => Object.keys(req.query).length === 0 }),
  edge('POST', '/rpc', 'rpc', rpcEndpoint, { body: 'resource', beforeBody: rpcAccessBeforeBody }),
  edge('POST', '/auth/test-policy', 'resource', testPolicyAlias, { body: 'resource', selfAuthorized: true, beforeBody: rpcAccessBeforeBody }),
  edge('GET', '/auth/redirect/:id', 'page', signInRedirectPage, { public: true }),
  edge('GET', '/auth/callback/:id', 'page', signInCallbackPage, { public: true }),
];

/** Edge routes first: a literal path (/Session without a query) is tried before the resource routes. */
export const ROUTES: readonly Route[] = [...EDGE_ROUTES, ...resourceRoutes()];
