import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll } from 'vitest';

/** The machine's Postgres (trust auth, database `test`), which the store suites use; skipped when none answers. */
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export const postgresUp = await new Promise<boolean>((resolve) => {
  const socket = connect(5432, '127.0.0.1', () => (socket.end(), resolve(true)));
  socket.on('error', () => resolve(false));
});

/**
 * A fresh schema per call, for the calling suite: its URL puts the schema first on the search path. Every
 * schema made is dropped after the suite.
 */
export function freshSchemas(label: string): () => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    if (made.length === 0) return;
    const client = new pg.Client(POSTGRES_URL);
    await client.connect();
    for (const schema of made) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  return async () => {
    const schema = `${label}_${randomUUID().slice(0, 8)}`;
    const client = new pg.Client(POSTGRES_URL);
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    made.push(schema);
    return `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  };
}
