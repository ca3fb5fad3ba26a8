import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config/load-config';
import type { Database } from '../db/database';
import type { IssueCode } from '../errors/http-error';
import { toOperationOutcome } from '../errors/to-operation-outcome';
import { openDatabase } from '../db/open-database';
import { runMigrations } from '../db/run-migrations';
import { createApp } from '../http/create-app';
import type { Services } from '../interactions/interaction-context';
import { createResourceHooks } from '../interactions/resource-hooks';
import { keepOmittedSecrets } from '../interactions/secret-paths';
import { createAuthRuntime } from '../auth/auth-runtime';
import { clientSecretHook } from '../auth/client-secret-hook';
import { ensureAuthSchema } from '../auth/ensure-auth-schema';
import { ensureBootstrapIdentities } from '../auth/ensure-bootstrap-identities';
import { userPasswordHook } from '../auth/user-password-hook';
import { createLogger, type Logger } from '../log/logger';
import { createForeignTokenVerifier } from '../identity/create-foreign-token-verifier';
import { identityProviderHook } from '../identity/identity-provider-hook';
import { createAccessPolicies } from '../access/access-policies';
import { createAccessPolicyHook } from '../access/access-policy-hook';
import { checkPolicySql } from '../access/check-policy-sql';
import { scratchDatabase } from '../db/scratch-database';
import { ensureBootstrapPolicies } from '../access/ensure-bootstrap-policies';
import { loadRegistry } from '../schema/resource-registry';
import { createValidator } from '../schema/validate-resource';

export interface RunningServices extends Services {
  close(): Promise<void>;
}

/** Opens the database, applies migrations and assembles the services; no socket yet. */
export interface ServiceOptions {
  db?: Database;
  logger?: Logger;
  /** Where generated bootstrap credentials are shown once; stderr by default, never the log. */
  print?: (text: string) => void;
}

export async function createServices(config: Config, options: ServiceOptions = {}): Promise<RunningServices> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const registry = loadRegistry();
  const db = options.db ?? (await openDatabase(config, registry.resourceTypes));
  const applied = await runMigrations(db, registry.resourceTypes);
  if (applied.length) logger.log('info', 'migrations applied', { count: applied.length });
  const validator = createValidator(registry);
  await ensureAuthSchema(db);
  // Independent of one another: on a first start, the key pair and the bcrypt hashes are computed
  // on the thread pool while the bootstrap writes run.
  const [auth] = await Promise.all([
    createAuthRuntime(db, config.auth),
    ensureBootstrapIdentities(db, config.auth, options.print ?? ((text) => process.stderr.write(`${text}\n`))),
    ensureBootstrapPolicies(db),
  ]);
  const access = createAccessPolicies(db, logger);
  const foreignTokens = createForeignTokenVerifier({ db, createUsers: config.createUsersFromForeignTokens, logger });
  // Every cache of resources follows the change bus (src/db/change-bus.ts), from before the first
  // request; a new cache joins this list.
  for (const cache of [auth.cache, auth.clientKeys, auth.origins, access, foreignTokens]) await db.changes.subscribe(cache);
  // A policy that cannot work is refused when written (422), never discovered at request time.
  const accessPolicyHook = createAccessPolicyHook({ checkSql: (sql, q) => checkPolicySql(scratchDatabase(db, q), sql) });
  // Secrets we must keep in clear to use them (an IdP's client secret, an introspector's key) are
  // never presented either, and an update that omits one keeps it.
  const providerSecrets = ['client.secret', 'client.private-key'];
  const introspectorSecrets = ['jwt.secret', 'jwt.keys.k', 'introspection_endpoint.authorization'];
  const hooks = createResourceHooks(
    {
      IdentityProvider: [keepOmittedSecrets(providerSecrets), identityProviderHook],
      TokenIntrospector: [keepOmittedSecrets(introspectorSecrets)],
      User: [userPasswordHook(config.auth.bcryptCost)],
      Client: [clientSecretHook],
      AccessPolicy: [accessPolicyHook],
    },
    // Secrets and hashes are never presented: not by read, search, history or bundles.
    {
      User: ['password'],
      Client: ['secret'],
      Session: ['access_token', 'refresh_token', 'authorization_code'],
      IdentityProvider: providerSecrets,
      TokenIntrospector: introspectorSecrets,
    },
  );
  return { config, db, registry, validator, logger, hooks, auth, access, foreignTokens, close: () => db.close() };
}

const UNREADABLE: Record<string, [number, string, IssueCode, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'too-long', 'The request line and headers are over 16 kB; send long queries as POST /<Type>/_search'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'too-long', 'The chunk extensions are too long'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'timeout', 'The request did not arrive in time'],
};

/**
 * What Node answers itself, before any handler runs (headers over its 16 kB limit, a malformed
 * request, a request too slow to arrive): Node's own statuses, with the same OperationOutcome as
 * every other error, then the connection is closed. Nothing is written once a response on this
 * connection has begun (it would corrupt it), as Node's default handler does.
 */
function answerUnreadableRequest(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || error.code === 'ECONNRESET' || inFlight?.headersSent) return void socket.destroy();
  const [status, reason, code, diagnostics] = UNREADABLE[error.code ?? ''] ?? [400, 'Bad Request', 'structure', 'The request is not valid HTTP/1.1'];
  const body = JSON.stringify(toOperationOutcome([{ severity: 'error', code, diagnostics }]));
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export async function listen(services: RunningServices): Promise<Server> {
  const server = createServer(createApp(services));
  server.on('clientError', answerUnreadableRequest);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(services.config.port, () => resolve(server));
  });
}
