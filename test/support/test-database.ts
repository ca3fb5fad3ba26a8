import pg from 'pg';

/** The PostgreSQL server tests use; each run and each test file gets databases of its own on it. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string, server = TEST_SERVER_URL): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery(sql: string, server = TEST_SERVER_URL): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function usePglite(): boolean {
  return process.env.LOCKBOX_TEST_DB === 'pglite';
}
