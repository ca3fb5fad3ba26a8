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

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  return Object.freeze({
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dbPoolSize: integer(env, 'BOX_DB_POOL_SIZE', 10, 1, 500),
    dataDir: env.BOX_DATA_DIR || './data',
    baseUrl: url(env, 'BOX_WEB_BASE_URL', `http://localhost:${port}`),
    bodyLimitBytes: byteSize(env, 'BOX_HTTP_MAX_BODY_SIZE', 10 * 1024 ** 2),
    logLevel: oneOf(env, 'BOX_LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
  });
}
