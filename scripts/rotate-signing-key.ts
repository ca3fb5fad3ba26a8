/**
 * npm run auth:rotate-key — adds a new current signing key to the database the server uses
 * (DATABASE_URL or BOX_DATA_DIR). The previous key is retired: it stays in the JWKS and keeps
 * verifying for BOX_AUTH_RETIRED_KEY_TTL seconds, so tokens it signed live out their lifetime.
 * Running servers switch to the new key within a minute. Keys given by
 * BOX_SECURITY_AUTH_KEYS_PRIVATE/_PUBLIC are rotated by changing those variables instead.
 */
import { rotateSigningKey } from '../src/auth/signing-keys';
import { loadConfig } from '../src/config/load-config';
import { openDatabase } from '../src/db/open-database';

const config = loadConfig();
if (config.auth.keysPrivatePem) {
  console.error('Signing keys come from BOX_SECURITY_AUTH_KEYS_PRIVATE/_PUBLIC; rotate them there.');
  process.exit(1);
}
const db = await openDatabase(config);
try {
  const kid = await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [7_303_004]);
    return rotateSigningKey(tx);
  });
  console.log(`New signing key ${kid} is current; the previous one is retired.`);
} finally {
  await db.close();
}
