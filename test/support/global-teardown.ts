import { adminQuery } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const name = process.env.LOCKBOX_TEMPLATE_DB;
  if (name) await adminQuery(`drop database if exists "${name}" with (force)`);
}
