import bcrypt from 'bcrypt';
import type { AuthSettings } from '../config/load-config';
import type { Database, Queryable } from '../db/database';
import { insertResource, readResource, updateResource } from '../store/resource-store';
import { hashPassword } from './user-password-hook';
import { hashSecret, isSameSecret, newRandomToken } from './hash-secret';

/** Any fixed number: processes starting together on one database bootstrap one after the other. */
const BOOTSTRAP_LOCK_KEY = 7_303_002;

interface Generated {
  name: string;
  value: string;
}

async function ensureRootClient(tx: Queryable, secret: string | undefined): Promise<Generated | undefined> {
  const current = await readResource(tx, 'Client', 'root');
  if (!current) {
    const value = secret ?? newRandomToken();
    await insertResource(tx, 'Client', 'root', { grant_types: ['basic', 'client_credentials'], secret: hashSecret(value) });
    return secret ? undefined : { name: 'Client root secret (BOX_ROOT_CLIENT_SECRET)', value };
  }
  // The variable is the source of truth once set: a changed value takes effect on the next start.
  if (secret !== undefined && !isSameSecret(secret, current.resource.secret)) {
    await updateResource(tx, 'Client', 'root', { ...current.resource, secret: hashSecret(secret) });
  }
  return undefined;
}

async function ensureAdminUser(tx: Queryable, password: string | undefined, cost: number): Promise<Generated | undefined> {
  const current = await readResource(tx, 'User', 'admin');
  if (!current) {
    const value = password ?? newRandomToken();
    await insertResource(tx, 'User', 'admin', { userName: 'admin', password: await hashPassword(value, cost) });
    return password ? undefined : { name: 'User admin password (BOX_ADMIN_PASSWORD)', value };
  }
  const stored = current.resource.password;
  if (password !== undefined && !(typeof stored === 'string' && (await bcrypt.compare(password, stored)))) {
    await updateResource(tx, 'User', 'admin', { ...current.resource, password: await hashPassword(password, cost) });
  }
  return undefined;
}

/**
 * Client `root` and User `admin` exist after start. A value not given by the environment is
 * generated on first start, stored only as a hash and shown once through `print` — the console,
 * never the log.
 */
export async function ensureBootstrapIdentities(db: Database, settings: AuthSettings, print: (text: string) => void): Promise<void> {
  const generated = await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
    const root = await ensureRootClient(tx, settings.rootClientSecret);
    const admin = await ensureAdminUser(tx, settings.adminPassword, settings.bcryptCost);
    return [root, admin].filter((entry): entry is Generated => entry !== undefined);
  });
  if (generated.length === 0) return;
  const lines = generated.map((entry) => `  ${entry.name}: ${entry.value}`);
  print(['', '='.repeat(72), ' Lockbox generated these credentials. They are shown only this once:', ...lines, ' Store them now; set the variables to keep them.', '='.repeat(72), ''].join('\n'));
}
