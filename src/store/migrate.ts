import { readdirSync, readFileSync } from 'node:fs';
import type { SqlClient } from './sql-client.js';

/** The versioned SQL files, `NNNN_name.sql`, beside the package's `dist/` and `src/`. */
const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export function migrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8'),
    }));
}

/**
 * Brings the schema up to date, each migration in its own transaction. Instances starting at once are safe:
 * each takes a transaction-scoped advisory lock first, so one applies and the others find it applied.
 * Returns the versions this call applied.
 */
export async function migrate(db: SqlClient, all: readonly Migration[] = migrations()): Promise<number[]> {
  const applied: number[] = [];
  for (const m of all) {
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchyard-migrations'))");
      // Under the lock: two instances creating the table at once collide even with IF NOT EXISTS.
      await tx.query(
        'CREATE TABLE IF NOT EXISTS switchyard_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const found = await tx.query('SELECT 1 FROM switchyard_migrations WHERE version = $1', [m.version]);
      if (found.length > 0) return false;
      for (const statement of m.sql.split(/;\s*$/m).filter((s) => s.replace(/--.*$/gm, '').trim() !== ''))
        await tx.query(statement);
      await tx.query('INSERT INTO switchyard_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
