import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/load-config';

describe('authentication settings', () => {
  it('have safe defaults', () => {
    const { auth } = loadConfig({});
    expect(auth).toMatchObject({ rootClientSecret: undefined, adminPassword: undefined, bcryptCost: 10, maxFailuresPerUser: 5, maxClientFailures: 10, maxClientFailuresPerAddress: 50 });
    expect(Object.isFrozen(auth)).toBe(true);
  });

  it.each([
    [{ BOX_ADMIN_PASSWORD: 'short' }, /BOX_ADMIN_PASSWORD must be 8 to 72 bytes/],
    [{ BOX_AUTH_BCRYPT_COST: '3' }, /BOX_AUTH_BCRYPT_COST must be between 4 and 31/],
    [{ BOX_AUTH_MAX_FAILED_CLIENT_AUTH: '0' }, /BOX_AUTH_MAX_FAILED_CLIENT_AUTH must be between 1 and/],
    [{ BOX_AUTH_MAX_FAILED_CLIENT_AUTH_PER_ADDRESS: 'many' }, /BOX_AUTH_MAX_FAILED_CLIENT_AUTH_PER_ADDRESS must be a whole number/],
    [{ BOX_SECURITY_AUTH_KEYS_PRIVATE: '-----BEGIN PRIVATE KEY-----\nx' }, /must be set together/],
    [{ BOX_SECURITY_AUTH_KEYS_PRIVATE: 'nope', BOX_SECURITY_AUTH_KEYS_PUBLIC: 'nope' }, /BOX_SECURITY_AUTH_KEYS_PRIVATE must be a PEM key/],
  ])('refuse %j at start-up, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
