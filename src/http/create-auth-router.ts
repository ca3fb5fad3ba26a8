import express, { type Request, type Response } from 'express';
import type { Services } from '../interactions/interaction-context';
import type { AuthRequest, AuthResponse } from '../oauth/auth-request';
import { deleteSessionEndpoint } from '../oauth/delete-session-endpoint';
import { discoveryDocument } from '../oauth/discovery-document';
import { introspectEndpoint } from '../oauth/introspect-endpoint';
import { loginEndpoint } from '../oauth/login-endpoint';
import { logoutEndpoint } from '../oauth/logout-endpoint';
import { OAuthError } from '../oauth/oauth-error';
import { parseParams } from '../oauth/parse-params';
import { revokeEndpoint } from '../oauth/revoke-endpoint';
import { tokenEndpoint } from '../oauth/token-endpoint';
import { userinfoEndpoint } from '../oauth/userinfo-endpoint';

type Endpoint = (req: AuthRequest) => Promise<AuthResponse>;

function headersOf(req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
}

/**
 * The HTTP edge of authentication: /auth/*, /.well-known/* and the reference's `DELETE /Session`
 * logout. Each route turns Express into a plain AuthRequest and an AuthResponse back; errors go to
 * the app's one error handler.
 */
export function createAuthRouter(services: Services): express.Router {
  const router = express.Router();
  const run = (endpoint: Endpoint) => async (req: Request, res: Response) => {
    // Credentials never travel in the URL (RFC 6749 §3.2, RFC 6750 §2.3): POST parameters come from
    // the body alone.
    const query = new URLSearchParams(req.method === 'GET' && req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');
    const params = parseParams(Buffer.isBuffer(req.body) ? req.body : undefined, req.get('content-type'), query);
    const response = await endpoint({ services, method: req.method, params, headers: headersOf(req), address: req.socket.remoteAddress });
    res.status(response.status).set(response.headers ?? {});
    if (response.html !== undefined) return void res.type('html').send(response.html);
    if (response.body === undefined) return void res.end();
    res.json(response.body);
  };
  const notAllowed = (allow: string) => () => {
    throw new OAuthError(405, 'invalid_request', `This endpoint takes ${allow}`, { allow });
  };

  router.get('/.well-known/openid-configuration', (_req, res) => void res.json(discoveryDocument(services.config.baseUrl)));
  router.get('/.well-known/oauth-authorization-server', (_req, res) => void res.json(discoveryDocument(services.config.baseUrl)));
  router.get('/.well-known/jwks.json', (_req, res) => void res.set('cache-control', 'public, max-age=300').json(services.auth.keys.jwks()));
  router.route('/auth/login').get(run(loginEndpoint)).post(run(loginEndpoint)).all(notAllowed('GET, POST'));
  router.route('/auth/token').post(run(tokenEndpoint)).all(notAllowed('POST'));
  router.route('/auth/userinfo').get(run(userinfoEndpoint)).post(run(userinfoEndpoint)).all(notAllowed('GET, POST'));
  router.route('/auth/logout').post(run(logoutEndpoint)).all(notAllowed('POST'));
  router.route('/auth/revoke').post(run(revokeEndpoint)).all(notAllowed('POST'));
  router.route('/auth/introspect').post(run(introspectEndpoint)).all(notAllowed('POST'));
  // Only the bare path: `DELETE /Session?...` is the resource API's conditional delete.
  router.delete('/Session', (req, res, next) => (req.originalUrl.includes('?') ? next() : run(deleteSessionEndpoint)(req, res)));
  return router;
}
