/**
 * Settings keep the reference product's environment variable names, so an existing deployment's
 * configuration works unchanged. Loaded once, validated, frozen; a bad value stops start-up with a
 * message naming the variable.
 */
export interface Config {
  readonly port: number;
  readonly databaseUrl: string | undefined;
  readonly dbPoolSize: number;
  /** Where embedded PGlite keeps its files; ':memory:' keeps nothing. */
  readonly dataDir: string;
  /** Public base URL: the OAuth issuer and the base of every absolute URL we return. */
  readonly baseUrl: string;
  readonly bodyLimitBytes: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Largest _count a search may ask for (BOX_SEARCH_MAX_COUNT). */
  readonly searchMaxCount: number;
  /** How long an exact search total (`_total=accurate`) may count, ms (BOX_SEARCH_TOTAL_TIMEOUT). */
  readonly searchTotalTimeoutMs: number;
  readonly auth: AuthSettings;
  /** BOX_SECURITY_DEV_MODE: anyone may ask why a request was allowed or denied. Never in production. */
  readonly devMode: boolean;
  /** BOX_SECURITY_INTROSPECTION_CREATE_USER: a trusted foreign token's first use creates a local User. */
  readonly createUsersFromForeignTokens: boolean;
  /**
   * BOX_CORS_ALLOWED_ORIGINS: origins (as browsers send them, `https://app.example.com`) whose pages
   * may read responses, besides those of active Clients' `allowed_origins`; `*` lets any page read
   * them without credentials.
   */
  readonly corsAllowedOrigins: readonly string[];
  /** BOX_METRICS_PUBLIC: GET /metrics answers anyone, not only callers a policy allows operation `Metrics`. */
  readonly metricsPublic: boolean;
}

export interface AuthSettings {
  /** Secret of the bootstrap Client `root`; generated and printed once when unset on first start. */
  readonly rootClientSecret: string | undefined;
  /** Password of the bootstrap User `admin`; generated and printed once when unset on first start. */
  readonly adminPassword: string | undefined;
  /** PEM signing key pair; when unset, keys are generated once and kept in the database. */
  readonly keysPrivatePem: string | undefined;
  readonly keysPublicPem: string | undefined;
  readonly bcryptCost: number;
  /** Failed logins per user name, and per client address, before further attempts are refused. */
  readonly maxFailuresPerUser: number;
  readonly maxFailuresPerAddress: number;
  /** Failed client authentications (secret or assertion) per client id, and per client address. */
  readonly maxClientFailures: number;
  readonly maxClientFailuresPerAddress: number;
  /** How long failures are remembered and how long a throttled name or address waits (seconds). */
  readonly throttleWindowSeconds: number;
  /** How long a retired signing key stays in the JWKS (seconds): at least the longest token lifetime. */
  readonly retiredKeyTtlSeconds: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got '${raw}'`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

const sizeUnits: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function byteSize(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
  if (!match) throw new ConfigError(`${name} must be a size such as 10mb or 1048576, got '${raw}'`);
  return Number(match[1]) * sizeUnits[(match[2] ?? '').toLowerCase()];
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

/** The same 8–72 byte rule as every User.password (bcrypt reads at most 72 bytes). */
function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'`);
}

function adminPassword(env: Env): string | undefined {
  const raw = env.BOX_ADMIN_PASSWORD;
  if (raw === undefined || raw === '') return undefined;
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes < 8 || bytes > 72) throw new ConfigError(`BOX_ADMIN_PASSWORD must be 8 to 72 bytes long, got ${bytes}`);
  return raw;
}

/**
 * A comma-separated list of origins, or `*`. An origin is a scheme, a host and a port, nothing more:
 * an entry with a path, a query or a user name could never equal a browser's Origin header, so it
 * is a mistake to report rather than a rule that silently never matches.
 */
function origins(env: Env, name: string): readonly string[] {
  const entries = (env[name] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  return Object.freeze(entries.map((entry) => {
    if (entry === '*') return entry;
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
      throw new ConfigError(`${name} must list origins such as https://app.example.com (scheme, host and port only) or *, got '${entry}'`);
    }
    return url.origin;
  }));
}

function pem(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  // Env files often carry PEM with literal \n sequences instead of line breaks.
  const text = raw.includes('\\n') ? raw.replaceAll('\\n', '\n') : raw;
  if (!/-----BEGIN [A-Z ]+-----/.test(text)) throw new ConfigError(`${name} must be a PEM key`);
  return text;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  if (Boolean(env.BOX_SECURITY_AUTH_KEYS_PRIVATE) !== Boolean(env.BOX_SECURITY_AUTH_KEYS_PUBLIC)) {
    throw new ConfigError('BOX_SECURITY_AUTH_KEYS_PRIVATE and BOX_SECURITY_AUTH_KEYS_PUBLIC must be set together');
  }
  return Object.freeze({
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dbPoolSize: integer(env, 'BOX_DB_POOL_SIZE', 10, 1, 500),
    dataDir: env.BOX_DATA_DIR || './data',
    baseUrl: url(env, 'BOX_WEB_BASE_URL', `http://localhost:${port}`),
    bodyLimitBytes: byteSize(env, 'BOX_HTTP_MAX_BODY_SIZE', 10 * 1024 ** 2),
    logLevel: oneOf(env, 'BOX_LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    searchMaxCount: integer(env, 'BOX_SEARCH_MAX_COUNT', 1000, 1, 100_000),
    searchTotalTimeoutMs: integer(env, 'BOX_SEARCH_TOTAL_TIMEOUT', 2000, 1, 600_000),
    devMode: flag(env, 'BOX_SECURITY_DEV_MODE'),
    createUsersFromForeignTokens: flag(env, 'BOX_SECURITY_INTROSPECTION_CREATE_USER'),
    corsAllowedOrigins: origins(env, 'BOX_CORS_ALLOWED_ORIGINS'),
    metricsPublic: flag(env, 'BOX_METRICS_PUBLIC'),
    auth: Object.freeze({
      rootClientSecret: env.BOX_ROOT_CLIENT_SECRET || undefined,
      adminPassword: adminPassword(env),
      keysPrivatePem: pem(env, 'BOX_SECURITY_AUTH_KEYS_PRIVATE'),
      keysPublicPem: pem(env, 'BOX_SECURITY_AUTH_KEYS_PUBLIC'),
      // bcrypt accepts 4..31; below 10 is for tests only.
      bcryptCost: integer(env, 'BOX_AUTH_BCRYPT_COST', 10, 4, 31),
      maxFailuresPerUser: integer(env, 'BOX_AUTH_MAX_FAILED_LOGINS', 5, 1, 1_000_000),
      maxFailuresPerAddress: integer(env, 'BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS', 50, 1, 1_000_000),
      maxClientFailures: integer(env, 'BOX_AUTH_MAX_FAILED_CLIENT_AUTH', 10, 1, 1_000_000),
      maxClientFailuresPerAddress: integer(env, 'BOX_AUTH_MAX_FAILED_CLIENT_AUTH_PER_ADDRESS', 50, 1, 1_000_000),
      throttleWindowSeconds: integer(env, 'BOX_AUTH_THROTTLE_WINDOW', 300, 1, 86_400),
      retiredKeyTtlSeconds: integer(env, 'BOX_AUTH_RETIRED_KEY_TTL', 7 * 86_400, 0, 366 * 86_400),
    }),
  });
}
